"""Workspace: saved scenario versions, runs, shortlists and the team's notes in one SQLite file."""

from __future__ import annotations

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

__all__ = [
    "SCHEMA_VERSION",
    "SHORTLIST_KINDS",
    "STATUSES",
    "WORKSPACE_ENV",
    "ImportSummary",
    "RunInfo",
    "RunRecord",
    "ScenarioRecord",
    "ShortlistRecord",
    "StatusRecord",
    "Workspace",
    "WorkspaceError",
    "default_workspace_path",
]
