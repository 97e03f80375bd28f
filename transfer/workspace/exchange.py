"""Workspace snapshots: check an exported file, then copy its records in by merge or by replace."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from transfer.workspace import schema

__all__ = ["Snapshot", "merge_into", "read_snapshot", "replace_with", "snapshot_problems"]

Row = dict[str, Any]

# Tables whose records carry a `uid` (their identity across files).
_UID_TABLES = ("scenarios", "runs", "shortlists", "entry_status")
# Children before parents: the order to delete in.
_DELETE_ORDER = ("entry_status", "run_results", "shortlists", "runs", "scenarios")
_MAX_PROBLEMS = 8


@dataclass(frozen=True)
class Snapshot:
    """Every row of a validated workspace file, table by table (columns of the current schema)."""

    tables: dict[str, tuple[Row, ...]]


def _reference_columns() -> dict[str, list[tuple[str, str]]]:
    """Return (column, declared type) per table of a fresh file at the current schema version."""
    ref = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migrate in schema.MIGRATIONS:
            migrate(ref)
        return {table: _columns(ref, table) for table in schema.TABLES}
    finally:
        ref.close()


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(row[1], str(row[2]).upper()) for row in conn.execute(f"PRAGMA table_info({table})")]


def _json_problem(text: object, expect: type, label: str) -> str | None:
    if not isinstance(text, str):
        return f"{label} is not text"
    try:
        value = json.loads(text)
    except ValueError as exc:
        return f"{label} is not valid JSON ({exc})"
    if not isinstance(value, expect):
        return f"{label} is a JSON {type(value).__name__}, expected {expect.__name__}"
    if isinstance(value, list) and not all(isinstance(item, dict) for item in value):
        return f"{label} holds a row that is not a JSON object"
    return None


def _time_problem(text: object, label: str) -> str | None:
    try:
        datetime.fromisoformat(str(text))
    except ValueError:
        return f"{label} is not an ISO-8601 timestamp: {text!r}"
    return None


def snapshot_problems(conn: sqlite3.Connection) -> list[str]:
    """List what is wrong with a workspace file already migrated to the current schema.

    Parameters
    ----------
    conn
        Connection to a (copied) file at the current schema version; it is only read.

    Returns
    -------
    list[str]
        Problems found, at most a handful; empty when the file is a sound workspace.
    """
    problems: list[str] = []
    expected = _reference_columns()
    for table, columns in expected.items():
        found = _columns(conn, table)
        if not found:
            problems.append(f"table '{table}' is missing")
        elif found != columns:
            problems.append(f"table '{table}' has columns {[c for c, _ in found]}, expected {[c for c, _ in columns]}")
    if problems:
        return problems
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchall()[:_MAX_PROBLEMS]:
        problems.append(f"{table} row {rowid} refers to a missing {parent} record")
    for table in _UID_TABLES:
        (missing,) = conn.execute(f"SELECT count(*) FROM {table} WHERE uid IS NULL OR uid = ''").fetchone()
        if missing:
            problems.append(f"{missing} {table} rows have no uid")
    checks: list[tuple[str, str, Callable[[Row], list[str | None]]]] = [
        ("scenarios", "SELECT * FROM scenarios", lambda r: [_time_problem(r["created_at"], "created_at")]),
        (
            "runs",
            "SELECT * FROM runs",
            lambda r: [
                _time_problem(r["created_at"], "created_at"),
                _json_problem(r["parameters_json"], dict, "parameters"),
                _json_problem(r["summary_json"], dict, "summary"),
            ],
        ),
        (
            "shortlists",
            "SELECT * FROM shortlists",
            lambda r: [
                _time_problem(r["created_at"], "created_at"),
                _json_problem(r["rows_json"], list, "rows"),
                None if r["kind"] in schema.SHORTLIST_KINDS else f"unknown kind {r['kind']!r}",
            ],
        ),
        (
            "entry_status",
            "SELECT * FROM entry_status",
            lambda r: [
                _time_problem(r["updated_at"], "updated_at"),
                None if r["status"] in schema.STATUSES else f"unknown status {r['status']!r}",
            ],
        ),
    ]
    conn.row_factory = sqlite3.Row
    try:
        for table, query, check in checks:
            for row in conn.execute(query):
                for problem in check(dict(row)):
                    if problem:
                        problems.append(f"{table} row {row['id']}: {problem}")
                if len(problems) >= _MAX_PROBLEMS:
                    return problems
    finally:
        conn.row_factory = None
    return problems


def read_snapshot(conn: sqlite3.Connection) -> Snapshot:
    """Read every row of a validated file (see `snapshot_problems`) into memory."""
    conn.row_factory = sqlite3.Row
    try:
        tables = {
            table: tuple(dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in schema.TABLES
        }
    finally:
        conn.row_factory = None
    return Snapshot(tables=tables)


def _insert(conn: sqlite3.Connection, table: str, row: Row) -> int:
    names = list(row)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    cursor = conn.execute(sql, [row[name] for name in names])
    return int(cursor.lastrowid or 0)


def replace_with(conn: sqlite3.Connection, snapshot: Snapshot) -> dict[str, int]:
    """Delete every record, then copy the snapshot's records verbatim (ids and versions kept).

    Must run inside a write transaction; returns the number of records copied per table.
    """
    for table in _DELETE_ORDER:
        conn.execute(f"DELETE FROM {table}")
    for table in schema.TABLES:
        for row in snapshot.tables[table]:
            _insert(conn, table, row)
    return {table: len(snapshot.tables[table]) for table in schema.TABLES}


def merge_into(conn: sqlite3.Connection, snapshot: Snapshot) -> dict[str, int]:
    """Add the snapshot's records that this workspace does not hold yet (matched by uid).

    Imported scenario versions are appended after the local versions of the same name, so no local
    record is renumbered or overwritten; runs and shortlists follow their scenario's new version.
    Must run inside a write transaction; returns the number of records added per table.
    """
    added = dict.fromkeys(schema.TABLES, 0)
    scenario_ref: dict[tuple[str, int], tuple[str, int]] = {}
    for row in sorted(snapshot.tables["scenarios"], key=lambda r: (r["name"], r["version"])):
        known = conn.execute("SELECT name, version FROM scenarios WHERE uid = ?", (row["uid"],)).fetchone()
        if known is None:
            (latest,) = conn.execute(
                "SELECT coalesce(max(version), 0) FROM scenarios WHERE name = ?", (row["name"],)
            ).fetchone()
            new = {**row, "version": latest + 1}
            del new["id"]
            _insert(conn, "scenarios", new)
            known = (row["name"], latest + 1)
            added["scenarios"] += 1
        scenario_ref[(row["name"], row["version"])] = (known[0], known[1])

    def remap(row: Row) -> Row:
        new = dict(row)
        del new["id"]
        if row["scenario_name"] is not None:
            new["scenario_name"], new["scenario_version"] = scenario_ref[
                (row["scenario_name"], row["scenario_version"])
            ]
        return new

    new_run_ids: dict[int, int] = {}
    for row in snapshot.tables["runs"]:
        if conn.execute("SELECT 1 FROM runs WHERE uid = ?", (row["uid"],)).fetchone() is None:
            new_run_ids[row["id"]] = _insert(conn, "runs", remap(row))
            added["runs"] += 1
    for row in snapshot.tables["run_results"]:
        if row["run_id"] in new_run_ids:
            _insert(conn, "run_results", {**row, "run_id": new_run_ids[row["run_id"]]})
            added["run_results"] += 1
    shortlist_ids: dict[int, int] = {}
    for row in snapshot.tables["shortlists"]:
        known_id = conn.execute("SELECT id FROM shortlists WHERE uid = ?", (row["uid"],)).fetchone()
        if known_id is None:
            shortlist_ids[row["id"]] = _insert(conn, "shortlists", remap(row))
            added["shortlists"] += 1
        else:
            shortlist_ids[row["id"]] = known_id[0]
    for row in snapshot.tables["entry_status"]:
        if conn.execute("SELECT 1 FROM entry_status WHERE uid = ?", (row["uid"],)).fetchone() is None:
            new = {**row, "shortlist_id": shortlist_ids[row["shortlist_id"]]}
            del new["id"]
            _insert(conn, "entry_status", new)
            added["entry_status"] += 1
    return added
