"""Fixtures of the team-server tests: a real PostgreSQL/PostGIS server (``$TRANSFER_TEST_OWNER_URL``, set by
``make test-server``), initialised once, and fresh teams with one account per role for each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgfixtures import PASSWORD, Server, Team

from transfer.workspace import ServerWorkspace, Workspace, admin


@pytest.fixture(scope="session")
def server() -> Server:
    owner_url = os.environ.get("TRANSFER_TEST_OWNER_URL")
    if not owner_url:
        pytest.fail("TRANSFER_TEST_OWNER_URL is not set: run these tests with `make test-server`")
    app_url = admin.init_server(
        owner_url, app_password="app-role-secret", team="first", admin_user="root-admin", admin_password=PASSWORD
    )
    return Server(owner_url, app_url)


@pytest.fixture
def team(server: Server) -> Team:
    return server.team()


@pytest.fixture
def other_team(server: Server) -> Team:
    return server.team()


@pytest.fixture(params=["sqlite", "server"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace | ServerWorkspace]:
    """The same workspace API on both backends: a new SQLite file, or a new team's editor on the server."""
    if request.param == "sqlite":
        with Workspace.open(tmp_path / "ws.sqlite") as ws:
            yield ws
        return
    server: Server = request.getfixturevalue("server")
    with server.login(server.team().editor) as ws:
        yield ws
