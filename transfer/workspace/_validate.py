"""Checks of a workspace file before import: its bytes, its schema, every row, and its identities."""

from __future__ import annotations

import json
import math
import sqlite3
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from transfer.errors import WorkspaceImportError
from transfer.workspace import schema

__all__ = [
    "FIX_COPY",
    "FIX_EDITED",
    "FIX_EXPORT",
    "RULE_FAILURES",
    "Problem",
    "collision_problems",
    "file_problems",
    "rejected",
    "signatures",
    "snapshot_problems",
]

FIX_EXPORT = "import a file written by Workspace.export (a transfer workspace file)"
FIX_COPY = "copy the file again in full, or export it again from its workspace with Workspace.export"
FIX_EDITED = (
    "the file was changed outside this program: export it again from its workspace with Workspace.export "
    "and import that copy unchanged"
)
FIX_COLLISION = (
    "a uid names one record in every copy of a workspace, so the file or this workspace was edited outside "
    "this program: import with mode='replace' to take the file as it is, or export the file again from its "
    "own workspace"
)
# Lines of PRAGMA integrity_check that report a row breaking a table's rule (not a damaged file).
RULE_FAILURES = ("CHECK constraint failed", "NOT NULL constraint failed")
_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100
_MAX_PROBLEMS = 8
_SHOWN_CHARS = 40
# The SQLite storage class each declared column type accepts (and NULL where the column allows it).
_STORAGE = {"INTEGER": "integer", "TEXT": "text"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file: what, the table and row it is in (if any), and how to fix it."""

    what: str
    fix: str
    table: str | None = None
    row: object = None
    uid: object = None
    repair: str | None = None  # a second way out, offered after `fix`

    def text(self) -> str:
        """The problem as one line: ``table 'runs', row 3 (uid ...): what``."""
        if self.table is None:
            return self.what
        place = f"table '{self.table}'"
        if self.row is not None:
            place += f", row {self.row}"
        if self.uid is not None:
            place += f" (uid {self.uid})"
        return f"{place}: {self.what}"


def rejected(source: Path, problems: list[Problem]) -> WorkspaceImportError:
    """Return the error for a refused import file, naming each problem and every distinct fix."""
    lines = [problem.text() for problem in problems]
    shown = "; ".join(lines[:_MAX_PROBLEMS])
    if len(lines) > _MAX_PROBLEMS:
        shown += f"; and {len(lines) - _MAX_PROBLEMS} more"
    fixes = "; ".join(dict.fromkeys(problem.fix.rstrip(".") for problem in problems))
    repairs = [problem.repair for problem in problems if problem.repair]
    if repairs:
        fixes += "; or " + "; or ".join(dict.fromkeys(repairs))
    return WorkspaceImportError(
        f"the import file was rejected and nothing was changed: {shown}",
        where=str(source),
        fix=fixes,
        problems=lines,
    )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


# -- the file's bytes ---------------------------------------------------------------------------


def file_problems(path: Path) -> list[Problem]:
    """Check that `path` holds a whole SQLite file: not empty, the SQLite header, not cut short.

    Parameters
    ----------
    path
        The import file (only read).

    Returns
    -------
    list[Problem]
        Empty when the bytes look like a complete SQLite database.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_HEADER_BYTES)
    except OSError as exc:
        return [Problem(f"the file cannot be read ({exc.strerror or exc})", "check the file's permissions")]
    if size == 0:
        return [Problem("the file is empty (0 bytes)", FIX_COPY)]
    if not head.startswith(_MAGIC[: len(head)]) or (len(head) >= len(_MAGIC) and head[:16] != _MAGIC):
        return [Problem(f"the file is not a SQLite database (it starts with {_shown(head[:16])})", FIX_EXPORT)]
    if len(head) < _HEADER_BYTES:
        return [Problem(f"the file is truncated: it holds {size} bytes, less than SQLite's 100-byte header", FIX_COPY)]
    (raw_page,) = struct.unpack(">H", head[16:18])
    page_size = 65536 if raw_page == 1 else raw_page
    if page_size < 512 or page_size & (page_size - 1):
        return [Problem(f"the SQLite header is damaged (page size {raw_page})", FIX_COPY)]
    (pages,) = struct.unpack(">I", head[28:32])
    header_counts_pages = head[24:28] == head[92:96] and pages > 0
    if header_counts_pages and size < pages * page_size:
        return [
            Problem(
                f"the file is truncated: its header declares {pages} pages of {page_size} bytes "
                f"({pages * page_size} bytes) but the file holds {size} bytes",
                FIX_COPY,
            )
        ]
    if size % page_size:
        cut = f"the file is truncated: {size} bytes is not a whole number of {page_size}-byte pages"
        return [Problem(cut, FIX_COPY)]
    return []


# -- schema -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reference:
    columns: dict[str, list[tuple[str, str, int, int]]]
    indexes: dict[str, set[tuple[bool, tuple[str, ...]]]]
    foreign: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]]


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, int, int]]:
    """(name, declared type, not null, primary-key position) of each column."""
    return [(r[1], str(r[2]).upper(), int(r[3]), int(r[5])) for r in conn.execute(f"PRAGMA table_info({table})")]


def _indexes(conn: sqlite3.Connection, table: str) -> set[tuple[bool, tuple[str, ...]]]:
    """(unique, columns) of each index of a table, including those behind PRIMARY KEY and UNIQUE."""
    found = set()
    for row in conn.execute(f"PRAGMA index_list({table})").fetchall():
        if row[4]:  # a partial index does not guarantee uniqueness over the whole table
            continue
        quoted = '"' + str(row[1]).replace('"', '""') + '"'
        names = tuple(str(r[2]) for r in conn.execute(f"PRAGMA index_info({quoted})"))
        found.add((bool(row[2]), names))
    return found


def _foreign(conn: sqlite3.Connection, table: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(parent table, child columns, parent columns) of each foreign key of a table."""
    keys: dict[int, tuple[str, list[str], list[str]]] = {}
    for row in conn.execute(f"PRAGMA foreign_key_list({table})"):
        _, child_cols, parent_cols = keys.setdefault(row[0], (row[2], [], []))
        child_cols.append(row[3])
        parent_cols.append(row[4] or "id")
    return [(parent, tuple(c), tuple(p)) for parent, c, p in keys.values()]


def _reference() -> _Reference:
    """Columns, indexes and foreign keys of a fresh file at the current schema version."""
    ref = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migrate in schema.MIGRATIONS:
            migrate(ref)
        return _Reference(
            columns={t: _columns(ref, t) for t in schema.TABLES},
            indexes={t: _indexes(ref, t) for t in schema.TABLES},
            foreign={t: _foreign(ref, t) for t in schema.TABLES},
        )
    finally:
        ref.close()


def _describe(column: tuple[str, str, int, int]) -> str:
    name, kind, not_null, pk = column
    return f"{name} {kind}" + (" NOT NULL" if not_null else "") + (" PRIMARY KEY" if pk else "")


def _table_problems(conn: sqlite3.Connection, ref: _Reference) -> list[Problem]:
    problems = []
    for table, expected in ref.columns.items():
        found = _columns(conn, table)
        if not found:
            problems.append(Problem(f"table '{table}' is missing", FIX_EDITED))
            continue
        missing = [_describe(c) for c in expected if c not in found]
        extra = [_describe(c) for c in found if c not in expected]
        if missing or extra:
            what = f"columns differ from the workspace schema (missing: {missing}; unexpected: {extra})"
            problems.append(Problem(what, FIX_EDITED, table))
    return problems


def _index_problems(conn: sqlite3.Connection, ref: _Reference) -> list[Problem]:
    problems = []
    for table, expected in ref.indexes.items():
        found = _indexes(conn, table)
        for unique, names in sorted(expected - found):
            kind = "UNIQUE INDEX" if unique else "INDEX"
            create = f"CREATE {kind} {table}_{'_'.join(names)} ON {table} ({', '.join(names)})"
            problems.append(
                Problem(
                    f"the {kind.lower()} on ({', '.join(names)}) is missing",
                    FIX_EDITED,
                    table,
                    repair=f"recreate the index in the file with: {create}",
                )
            )
    return problems


# -- rows ---------------------------------------------------------------------------------------


def _has_uid(table: str) -> bool:
    return table != "run_results"


def _has_id(table: str) -> bool:
    """Whether the table numbers its records with an `id` column (the others are shown by rowid)."""
    return table not in ("run_results", "monitoring_values")


def _ident(table: str, alias: str = "") -> str:
    """SQL for a row's shown number and uid: the `id` column (else the rowid) and `uid`."""
    prefix = f"{alias}." if alias else ""
    number = f"{prefix}id" if _has_id(table) else f"{prefix}rowid"
    return f"{number}, " + (f"{prefix}uid" if _has_uid(table) else "NULL")


def _type_problems(conn: sqlite3.Connection, ref: _Reference) -> list[Problem]:
    problems = []
    for table, columns in ref.columns.items():
        for name, kind, not_null, pk in columns:
            if kind not in _STORAGE:
                continue
            allowed = [_STORAGE[kind]] if not_null or pk else [_STORAGE[kind], "null"]
            listed = ", ".join(f"'{a}'" for a in allowed)
            query = (
                f"SELECT {_ident(table)}, typeof({name}), {name} FROM {table} "
                f"WHERE typeof({name}) NOT IN ({listed}) LIMIT {_MAX_PROBLEMS}"
            )
            for number, uid, found, value in conn.execute(query):
                problems.append(
                    Problem(
                        f"column {name} holds {found} {_shown(value)}, expected {' or '.join(allowed)}",
                        FIX_EDITED,
                        table,
                        number,
                        uid if isinstance(uid, str) else None,
                    )
                )
    return problems


def _duplicate_problems(conn: sqlite3.Connection, ref: _Reference) -> list[Problem]:
    problems = []
    for table, indexes in ref.indexes.items():
        for unique, names in sorted(indexes):
            if not unique:
                continue
            cols = ", ".join(names)
            not_null = " AND ".join(f"{n} IS NOT NULL" for n in names)
            query = (
                f"SELECT {cols}, group_concat({'id' if _has_id(table) else 'rowid'}, ', ') FROM {table} "
                f"WHERE {not_null} GROUP BY {cols} HAVING count(*) > 1 LIMIT {_MAX_PROBLEMS}"
            )
            for *values, rows in conn.execute(query):
                shown = ", ".join(f"{n} {_shown(v)}" for n, v in zip(names, values, strict=True))
                fix = "give each record its own uid" if names == ("uid",) else f"keep one record per ({cols})"
                problems.append(Problem(f"rows {rows} share {shown}", FIX_EDITED, table, repair=fix))
    for table in schema.TABLES:
        if _has_uid(table):
            number_col = "id" if _has_id(table) else "rowid"
            for (number,) in conn.execute(f"SELECT {number_col} FROM {table} WHERE uid IS NULL OR uid = ''"):
                problems.append(Problem("the record has no uid", FIX_EDITED, table, number))
    return problems


def _reference_problems(conn: sqlite3.Connection, ref: _Reference) -> list[Problem]:
    problems = []
    for table, keys in ref.foreign.items():
        for parent, child_cols, parent_cols in keys:
            present = " AND ".join(f"c.{col} IS NOT NULL" for col in child_cols)
            match = " AND ".join(f"p.{p} = c.{c}" for c, p in zip(child_cols, parent_cols, strict=True))
            picked = ", ".join(f"c.{col}" for col in child_cols)
            query = (
                f"SELECT {_ident(table, 'c')}, {picked} FROM {table} c WHERE {present} "
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {match}) LIMIT {_MAX_PROBLEMS}"
            )
            for number, uid, *values in conn.execute(query):
                key = ", ".join(f"{p} {_shown(v)}" for p, v in zip(parent_cols, values, strict=True))
                problems.append(
                    Problem(
                        f"refers to a {parent} record ({key}) that the file does not hold",
                        FIX_EDITED,
                        table,
                        number,
                        uid,
                        repair=f"import the file that holds the {parent} record as well",
                    )
                )
    return problems


def _json_problem(text: object, expect: type, label: str) -> str | None:
    try:
        value = json.loads(str(text))
    except ValueError as exc:
        return f"{label} is not valid JSON ({exc})"
    except RecursionError:
        return f"{label} is nested too deeply to read"
    if not isinstance(value, expect):
        return f"{label} is a JSON {type(value).__name__}, expected {expect.__name__}"
    if isinstance(value, list) and not all(isinstance(item, dict) for item in value):
        return f"{label} holds a row that is not a JSON object"
    return None


def _time_problem(text: object, label: str) -> str | None:
    try:
        datetime.fromisoformat(str(text))
    except ValueError:
        return f"{label} is not an ISO-8601 timestamp: {_shown(text)}"
    return None


def _one_of(value: object, allowed: tuple[str, ...], label: str) -> str | None:
    return None if value in allowed else f"unknown {label} {_shown(value)} (use one of {list(allowed)})"


def _named(value: object, label: str) -> str | None:
    return None if isinstance(value, str) and value.strip() else f"{label} is empty"


_Row = Mapping[str, Any]
_CONTENT_CHECKS: dict[str, Callable[[_Row], Iterable[str | None]]] = {
    "scenarios": lambda r: [
        _named(r["name"], "name"),
        None if isinstance(r["version"], int) and r["version"] >= 1 else f"version {_shown(r['version'])} is below 1",
        _time_problem(r["created_at"], "created_at"),
    ],
    "runs": lambda r: [
        _time_problem(r["created_at"], "created_at"),
        _json_problem(r["parameters_json"], dict, "parameters_json"),
        _json_problem(r["summary_json"], dict, "summary_json"),
    ],
    "run_results": lambda r: [_named(r["name"], "result name")],
    "shortlists": lambda r: [
        _named(r["name"], "name"),
        _time_problem(r["created_at"], "created_at"),
        _json_problem(r["rows_json"], list, "rows_json"),
        _one_of(r["kind"], schema.SHORTLIST_KINDS, "kind"),
        None
        if (r["scenario_name"] is None) == (r["scenario_version"] is None)
        else "scenario_name and scenario_version must both be set or both be empty",
    ],
    "entry_status": lambda r: [
        _time_problem(r["updated_at"], "updated_at"),
        _one_of(r["status"], schema.STATUSES, "status"),
    ],
    "monitoring_values": lambda r: [
        _time_problem(r["imported_at"], "imported_at"),
        _named(r["indicator"], "indicator"),
        None if 1949 <= r["year"] <= 2100 else f"year {r['year']} is outside 1949..2100",
        None if math.isfinite(r["value"]) and r["value"] >= 0 else f"value {r['value']} is not a finite number >= 0",
    ],
}


def _content_problems(conn: sqlite3.Connection) -> list[Problem]:
    problems: list[Problem] = []
    conn.row_factory = sqlite3.Row
    try:
        for table, check in _CONTENT_CHECKS.items():
            for row in conn.execute(f"SELECT rowid AS row_number, * FROM {table}"):
                found = dict(row)
                number = found["id"] if _has_id(table) else found["row_number"]
                for what in check(found):
                    if what:
                        problems.append(Problem(what, FIX_EDITED, table, number, found.get("uid")))
                if len(problems) >= _MAX_PROBLEMS:
                    return problems
    finally:
        conn.row_factory = None
    return problems


def snapshot_problems(conn: sqlite3.Connection) -> list[Problem]:
    """List what is wrong with a workspace file already migrated to the current schema.

    Checks tables and columns against a fresh file, then indexes, storage types, duplicate keys and
    uids, references between records, and the content of every row (JSON, timestamps, kinds).

    Parameters
    ----------
    conn
        Connection to a (copied) file at the current schema version; it is only read.

    Returns
    -------
    list[Problem]
        Every problem found (a few per kind at most); empty when the file is a sound workspace.
    """
    ref = _reference()
    problems = _table_problems(conn, ref)
    if problems:  # the row checks below need every table and column
        return problems
    for check in (_index_problems, _type_problems, _duplicate_problems, _reference_problems):
        problems += check(conn, ref)
    if not problems:  # content checks assume the types are right
        problems += _content_problems(conn)
    return problems


# -- identities against the live workspace ------------------------------------------------------

# What makes two records with one uid the same record: content, and parents named by their uid
# (a merge renumbers scenario versions and ids, so neither takes part).
_SIGNATURE_SQL = {
    "scenarios": "SELECT x.uid, x.id, x.name, x.yaml_text, x.created_at, x.author, x.comment FROM scenarios x",
    "runs": "SELECT x.uid, x.id, s.uid, x.created_at, x.parameters_json, x.summary_json FROM runs x "
    "LEFT JOIN scenarios s ON s.name = x.scenario_name AND s.version = x.scenario_version",
    "shortlists": "SELECT x.uid, x.id, x.name, x.kind, s.uid, x.created_at, x.rows_json FROM shortlists x "
    "LEFT JOIN scenarios s ON s.name = x.scenario_name AND s.version = x.scenario_version",
    "entry_status": "SELECT x.uid, x.id, l.uid, x.entry_key, x.status, x.note, x.updated_at FROM entry_status x "
    "LEFT JOIN shortlists l ON l.id = x.shortlist_id",
}
_SIGNATURE_FIELDS = {
    "scenarios": ("name", "yaml_text", "created_at", "author", "comment"),
    "runs": ("scenario", "created_at", "parameters_json", "summary_json"),
    "shortlists": ("name", "kind", "scenario", "created_at", "rows_json"),
    "entry_status": ("shortlist", "entry_key", "status", "note", "updated_at"),
}
_CHUNK = 500

Signatures = dict[str, dict[str, tuple[Any, ...]]]


def signatures(conn: sqlite3.Connection, uids: Mapping[str, Iterable[str]] | None = None) -> Signatures:
    """Return (id, content...) per uid per table; only the given uids when `uids` is passed."""
    out: Signatures = {}
    for table, query in _SIGNATURE_SQL.items():
        found: dict[str, tuple[Any, ...]] = {}
        if uids is None:
            found = {row[0]: tuple(row[1:]) for row in conn.execute(query)}
        else:
            wanted = list(uids.get(table, ()))
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ", ".join("?" for _ in chunk)
                rows = conn.execute(f"{query} WHERE x.uid IN ({marks})", chunk)
                found.update({row[0]: tuple(row[1:]) for row in rows})
        out[table] = found
    return out


def collision_problems(live: sqlite3.Connection, incoming: Signatures) -> list[Problem]:
    """List the file's records whose uid this workspace already holds for a different record."""
    problems = []
    held = signatures(live, {table: list(rows) for table, rows in incoming.items()})
    for table, rows in incoming.items():
        for uid, (number, *content) in rows.items():
            if uid not in held[table]:
                continue
            live_number, *live_content = held[table][uid]
            differ = [f for f, a, b in zip(_SIGNATURE_FIELDS[table], content, live_content, strict=True) if a != b]
            if differ:
                problems.append(
                    Problem(
                        f"this workspace holds a different record under the same uid (its row {live_number}; "
                        f"they differ in {', '.join(differ)})",
                        FIX_COLLISION,
                        table,
                        number,
                        uid,
                    )
                )
    return problems
