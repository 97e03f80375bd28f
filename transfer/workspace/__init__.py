"""Workspace: saved scenario versions, runs, shortlists and the team's notes, in one SQLite file (one person) or
on a PostgreSQL/PostGIS team server (`open_workspace` with a ``postgresql://`` URL)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from transfer.workspace.core import (
    SCHEMA_VERSION,
    SHORTLIST_KINDS,
    STATUSES,
    WORKSPACE_ENV,
    ImportSummary,
    RunInfo,
    RunRecord,
    ScenarioRecord,
    ShortlistRecord,
    StatusRecord,
    Workspace,
    WorkspaceError,
    default_workspace_path,
)
from transfer.workspace.server import (
    PASSWORD_ENV,
    SESSION_ENV,
    TEAM_ENV,
    USER_ENV,
    LoginInfo,
    ServerWorkspace,
    is_server_url,
    redact_url,
)

WorkspaceAPI = Workspace | ServerWorkspace


def workspace_target(environ: Mapping[str, str] | None = None) -> str | Path:
    """Where the work is saved: the ``postgresql://`` URL of ``$TRANSFER_WORKSPACE``, else the workspace file."""
    env = os.environ if environ is None else environ
    raw = env.get(WORKSPACE_ENV, "")
    return raw.strip() if is_server_url(raw) else default_workspace_path(env)


def open_workspace(
    target: str | os.PathLike[str] | None = None,
    *,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    team: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> WorkspaceAPI:
    """Open the workspace at `target` (default ``$TRANSFER_WORKSPACE``, else the default file).

    A ``postgresql://`` URL opens the team server with a session `token` (or ``$TRANSFER_SESSION``), or logs in
    with `username` and `password` (or ``$TRANSFER_USER`` and ``$TRANSFER_PASSWORD``, team ``$TRANSFER_TEAM``).
    Anything else is a SQLite workspace file.
    """
    env = os.environ if environ is None else environ
    where = workspace_target(env) if target is None else target
    if not is_server_url(where):
        return Workspace.open(Path(where))
    url = str(where)
    token = token or env.get(SESSION_ENV)
    if token:
        return ServerWorkspace(url, token=token)
    user, secret = username or env.get(USER_ENV), password or env.get(PASSWORD_ENV)
    if user and secret:
        return ServerWorkspace.login(url, user, secret, team=team or env.get(TEAM_ENV) or None)
    raise WorkspaceError(
        "the team server needs a login",
        where="TRANSFER_WORKSPACE",
        fix=f"set {USER_ENV} and {PASSWORD_ENV} (and {TEAM_ENV} for an account in several teams), "
        f"or {SESSION_ENV} to a session token",
    )


__all__ = [
    "PASSWORD_ENV",
    "SCHEMA_VERSION",
    "SESSION_ENV",
    "SHORTLIST_KINDS",
    "STATUSES",
    "TEAM_ENV",
    "USER_ENV",
    "WORKSPACE_ENV",
    "ImportSummary",
    "LoginInfo",
    "RunInfo",
    "RunRecord",
    "ScenarioRecord",
    "ServerWorkspace",
    "ShortlistRecord",
    "StatusRecord",
    "Workspace",
    "WorkspaceAPI",
    "WorkspaceError",
    "default_workspace_path",
    "is_server_url",
    "open_workspace",
    "redact_url",
    "workspace_target",
]
