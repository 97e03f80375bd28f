"""Workspace snapshots: read a checked export file, then copy its records in by merge or by replace."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from transfer.workspace import _validate, schema

__all__ = ["DELETE_ORDER", "Snapshot", "merge_into", "read_snapshot", "replace_with"]

Row = dict[str, Any]

# Children before parents: the order to delete in.
DELETE_ORDER = ("monitoring_values", "entry_status", "run_results", "shortlists", "runs", "scenarios")


@dataclass(frozen=True)
class Snapshot:
    """Every row of a validated workspace file, table by table (columns of the current schema).

    `signatures` holds each record's id and content keyed by uid, to compare with a live workspace.
    """

    tables: dict[str, tuple[Row, ...]]
    signatures: _validate.Signatures


def read_snapshot(conn: sqlite3.Connection) -> Snapshot:
    """Read every row of a validated file (see `_validate.snapshot_problems`) into memory."""
    conn.row_factory = sqlite3.Row
    try:
        tables = {
            table: tuple(dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"))
            for table in schema.TABLES
        }
    finally:
        conn.row_factory = None
    return Snapshot(tables=tables, signatures=_validate.signatures(conn))


def _insert(conn: sqlite3.Connection, table: str, row: Row) -> int:
    names = list(row)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    cursor = conn.execute(sql, [row[name] for name in names])
    return int(cursor.lastrowid or 0)


def replace_with(conn: sqlite3.Connection, snapshot: Snapshot) -> dict[str, int]:
    """Delete every record, then copy the snapshot's records verbatim (ids and versions kept).

    Must run inside a write transaction; returns the number of records copied per table.
    """
    for table in DELETE_ORDER:
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
    for row in snapshot.tables["monitoring_values"]:
        # a value this workspace already holds for the same year, site and indicator is kept (merge never overwrites)
        known = conn.execute(
            "SELECT 1 FROM monitoring_values WHERE uid = ? OR (year = ? AND adcode = ? AND indicator = ?)",
            (row["uid"], row["year"], row["adcode"], row["indicator"]),
        ).fetchone()
        if known is None:
            _insert(conn, "monitoring_values", row)
            added["monitoring_values"] += 1
    return added
