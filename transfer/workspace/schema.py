"""Workspace schema: the DDL of every version and the migrations from version n to n + 1."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable

__all__ = [
    "APPLICATION_ID",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SHORTLIST_KINDS",
    "STATUSES",
    "TABLES",
    "new_uid",
]

# "TRWS" in ASCII: marks a SQLite file as a transfer workspace (PRAGMA application_id).
APPLICATION_ID = 0x54525753

SHORTLIST_KINDS = ("industry_to_sites", "site_to_industries", "firms")
STATUSES = ("candidate", "contacted", "visited", "negotiating", "signed", "dropped")

# Tables of the current schema, parents before children (the order rows are copied in).
TABLES = ("scenarios", "runs", "run_results", "shortlists", "entry_status", "monitoring_values")


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# Version 1: the first released layout. Run results lived in one JSON object per run.
V1_DDL = (
    """CREATE TABLE scenarios (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) > 0),
        version INTEGER NOT NULL CHECK (version >= 1),
        yaml_text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        comment TEXT,
        UNIQUE (name, version)
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        scenario_name TEXT NOT NULL,
        scenario_version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        parameters_json TEXT NOT NULL,
        results_json TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        FOREIGN KEY (scenario_name, scenario_version) REFERENCES scenarios (name, version)
    )""",
    f"""CREATE TABLE shortlists (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(name) > 0),
        kind TEXT NOT NULL CHECK (kind IN ({_in_list(SHORTLIST_KINDS)})),
        scenario_name TEXT,
        scenario_version INTEGER,
        created_at TEXT NOT NULL,
        rows_json TEXT NOT NULL,
        FOREIGN KEY (scenario_name, scenario_version) REFERENCES scenarios (name, version)
    )""",
    f"""CREATE TABLE entry_status (
        id INTEGER PRIMARY KEY,
        shortlist_id INTEGER NOT NULL REFERENCES shortlists (id),
        entry_key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ({_in_list(STATUSES)})),
        note TEXT,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX entry_status_by_key ON entry_status (shortlist_id, entry_key, updated_at, id)",
    "CREATE INDEX runs_by_scenario ON runs (scenario_name, scenario_version)",
)


def new_uid() -> str:
    """Return a new random record identity (32 hex digits), stable across export and import."""
    return uuid.uuid4().hex


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    """Create the version-1 tables in an empty file."""
    for statement in V1_DDL:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Add scenario authors, record identities for merging, and one row per run result.

    Run results move from one JSON object per run to a `run_results` table, so listing runs
    never reads the result blobs and one table can be read alone.
    """
    conn.execute("ALTER TABLE scenarios ADD COLUMN author TEXT")
    for table in ("scenarios", "runs", "shortlists", "entry_status"):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN uid TEXT")
        ids = [row[0] for row in conn.execute(f"SELECT id FROM {table}")]
        conn.executemany(f"UPDATE {table} SET uid = ? WHERE id = ?", [(new_uid(), i) for i in ids])
        conn.execute(f"CREATE UNIQUE INDEX {table}_uid ON {table} (uid)")
    conn.execute(
        """CREATE TABLE run_results (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            name TEXT NOT NULL CHECK (length(name) > 0),
            content TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        )"""
    )
    moved = []
    for run_id, results_json in conn.execute("SELECT id, results_json FROM runs").fetchall():
        results = json.loads(results_json)
        for name, content in results.items():
            text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
            moved.append((run_id, name, text))
    conn.executemany("INSERT INTO run_results (run_id, name, content) VALUES (?, ?, ?)", moved)
    conn.execute("ALTER TABLE runs DROP COLUMN results_json")


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """Add the yearly monitoring values: one row per year, site and indicator, with where it came from."""
    conn.execute(
        """CREATE TABLE monitoring_values (
            year INTEGER NOT NULL CHECK (year BETWEEN 1949 AND 2100),
            adcode INTEGER NOT NULL,
            indicator TEXT NOT NULL CHECK (length(indicator) > 0),
            value REAL NOT NULL CHECK (value >= 0),
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            uid TEXT NOT NULL UNIQUE,
            PRIMARY KEY (year, adcode, indicator)
        )"""
    )


# MIGRATIONS[n] takes a file from schema version n to n + 1; version 0 is an empty file.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_0_to_1, _migrate_1_to_2, _migrate_2_to_3)
SCHEMA_VERSION = len(MIGRATIONS)
