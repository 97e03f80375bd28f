"""Helpers of the team-server tests: a real PostgreSQL/PostGIS server (``$TRANSFER_TEST_OWNER_URL``, set by
``make test-server``), initialised once, and fresh teams with one account per role for each test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg

from transfer.workspace import ServerWorkspace, admin

PASSWORD = "correct horse 42"


@dataclass(frozen=True)
class Team:
    """A team on the test server with an admin, an editor and a viewer (all with `PASSWORD`)."""

    name: str
    admin: str
    editor: str
    viewer: str


@dataclass(frozen=True)
class Server:
    owner_url: str
    app_url: str

    def team(self) -> Team:
        name = f"team-{uuid.uuid4().hex[:8]}"
        admin.create_team(self.owner_url, name)
        team = Team(name, f"{name}-admin", f"{name}-editor", f"{name}-viewer")
        for role in ("admin", "editor", "viewer"):
            admin.create_account(self.owner_url, getattr(team, role), PASSWORD, team=name, role=role)
        return team

    def login(self, username: str, **kwargs: object) -> ServerWorkspace:
        return ServerWorkspace.login(self.app_url, username, PASSWORD, **kwargs)  # type: ignore[arg-type]

    def owner(self) -> psycopg.Connection:
        return psycopg.connect(self.owner_url, autocommit=True)
