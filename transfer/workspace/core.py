"""The workspace file: open (create or migrate), save and read scenarios, runs, shortlists and entry statuses,
export and import.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Literal, TypeVar

from transfer.errors import WorkspaceError, WorkspaceImportError
from transfer.names import did_you_mean, unknown_name
from transfer.workspace import _validate, exchange, schema

SCHEMA_VERSION = schema.SCHEMA_VERSION
SHORTLIST_KINDS = schema.SHORTLIST_KINDS
STATUSES = schema.STATUSES
WORKSPACE_ENV = "TRANSFER_WORKSPACE"
WORKSPACE_FILENAME = "workspace.sqlite"

_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_BACKOFF_FIRST_S = 0.05
_BACKOFF_CAP_S = 2.0
_COUNT_TABLES = "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"

T = TypeVar("T")


@dataclass(frozen=True)
class ScenarioRecord:
    """One saved version of a scenario's YAML text."""

    name: str
    version: int
    yaml_text: str
    created_at: datetime
    author: str | None
    comment: str | None


@dataclass(frozen=True)
class RunInfo:
    """A saved run without its result tables (see `RunRecord`)."""

    id: int
    scenario_name: str
    scenario_version: int
    created_at: datetime
    parameters: Mapping[str, Any]
    summary: Mapping[str, Any]
    result_names: tuple[str, ...]


@dataclass(frozen=True)
class RunRecord(RunInfo):
    """A saved run with its result tables: text blobs (CSV or JSON) keyed by name."""

    results: Mapping[str, str]


@dataclass(frozen=True)
class ShortlistRecord:
    """A saved shortlist: its rows as given, and the scenario version it came from (if any)."""

    id: int
    name: str
    kind: str
    scenario_name: str | None
    scenario_version: int | None
    created_at: datetime
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class StatusRecord:
    """One change of status (and note) of a shortlist entry; the latest change is its current state."""

    shortlist_id: int
    key: str
    status: str
    note: str | None
    updated_at: datetime


@dataclass(frozen=True)
class ImportSummary:
    """Numbers of records an import added (merge) or copied (replace)."""

    mode: str
    scenarios: int
    runs: int
    shortlists: int
    statuses: int
    monitoring_values: int = 0


def default_workspace_path(environ: Mapping[str, str] | None = None) -> Path:
    """Return where the workspace lives when no path is given.

    Parameters
    ----------
    environ
        Environment to read (default: the process environment).

    Returns
    -------
    Path
        ``$TRANSFER_WORKSPACE`` if set, else ``$XDG_DATA_HOME/transfer/workspace.sqlite``,
        else ``~/.local/share/transfer/workspace.sqlite``.
    """
    env = os.environ if environ is None else environ
    if env.get(WORKSPACE_ENV):
        return Path(env[WORKSPACE_ENV]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return Path(data_home).expanduser() / "transfer" / WORKSPACE_FILENAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _json_default(value: object) -> object:
    for method in ("tolist", "item"):  # numpy scalars and arrays, without importing numpy
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _to_json(value: object, *, label: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise WorkspaceError(
            f"cannot store {label} as JSON: {exc}",
            where=label,
            fix="use only str, int, float, bool, None, lists and dicts, and replace NaN or infinity by None",
        ) from exc


def _frozen(value: Any) -> Mapping[str, Any]:
    return MappingProxyType(value)


def _check_text(value: object, label: str, *, optional: bool = False, non_empty: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise WorkspaceError(
            f"{label} must be text, got {type(value).__name__}", where=label, fix=f"pass {label} as a str"
        )
    if non_empty and not value.strip():
        raise WorkspaceError(f"{label} is empty", where=label, fix=f"give a non-empty {label}")


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Workspace:
    """An open workspace file; use `Workspace.open` and close it (or use it as a context manager).

    Every write is one ``BEGIN IMMEDIATE ... COMMIT`` transaction in a WAL-mode file with
    ``synchronous=FULL``: a crash or kill mid-write leaves the file as it was before that write.
    When another process holds the write lock, a write waits up to ``busy_timeout_s`` and is then
    retried up to ``max_retries`` times with jittered exponential backoff. One object may be shared
    by threads (calls are serialised by a lock held by the object).

    Parameters
    ----------
    path
        The SQLite file; created with its parent folders when missing.
    busy_timeout_s
        How long SQLite waits for a lock before reporting the file busy.
    max_retries
        How many more times a busy transaction is tried before `WorkspaceError` is raised.
    """

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_s: float = 5.0, max_retries: int = 5) -> None:
        self._path = Path(path).expanduser()
        self._busy_timeout_s = float(busy_timeout_s)
        self._max_retries = int(max_retries)
        self._lock = threading.RLock()
        self._rng = random.Random()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self._path, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise WorkspaceError(
                f"cannot open the workspace file: {exc}",
                where=str(self._path),
                fix="pass a path to a file in a writable folder (or set TRANSFER_WORKSPACE)",
            ) from exc
        self._conn: sqlite3.Connection | None = conn
        try:
            self._retrying(self._configure)
            self._migrate()
        except BaseException:
            conn.close()
            self._conn = None
            raise

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, busy_timeout_s: float = 5.0, max_retries: int = 5
    ) -> Workspace:
        """Open (or create) a workspace file and bring its schema up to date.

        Parameters
        ----------
        path
            The file; default `default_workspace_path()`.
        busy_timeout_s
            How long SQLite waits for another writer's lock before reporting busy.
        max_retries
            Extra attempts of a busy transaction, with jittered exponential backoff.

        Returns
        -------
        Workspace
            The open workspace.

        Raises
        ------
        WorkspaceError
            The file is not a workspace, was written by a newer version, or cannot be opened.
        """
        return cls(
            default_workspace_path() if path is None else path,
            busy_timeout_s=busy_timeout_s,
            max_retries=max_retries,
        )

    @property
    def path(self) -> Path:
        """The workspace file."""
        return self._path

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (the WAL is checkpointed into it); closing twice is harmless."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- transactions -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise WorkspaceError(
                "the workspace is closed",
                where=str(self._path),
                fix="open it again with Workspace.open(path)",
            )
        return self._conn

    def _error(self, exc: sqlite3.Error) -> WorkspaceError:
        if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
            return WorkspaceError(
                "the file is not a SQLite workspace (file is not a database)",
                where=str(self._path),
                fix="point Workspace.open at a workspace file or at a path that does not exist yet",
            )
        name = str(getattr(exc, "sqlite_errorname", ""))
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        kept = "nothing was changed and every record saved before is kept"
        if name == "SQLITE_READONLY_DIRECTORY" or primary == _SQLITE_CANTOPEN:
            return WorkspaceError(
                f"the workspace folder is read-only or missing ({exc}; SQLite must create the -wal and -shm "
                f"files beside the workspace file); {kept}",
                where=str(self._path),
                fix=f"make the folder {self._path.parent} writable, or move the workspace file to a writable "
                "folder (or set TRANSFER_WORKSPACE)",
            )
        if primary == _SQLITE_READONLY:
            return WorkspaceError(
                f"the workspace file is read-only ({exc}); {kept}",
                where=str(self._path),
                fix=f"make the file writable (chmod u+w {self._path}), or open a copy of it in a writable folder",
            )
        if primary == _SQLITE_CORRUPT:
            return WorkspaceError(
                f"the workspace file is damaged ({exc}): it was cut short or overwritten outside this program",
                where=str(self._path),
                fix="move the damaged file aside, open a new workspace at its path and import the latest export "
                "of it there (Workspace.import_ with mode='replace')",
            )
        if primary in (_SQLITE_FULL, _SQLITE_IOERR):
            return WorkspaceError(
                f"the disk refused to write the workspace file ({exc}, {name or 'I/O error'}): it is full, over "
                f"the file size limit or failing; {kept}",
                where=str(self._path),
                fix="free disk space (or raise the file size limit), then save again",
            )
        return WorkspaceError(
            f"the workspace file could not be read or written: {exc}",
            where=str(self._path),
            fix="check the disk and the file's permissions, then retry",
        )

    def _retrying(self, attempt: Callable[[], T]) -> T:
        with self._lock:
            for number in range(self._max_retries + 1):
                try:
                    return attempt()
                except sqlite3.Error as exc:
                    if not _is_busy(exc):
                        raise self._error(exc) from exc
                    if number == self._max_retries:
                        raise WorkspaceError(
                            f"the workspace file stayed locked by another writer through "
                            f"{self._max_retries + 1} attempts of {self._busy_timeout_s:g} s",
                            where=str(self._path),
                            fix="retry in a moment, or open the workspace with a larger busy_timeout_s",
                        ) from exc
                delay_s = min(_BACKOFF_FIRST_S * 2**number, _BACKOFF_CAP_S) * self._rng.uniform(0.5, 1.5)
                time.sleep(delay_s)
        raise AssertionError("unreachable")

    def _transaction(self, work: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        conn = self._connection()

        def attempt() -> T:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
            return result

        return self._retrying(attempt)

    def _configure(self) -> None:
        conn = self._connection()
        (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if str(mode).lower() != "wal":
            raise WorkspaceError(
                f"the workspace file cannot use write-ahead logging (journal mode stays {mode!r})",
                where=str(self._path),
                fix="keep the workspace on a local disk, not a network share",
            )
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")

    def _header(self, conn: sqlite3.Connection) -> int:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        (app_id,) = conn.execute("PRAGMA application_id").fetchone()
        if version > schema.SCHEMA_VERSION:
            raise WorkspaceError(
                f"the workspace has schema version {version}, newer than this program's {schema.SCHEMA_VERSION}",
                where=str(self._path),
                fix="upgrade the transfer package, or open another workspace file",
            )
        (tables,) = conn.execute(_COUNT_TABLES).fetchone()
        if (version == 0 and tables) or (version > 0 and app_id != schema.APPLICATION_ID):
            raise WorkspaceError(
                "the file is a SQLite database but not a transfer workspace",
                where=str(self._path),
                fix="point Workspace.open at a workspace file or at a path that does not exist yet",
            )
        return int(version)

    def _migrate(self) -> None:
        if self._transaction(self._header, write=False) == schema.SCHEMA_VERSION:
            return

        def migrate(conn: sqlite3.Connection) -> None:
            version = self._header(conn)  # again, under the write lock: another process may have migrated
            for step in schema.MIGRATIONS[version:]:
                step(conn)
            conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")

        self._transaction(migrate)

    # -- scenarios ----------------------------------------------------------------------------

    @staticmethod
    def _scenario(row: tuple[Any, ...]) -> ScenarioRecord:
        name, version, yaml_text, created_at, author, comment = row
        return ScenarioRecord(name, version, yaml_text, datetime.fromisoformat(created_at), author, comment)

    _SCENARIO_COLUMNS = "name, version, yaml_text, created_at, author, comment"

    def save_scenario(
        self, name: str, yaml_text: str, *, comment: str | None = None, author: str | None = None
    ) -> ScenarioRecord:
        """Save a new version of a scenario; earlier versions are never overwritten.

        Parameters
        ----------
        name
            The scenario name, stored as given.
        yaml_text
            The scenario file's text, stored as given (not parsed here).
        comment
            Why this version was saved.
        author
            Who saved it.

        Returns
        -------
        ScenarioRecord
            The saved record; its version is one more than the latest saved under `name`.
        """
        _check_text(name, "scenario name", non_empty=True)
        _check_text(yaml_text, "yaml_text")
        _check_text(comment, "comment", optional=True)
        _check_text(author, "author", optional=True)

        def save(conn: sqlite3.Connection) -> ScenarioRecord:
            (latest,) = conn.execute(
                "SELECT coalesce(max(version), 0) FROM scenarios WHERE name = ?", (name,)
            ).fetchone()
            row = (name, latest + 1, yaml_text, _now(), author, comment)
            conn.execute(
                f"INSERT INTO scenarios ({self._SCENARIO_COLUMNS}, uid) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*row, schema.new_uid()),
            )
            return self._scenario(row)

        return self._transaction(save)

    def list_scenarios(self, *, name: str | None = None) -> list[ScenarioRecord]:
        """Return every saved scenario version (or those of one name), by name then version."""
        where, args = ("WHERE name = ?", (name,)) if name is not None else ("", ())
        rows = self._transaction(
            lambda conn: conn.execute(
                f"SELECT {self._SCENARIO_COLUMNS} FROM scenarios {where} ORDER BY name, version", args
            ).fetchall(),
            write=False,
        )
        return [self._scenario(row) for row in rows]

    def _resolve_version(self, conn: sqlite3.Connection, name: str, version: int | None) -> int:
        versions = [
            v for (v,) in conn.execute("SELECT version FROM scenarios WHERE name = ? ORDER BY version", (name,))
        ]
        if not versions:
            names = [n for (n,) in conn.execute("SELECT DISTINCT name FROM scenarios ORDER BY name")]
            raise WorkspaceError(
                f"no scenario named {name!r} is saved{did_you_mean(name, names)}",
                where=f"workspace {self._path}",
                fix=f"save it first with save_scenario, or use one of {names}",
            )
        if version is None:
            return versions[-1]
        if version not in versions:
            raise WorkspaceError(
                f"scenario {name!r} has no version {version}",
                where=f"workspace {self._path}",
                fix=f"use one of the saved versions {versions}",
            )
        return version

    def get_scenario(self, name: str, version: int | None = None) -> ScenarioRecord:
        """Return one saved version of a scenario (default: the latest)."""

        def get(conn: sqlite3.Connection) -> tuple[Any, ...]:
            found = self._resolve_version(conn, name, version)
            return tuple(
                conn.execute(
                    f"SELECT {self._SCENARIO_COLUMNS} FROM scenarios WHERE name = ? AND version = ?",
                    (name, found),
                ).fetchone()
            )

        return self._scenario(self._transaction(get, write=False))

    # -- runs ---------------------------------------------------------------------------------

    def save_run(
        self,
        scenario_name: str,
        *,
        scenario_version: int | None = None,
        parameters: Mapping[str, Any] | None = None,
        results: Mapping[str, str] | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        """Save a run of a saved scenario version with its result tables, all in one transaction.

        Parameters
        ----------
        scenario_name
            A scenario saved in this workspace.
        scenario_version
            Its version (default: the latest).
        parameters
            Run options (JSON-serialisable).
        results
            Result tables as CSV or JSON text keyed by name, e.g. ``"assignment"``,
            ``"shortlist:electronics_assembly"`` (use ``DataFrame.to_csv()`` or ``.to_json()``).
        summary
            Headline figures (JSON-serialisable).

        Returns
        -------
        RunRecord
            The saved run with its new id.
        """
        _check_text(scenario_name, "scenario name", non_empty=True)
        parameters_json = _to_json(dict(parameters or {}), label="run parameters")
        summary_json = _to_json(dict(summary or {}), label="run summary")
        tables = dict(results or {})
        for key, text in tables.items():
            _check_text(key, "result name", non_empty=True)
            if not isinstance(text, str):
                raise WorkspaceError(
                    f"result {key!r} is a {type(text).__name__}, not text",
                    where=f"results[{key!r}]",
                    fix="store tables as text: DataFrame.to_csv(index=False) or DataFrame.to_json(orient='records')",
                )

        def save(conn: sqlite3.Connection) -> RunRecord:
            version = self._resolve_version(conn, scenario_name, scenario_version)
            created_at = _now()
            cursor = conn.execute(
                "INSERT INTO runs (scenario_name, scenario_version, created_at, parameters_json, "
                "summary_json, uid) VALUES (?, ?, ?, ?, ?, ?)",
                (scenario_name, version, created_at, parameters_json, summary_json, schema.new_uid()),
            )
            run_id = int(cursor.lastrowid or 0)
            for key, text in tables.items():
                conn.execute("INSERT INTO run_results (run_id, name, content) VALUES (?, ?, ?)", (run_id, key, text))
            return RunRecord(
                run_id,
                scenario_name,
                version,
                datetime.fromisoformat(created_at),
                _frozen(json.loads(parameters_json)),
                _frozen(json.loads(summary_json)),
                tuple(tables),
                _frozen(dict(tables)),
            )

        return self._transaction(save)

    _RUN_QUERY = "SELECT id, scenario_name, scenario_version, created_at, parameters_json, summary_json FROM runs"

    @staticmethod
    def _run_info(row: tuple[Any, ...], result_names: Sequence[str]) -> RunInfo:
        run_id, name, version, created_at, parameters_json, summary_json = row
        return RunInfo(
            run_id,
            name,
            version,
            datetime.fromisoformat(created_at),
            _frozen(json.loads(parameters_json)),
            _frozen(json.loads(summary_json)),
            tuple(result_names),
        )

    def list_runs(self, *, scenario_name: str | None = None) -> list[RunInfo]:
        """Return every saved run (or those of one scenario) without result tables, oldest first."""
        where, args = (" WHERE scenario_name = ?", (scenario_name,)) if scenario_name is not None else ("", ())

        def get(conn: sqlite3.Connection) -> tuple[list[Any], dict[int, list[str]]]:
            rows = conn.execute(self._RUN_QUERY + where + " ORDER BY id", args).fetchall()
            names: dict[int, list[str]] = {}
            for run_id, name in conn.execute("SELECT run_id, name FROM run_results ORDER BY run_id, rowid"):
                names.setdefault(run_id, []).append(name)
            return rows, names

        rows, names = self._transaction(get, write=False)
        return [self._run_info(row, names.get(row[0], [])) for row in rows]

    def get_run(self, run_id: int) -> RunRecord:
        """Return one saved run with all its result tables."""

        def get(conn: sqlite3.Connection) -> tuple[tuple[Any, ...] | None, list[tuple[str, str]]]:
            row = conn.execute(self._RUN_QUERY + " WHERE id = ?", (run_id,)).fetchone()
            blobs = conn.execute("SELECT name, content FROM run_results WHERE run_id = ? ORDER BY rowid", (run_id,))
            return row, blobs.fetchall()

        row, blobs = self._transaction(get, write=False)
        if row is None:
            raise WorkspaceError(
                f"no run with id {run_id} is saved",
                where=f"workspace {self._path}",
                fix="pick an id from list_runs()",
            )
        info = self._run_info(row, [name for name, _ in blobs])
        return RunRecord(**{**info.__dict__, "results": _frozen(dict(blobs))})

    # -- shortlists and statuses --------------------------------------------------------------

    _SHORTLIST_QUERY = "SELECT id, name, kind, scenario_name, scenario_version, created_at, rows_json FROM shortlists"

    @staticmethod
    def _shortlist(row: tuple[Any, ...]) -> ShortlistRecord:
        list_id, name, kind, scenario_name, scenario_version, created_at, rows_json = row
        rows = tuple(_frozen(item) for item in json.loads(rows_json))
        return ShortlistRecord(
            list_id, name, kind, scenario_name, scenario_version, datetime.fromisoformat(created_at), rows
        )

    def save_shortlist(
        self,
        name: str,
        kind: Literal["industry_to_sites", "site_to_industries", "firms"],
        rows: Sequence[Mapping[str, Any]],
        *,
        scenario_name: str | None = None,
        scenario_version: int | None = None,
    ) -> ShortlistRecord:
        """Save a shortlist (its rows as given) optionally tied to a saved scenario version.

        Parameters
        ----------
        name
            Shortlist name, stored as given.
        kind
            ``"industry_to_sites"``, ``"site_to_industries"`` or ``"firms"``.
        rows
            One mapping per entry (e.g. ``DataFrame.to_dict(orient="records")``).
        scenario_name
            The saved scenario the shortlist came from.
        scenario_version
            Its version (default: the latest); only with `scenario_name`.

        Returns
        -------
        ShortlistRecord
            The saved shortlist with its new id.
        """
        rows_json = self._checked_shortlist(name, kind, rows, scenario_name, scenario_version)

        def save(conn: sqlite3.Connection) -> ShortlistRecord:
            version = None if scenario_name is None else self._resolve_version(conn, scenario_name, scenario_version)
            row = (name, kind, scenario_name, version, _now(), rows_json)
            cursor = conn.execute(
                "INSERT INTO shortlists (name, kind, scenario_name, scenario_version, created_at, "
                "rows_json, uid) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*row, schema.new_uid()),
            )
            return self._shortlist((int(cursor.lastrowid or 0), *row))

        return self._transaction(save)

    @staticmethod
    def _checked_shortlist(
        name: str,
        kind: str,
        rows: Sequence[Mapping[str, Any]],
        scenario_name: str | None,
        scenario_version: int | None,
    ) -> str:
        """Check a shortlist's arguments (both backends); return its rows as JSON text."""
        _check_text(name, "shortlist name", non_empty=True)
        if kind not in schema.SHORTLIST_KINDS:
            raise unknown_name(
                "shortlist kind",
                kind,
                schema.SHORTLIST_KINDS,
                where="save_shortlist(kind=...)",
                fix=f"use one of {list(schema.SHORTLIST_KINDS)}",
                error=WorkspaceError,
            )
        if scenario_version is not None and scenario_name is None:
            raise WorkspaceError(
                "scenario_version is given without scenario_name",
                where="save_shortlist(scenario_version=...)",
                fix="pass scenario_name too, or neither",
            )
        if isinstance(rows, (str, bytes)) or not all(isinstance(row, Mapping) for row in rows):
            raise WorkspaceError(
                "shortlist rows must be a sequence of mappings",
                where="save_shortlist(rows=...)",
                fix="pass DataFrame.to_dict(orient='records') or a list of dicts",
            )
        rows_json = _to_json([dict(row) for row in rows], label="shortlist rows")
        return rows_json

    def list_shortlists(self) -> list[ShortlistRecord]:
        """Return every saved shortlist, oldest first."""
        rows = self._transaction(
            lambda conn: conn.execute(self._SHORTLIST_QUERY + " ORDER BY id").fetchall(), write=False
        )
        return [self._shortlist(row) for row in rows]

    def _require_shortlist(self, conn: sqlite3.Connection, shortlist_id: int) -> tuple[Any, ...]:
        row = conn.execute(self._SHORTLIST_QUERY + " WHERE id = ?", (shortlist_id,)).fetchone()
        if row is None:
            raise WorkspaceError(
                f"no shortlist with id {shortlist_id} is saved",
                where=f"workspace {self._path}",
                fix="pick an id from list_shortlists()",
            )
        return tuple(row)

    def get_shortlist(self, shortlist_id: int) -> ShortlistRecord:
        """Return one saved shortlist."""
        return self._shortlist(self._transaction(lambda conn: self._require_shortlist(conn, shortlist_id), write=False))

    def set_status(self, shortlist_id: int, key: str | int, status: str, *, note: str | None = None) -> StatusRecord:
        """Record a new status (and note) for one shortlist entry; earlier states stay in its history.

        Parameters
        ----------
        shortlist_id
            A saved shortlist.
        key
            The entry: a site adcode or a firm name (stored as text).
        status
            One of ``candidate, contacted, visited, negotiating, signed, dropped``.
        note
            Free text, stored as given.

        Returns
        -------
        StatusRecord
            The new current state of the entry.
        """
        entry_key = self._checked_status(shortlist_id, key, status, note)

        def save(conn: sqlite3.Connection) -> StatusRecord:
            self._require_shortlist(conn, shortlist_id)
            updated_at = _now()
            conn.execute(
                "INSERT INTO entry_status (shortlist_id, entry_key, status, note, updated_at, uid) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (shortlist_id, entry_key, status, note, updated_at, schema.new_uid()),
            )
            return StatusRecord(shortlist_id, entry_key, status, note, datetime.fromisoformat(updated_at))

        return self._transaction(save)

    @staticmethod
    def _checked_status(shortlist_id: int, key: str | int, status: str, note: str | None) -> str:
        """Check a status change's arguments (both backends); return the entry key as text."""
        entry_key = str(key)
        _check_text(entry_key, "entry key", non_empty=True)
        _check_text(note, "note", optional=True)
        if status not in schema.STATUSES:
            raise unknown_name(
                "status",
                status,
                schema.STATUSES,
                where=f"shortlist {shortlist_id}, entry {entry_key!r}",
                fix=f"use one of {list(schema.STATUSES)}",
                error=WorkspaceError,
            )
        return entry_key

    _STATUS_QUERY = "SELECT shortlist_id, entry_key, status, note, updated_at FROM entry_status"

    @staticmethod
    def _status(row: tuple[Any, ...]) -> StatusRecord:
        shortlist_id, key, status, note, updated_at = row
        return StatusRecord(shortlist_id, key, status, note, datetime.fromisoformat(updated_at))

    def history(self, shortlist_id: int, key: str | int) -> list[StatusRecord]:
        """Return every recorded state of one entry, oldest first (the last one is current)."""

        def get(conn: sqlite3.Connection) -> list[Any]:
            self._require_shortlist(conn, shortlist_id)
            return conn.execute(
                self._STATUS_QUERY + " WHERE shortlist_id = ? AND entry_key = ? ORDER BY updated_at, id",
                (shortlist_id, str(key)),
            ).fetchall()

        return [self._status(row) for row in self._transaction(get, write=False)]

    def current_statuses(self, shortlist_id: int) -> dict[str, StatusRecord]:
        """Return the current state of every entry of a shortlist that has one, keyed by entry key."""

        def get(conn: sqlite3.Connection) -> list[Any]:
            self._require_shortlist(conn, shortlist_id)
            return conn.execute(
                self._STATUS_QUERY + " WHERE shortlist_id = ? ORDER BY entry_key, updated_at, id",
                (shortlist_id,),
            ).fetchall()

        return {record.key: record for record in map(self._status, self._transaction(get, write=False))}

    # -- monitoring ---------------------------------------------------------------------------

    def save_monitoring_rows(self, rows: Sequence[tuple[int, int, str, float, str]]) -> int:
        """Store (year, adcode, indicator, value, source) rows; one already stored for the same key is replaced."""
        stamp = _now()
        values = [(*row, stamp, schema.new_uid()) for row in rows]

        def save(conn: sqlite3.Connection) -> int:
            conn.executemany(
                "INSERT OR REPLACE INTO monitoring_values (year, adcode, indicator, value, source, imported_at, uid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            return len(values)

        return self._transaction(save)

    def load_monitoring_rows(self, years: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
        """The stored (year, adcode, indicator, value, source) rows, by year, site and indicator."""
        query = "SELECT year, adcode, indicator, value, source FROM monitoring_values"
        args: tuple[int, ...] = ()
        if years:
            query += f" WHERE year IN ({', '.join('?' for _ in years)})"
            args = tuple(int(y) for y in years)
        return self._transaction(
            lambda conn: conn.execute(query + " ORDER BY year, adcode, indicator", args).fetchall(), write=False
        )

    # -- export and import --------------------------------------------------------------------

    @staticmethod
    def _checked_export_target(target: Path, *, overwrite: bool, source: Path | None) -> Path:
        """Refuse an export file that exists (unless `overwrite`), is the workspace itself, or has no folder."""
        if target.exists() and not overwrite:
            raise WorkspaceError(
                "the export file already exists",
                where=str(target),
                fix="pick another name or pass overwrite=True",
            )
        if source is not None and target.exists() and target.resolve() == source.resolve():
            raise WorkspaceError(
                "cannot export a workspace onto itself", where=str(target), fix="pick another file name"
            )
        if not target.parent.is_dir():
            raise WorkspaceError(
                "the export folder does not exist", where=str(target.parent), fix="create the folder first"
            )
        return target

    def export(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write a consistent copy of the whole workspace to one self-contained SQLite file.

        The copy is taken with SQLite's online backup API inside one read transaction, so it is
        consistent even while other processes write; it is written next to `path` and renamed
        into place, so a crash never leaves a half-written export. A SQLite file (rather than
        JSON) keeps the schema version, so `import_` can migrate exports from older versions
        with the same code that migrates workspaces, and blobs need no re-encoding.

        Parameters
        ----------
        path
            The file to write.
        overwrite
            Replace `path` if it exists.

        Returns
        -------
        Path
            The written file.
        """
        target = self._checked_export_target(Path(path).expanduser(), overwrite=overwrite, source=self._path)
        partial = target.with_name(target.name + ".partial")
        conn = self._connection()

        def copy() -> None:
            partial.unlink(missing_ok=True)
            out = sqlite3.connect(partial, isolation_level=None)
            try:
                conn.backup(out)
                out.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error as exc:
                if _is_busy(exc):
                    raise  # retried
                raise WorkspaceError(
                    f"cannot write the export file ({exc}); the workspace is unchanged",
                    where=str(target),
                    fix="free disk space or pick a writable folder, then export again",
                ) from exc
            finally:
                out.close()

        try:
            self._retrying(copy)
            os.replace(partial, target)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot write the export file: {exc}",
                where=str(target),
                fix="check the folder's permissions",
            ) from exc
        finally:
            for leftover in (partial, *(partial.with_name(partial.name + s) for s in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        return target

    def import_(self, path: str | os.PathLike[str], *, mode: Literal["merge", "replace"] = "merge") -> ImportSummary:
        """Import an exported workspace file; the file is fully validated before anything changes.

        Parameters
        ----------
        path
            A file written by `export` (or a closed workspace file), of this or an older schema version.
        mode
            ``"merge"`` adds the records this workspace lacks (matched by identity; imported scenario
            versions are numbered after local ones); ``"replace"`` makes this workspace an exact copy.

        Returns
        -------
        ImportSummary
            How many records were added (merge) or copied (replace).

        Raises
        ------
        WorkspaceImportError
            The file is missing, not a whole SQLite file, not a workspace, newer than this program, fails
            validation, or (merge) holds a uid this workspace uses for another record; the message names
            the table, row and uid. The workspace is then unchanged.
        """
        if mode not in ("merge", "replace"):
            raise WorkspaceError(
                f"unknown import mode {mode!r}",
                where="import_(mode=...)",
                fix="use mode='merge' or mode='replace'",
            )
        source = Path(path).expanduser()
        snapshot = read_import(source)

        def apply(conn: sqlite3.Connection) -> dict[str, int]:
            if mode == "replace":
                return exchange.replace_with(conn, snapshot)
            # Under the write lock, so no other writer can add a record with one of these uids meanwhile.
            collisions = _validate.collision_problems(conn, snapshot.signatures)
            if collisions:
                raise _validate.rejected(source, collisions)
            return exchange.merge_into(conn, snapshot)

        counts = self._transaction(apply)
        return ImportSummary(
            mode,
            counts["scenarios"],
            counts["runs"],
            counts["shortlists"],
            counts["entry_status"],
            counts["monitoring_values"],
        )


def read_import(source: Path) -> exchange.Snapshot:
    """Copy an export file into memory, migrate the copy and check all of it; the file is only read.

    Raises `WorkspaceImportError` (naming table, row and uid) when the file is missing or fails a check.
    """
    if not source.is_file():
        raise WorkspaceImportError(
            "the import file does not exist" if not source.exists() else "the import path is not a file",
            where=str(source),
            fix="check the path: it must name a file written by Workspace.export",
        )

    def bad(what: str, fix: str = _validate.FIX_EXPORT) -> WorkspaceImportError:
        return _validate.rejected(source, [_validate.Problem(what, fix)])

    problems = _validate.file_problems(source)
    if problems:
        raise _validate.rejected(source, problems)
    copy = sqlite3.connect(":memory:", isolation_level=None)
    try:
        try:
            original = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                original.backup(copy)
            finally:
                original.close()
            integrity = [line for (line,) in copy.execute("PRAGMA integrity_check")]
        except sqlite3.Error as exc:
            raise bad(f"the file is damaged: SQLite cannot read it ({exc})", _validate.FIX_COPY) from exc
        # A broken CHECK or NOT NULL rule is a row problem, named by table, row and uid below.
        rules = [line for line in integrity if line.startswith(_validate.RULE_FAILURES)]
        damage = [line for line in integrity if line != "ok" and line not in rules]
        if damage:
            raise bad(f"the integrity check failed ({'; '.join(damage[:3])})", _validate.FIX_COPY)
        (version,) = copy.execute("PRAGMA user_version").fetchone()
        (app_id,) = copy.execute("PRAGMA application_id").fetchone()
        if app_id != schema.APPLICATION_ID or version < 1:
            raise bad("it is a SQLite database but not a transfer workspace")
        if version > schema.SCHEMA_VERSION:
            raise bad(
                f"it has schema version {version}, newer than this program's {schema.SCHEMA_VERSION}",
                "upgrade the transfer package before importing this file",
            )
        try:
            copy.execute("BEGIN")
            for step in schema.MIGRATIONS[version:]:
                step(copy)
            copy.execute("COMMIT")
        except (sqlite3.Error, ValueError, AttributeError, TypeError) as exc:
            raise bad(f"it could not be migrated from schema version {version} ({exc})", _validate.FIX_EDITED) from exc
        try:
            problems = _validate.snapshot_problems(copy)
            if rules and not problems:
                problems = [_validate.Problem(line, _validate.FIX_EDITED) for line in rules]
            if not problems:
                return exchange.read_snapshot(copy)
        except (sqlite3.Error, RecursionError) as exc:  # a schema changed in ways no check foresaw
            raise bad(f"it could not be checked ({exc})", _validate.FIX_EDITED) from exc
        raise _validate.rejected(source, problems)
    finally:
        copy.close()
