"""The team workspace on a PostgreSQL/PostGIS server: the same API as the SQLite `Workspace`, for a logged-in member.

A `ServerWorkspace` holds one connection of the application role and one session token. Every call is one
transaction that first names the session (``set_config('transfer.session', token, true)``) and checks it
(``transfer.check_session``: not logged in, expired, no longer a member, or a role too low for a write each give a
clear `WorkspaceError`); row-level security then limits every statement to the session's team, so a member of one
team can neither see nor change another team's records, whatever the query.

Saves are safe to retry: each record's uid is drawn before the first attempt and the save first looks for it, so a
save whose commit was lost with the connection is found, not saved twice. A dropped connection is reopened and the
transaction tried again (``max_retries``); a write that still fails raises `WorkspaceError` and leaves nothing
half-written (PostgreSQL rolls back the whole transaction).

The access layer is psycopg 3 with versioned SQL migrations (`transfer.workspace.pg_schema`): the schema's roles,
policies, triggers and ``SECURITY DEFINER`` functions are PostgreSQL-specific SQL that an ORM would only wrap, and
the same hand-written SQL style as the SQLite backend keeps the two side by side readable.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from transfer.errors import WorkspaceError
from transfer.names import did_you_mean, unknown_name
from transfer.workspace import _validate, exchange, pg_schema, schema
from transfer.workspace.core import (
    ImportSummary,
    RunInfo,
    RunRecord,
    ScenarioRecord,
    ShortlistRecord,
    StatusRecord,
    Workspace,
    _check_text,
    _frozen,
    _to_json,
    read_import,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["LoginInfo", "ServerWorkspace", "is_server_url", "redact_url"]

T = TypeVar("T")
SESSION_ENV = "TRANSFER_SESSION"
USER_ENV = "TRANSFER_USER"
PASSWORD_ENV = "TRANSFER_PASSWORD"
TEAM_ENV = "TRANSFER_TEAM"
_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
_SESSION_CODES = {
    "TR010": ("you are not logged in to the team server", "log in again"),
    "TR011": ("your session on the team server has expired", "log in again"),
    "TR012": ("your account is no longer a member of this team", "ask the team's admin to add you again"),
    "TR013": ("your role in this team may not do this", "ask the team's admin for the editor or admin role"),
    "TR020": ("a new account needs a password of at least 8 characters", "choose a longer password"),
}


def is_server_url(target: object) -> bool:
    """True when `target` names a PostgreSQL server (``postgresql://...``) rather than a workspace file."""
    return isinstance(target, str) and bool(_URL.match(target.strip()))


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    host = netloc[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


# Server columns that the SQLite workspace file does not have (an export leaves them out).
_SERVER_ONLY = {"": ("team_id", "seq", "author"), "scenarios": ("team_id",)}


def first_line(exc: BaseException) -> str:
    """The first line of a driver error's message (PostgreSQL adds detail and hint lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class LoginInfo:
    """A logged-in member: the session token (keep it secret), the team, the role and when the session expires."""

    token: str
    username: str
    team: str
    role: str
    expires_at: datetime


def _driver() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise WorkspaceError(
            "the PostgreSQL driver (psycopg) is not installed",
            where="team server",
            fix="install the package with its dependencies (pip install -e .)",
        ) from exc
    return psycopg


class _SqliteStyle:
    """Lets the SQLite-dialect import code (`exchange`, `_validate`) run on a PostgreSQL connection: ``?``
    placeholders, ``cursor.lastrowid`` of an insert, and times returned as the SQLite backend stores them."""

    _WITH_ID = ("scenarios", "runs", "shortlists", "entry_status")

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    class _Result:
        def __init__(self, rows: list[tuple[Any, ...]], lastrowid: int | None) -> None:
            self._rows = rows
            self.lastrowid = lastrowid

        def fetchone(self) -> tuple[Any, ...] | None:
            return self._rows[0] if self._rows else None

        def fetchall(self) -> list[tuple[Any, ...]]:
            return self._rows

        def __iter__(self) -> Iterator[tuple[Any, ...]]:
            return iter(self._rows)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _SqliteStyle._Result:
        text = sql.replace("?", "%s")
        match = re.match(r"\s*INSERT INTO (\w+)", text)
        returning = bool(match and match.group(1) in self._WITH_ID)
        if returning:
            text += " RETURNING id"
        cur = self._conn.execute(text, list(params))
        rows = cur.fetchall() if cur.description else []
        rows = [tuple(_iso(v) if isinstance(v, datetime) else v for v in row) for row in rows]
        return self._Result(rows, int(rows[0][0]) if returning and rows else None)


class ServerWorkspace:
    """The workspace of one team on a PostgreSQL server, for one logged-in member.

    Use `ServerWorkspace.login` (user name and password) or pass a saved session token; close it (or use it as a
    context manager). The methods are those of the SQLite `transfer.workspace.Workspace`.

    Parameters
    ----------
    url
        ``postgresql://role:password@host:port/database`` of the application role.
    token
        A session token from `login`.
    max_retries
        How many more times a transaction is tried after a dropped connection, a serialisation failure or a
        deadlock.
    connect_timeout_s
        How long to wait for the server when connecting.
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        max_retries: int = 3,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self._url = url.strip()
        self._token = token
        self._max_retries = int(max_retries)
        self._connect_timeout_s = float(connect_timeout_s)
        self._lock = threading.RLock()
        self._rng = random.Random()
        self._conn: psycopg.Connection[Any] | None = None
        self._closed = False
        self._connect()
        self._check_version()

    # -- connection ---------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The server URL without its password (what the app shows as "where the work is saved")."""
        return redact_url(self._url)

    @property
    def token(self) -> str | None:
        """The session token (keep it secret)."""
        return self._token

    def _connect(self) -> psycopg.Connection[Any]:
        psycopg = _driver()
        try:
            conn = psycopg.connect(
                self._url,
                autocommit=True,
                connect_timeout=max(1, int(self._connect_timeout_s)),
                application_name="transfer",
                options="-c TimeZone=UTC -c search_path=transfer,public",
            )
        except psycopg.Error as exc:
            raise WorkspaceError(
                f"cannot connect to the team server ({first_line(exc)})",
                where=self.path,
                fix="check the URL, that the server is running and that the role's password is right",
            ) from exc
        self._conn = conn
        return conn

    def _connection(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise WorkspaceError("the workspace is closed", where=self.path, fix="open it again")
        if self._conn is None or self._conn.closed:
            return self._connect()
        return self._conn

    def _check_version(self) -> None:
        psycopg = _driver()
        try:
            row = self._connection().execute("SELECT value FROM transfer.meta WHERE key = 'schema_version'").fetchone()
        except psycopg.errors.UndefinedTable as exc:
            raise WorkspaceError(
                "the database has no transfer team schema",
                where=self.path,
                fix="create it with `transfer server init --owner-url URL` (see the README, Team server)",
            ) from exc
        except psycopg.errors.InsufficientPrivilege as exc:
            raise WorkspaceError(
                "this database role may not read the team schema",
                where=self.path,
                fix="connect as the application role that `transfer server init` created",
            ) from exc
        version = int(row[0]) if row else 0
        if version != pg_schema.SCHEMA_VERSION:
            newer = version > pg_schema.SCHEMA_VERSION
            raise WorkspaceError(
                f"the team server has schema version {version}, "
                f"{'newer' if newer else 'older'} than this program's {pg_schema.SCHEMA_VERSION}",
                where=self.path,
                fix="upgrade the transfer package"
                if newer
                else "ask the server's owner to run `transfer server migrate --owner-url URL`",
            )

    def __enter__(self) -> ServerWorkspace:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the session stays valid until it expires or `logout`)."""
        with self._lock:
            self._closed = True
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None

    # -- sessions -----------------------------------------------------------------------------

    @classmethod
    def login(
        cls, url: str, username: str, password: str, *, team: str | None = None, max_retries: int = 3
    ) -> ServerWorkspace:
        """Log in with a user name and password; returns the open workspace of the member's team.

        Raises
        ------
        WorkspaceError
            Wrong user name or password (the same message for both), too many failed attempts (with the seconds
            to wait), no team, or several teams and `team` not given.
        """
        ws = cls(url, max_retries=max_retries)
        try:
            ws._login(username, password, team)
        except BaseException:
            ws.close()
            raise
        return ws

    def _login(self, username: str, password: str, team: str | None) -> LoginInfo:
        _check_text(username, "user name", non_empty=True)
        _check_text(password, "password")
        psycopg = _driver()
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT status, token, team_name, role, expires_at, wait_s FROM transfer.login(%s, %s, %s)",
                    (username, password, team),
                )
                .fetchone()
            )
        except psycopg.Error as exc:
            raise WorkspaceError(
                f"the team server could not log you in ({first_line(exc)})",
                where=self.path,
                fix="check that the server is running and up to date (transfer server migrate), then try again",
            ) from exc
        if row is None:
            raise WorkspaceError("the team server gave no answer to the login", where=self.path, fix="try again")
        status, token, team_name, role, expires_at, wait_s = row
        where = f"team server {self.path}"
        if status == "bad":
            raise WorkspaceError(
                "wrong user name or password", where=where, fix="check both and try again", code="login.bad"
            )
        if status == "throttled":
            wait = max(1, int(wait_s + 0.999))
            raise WorkspaceError(
                f"too many failed logins for this account: wait {wait} s before trying again",
                where=where,
                fix="wait, then log in with the right password (ask the team's admin to reset it if it is lost)",
                code="login.throttled",
                params={"seconds": wait},
            )
        if status == "no_team":
            raise WorkspaceError(
                f"the account is not a member of {'team ' + repr(team) if team else 'any team'}"
                + (f" (it is a member of: {team_name})" if team_name else ""),
                where=where,
                fix="log in to one of the account's teams, or ask an admin to add the account",
                code="login.no_team",
                params={"teams": team_name or ""},
            )
        if status == "choose_team":
            raise WorkspaceError(
                f"the account is a member of several teams ({team_name})",
                where=where,
                fix="say which team to log in to (team=..., --team or TRANSFER_TEAM)",
                code="login.choose_team",
                params={"teams": team_name},
            )
        self._token = token
        return LoginInfo(token, username, team_name, role, expires_at)

    def whoami(self) -> LoginInfo:
        """The current session: user, team, role and expiry (raises `WorkspaceError` when it is no longer valid)."""
        team_id, team, username, role, expires_at = self._transaction(
            lambda conn: conn.execute("SELECT * FROM transfer.check_session(1)").fetchone(), write=False
        )
        del team_id
        return LoginInfo(self._token or "", username, team, role, expires_at)

    def logout(self) -> None:
        """End the session on the server: the token is refused from now on."""
        self._transaction(lambda conn: conn.execute("SELECT transfer.logout()"), rank=1)

    def add_member(
        self, username: str, role: Literal["viewer", "editor", "admin"], *, password: str | None = None
    ) -> None:
        """Add an account to this team (created with `password` if new) or change its role; admins only."""
        _check_text(username, "user name", non_empty=True)
        if role not in pg_schema.ROLES:
            raise unknown_name("role", role, pg_schema.ROLES, where="add_member(role=...)", error=WorkspaceError)
        self._transaction(
            lambda conn: conn.execute("SELECT transfer.add_member(%s, %s, %s)", (username, password, role)), rank=3
        )

    def audit_log(self, *, limit: int = 200) -> list[dict[str, Any]]:
        """The team's latest audit entries (who changed what and when), newest first."""
        rows = self._transaction(
            lambda conn: conn.execute(
                "SELECT at, username, action, table_name, record_uid, detail FROM transfer.audit_log "
                "ORDER BY at DESC, id DESC LIMIT %s",
                (int(limit),),
            ).fetchall(),
            write=False,
        )
        keys = ("at", "username", "action", "table", "uid", "detail")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- transactions -------------------------------------------------------------------------

    def _session_error(self, exc: Exception) -> WorkspaceError | None:
        code = getattr(exc, "sqlstate", None)
        if code in _SESSION_CODES:
            what, fix = _SESSION_CODES[code]
            return WorkspaceError(what, where=f"team server {self.path}", fix=fix, code=f"server.{code}")
        return None

    def _transaction(self, work: Callable[[Any], T], *, write: bool = True, rank: int | None = None) -> T:
        psycopg = _driver()
        errors = psycopg.errors
        needed = rank if rank is not None else (2 if write else 1)
        retryable = (errors.SerializationFailure, errors.DeadlockDetected)
        with self._lock:
            for number in range(self._max_retries + 1):
                conn = self._connection()
                try:
                    with conn.transaction():
                        if not write:  # one consistent snapshot for the reads of one call
                            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        conn.execute("SELECT set_config('transfer.session', %s, true)", (self._token or "",))
                        conn.execute("SELECT 1 FROM transfer.check_session(%s)", (needed,))
                        return work(conn)
                except WorkspaceError:
                    raise
                except psycopg.OperationalError as exc:
                    if conn.closed or conn.broken:
                        self._conn = None
                    if number == self._max_retries or not (conn.closed or conn.broken or isinstance(exc, retryable)):
                        raise WorkspaceError(
                            f"the connection to the team server was lost during this "
                            f"{'save' if write else 'read'} ({first_line(exc)}); "
                            "the server keeps either the whole record or none of it",
                            where=self.path,
                            fix="check the network and the server, then save again: a saved record is found, "
                            "not saved twice",
                        ) from exc
                except psycopg.Error as exc:
                    session = self._session_error(exc)
                    if session is not None:
                        raise session from exc
                    if isinstance(exc, errors.InsufficientPrivilege):
                        raise WorkspaceError(
                            "the team server refused this change for your session's team and role",
                            where=self.path,
                            fix="log in as an editor (or admin) of the team that owns the record",
                        ) from exc
                    if isinstance(exc, retryable) and number < self._max_retries:
                        pass
                    else:
                        raise WorkspaceError(
                            f"the team server refused the {'save' if write else 'read'}: {first_line(exc)}",
                            where=self.path,
                            fix="check the values given; nothing was changed",
                        ) from exc
                time.sleep(min(0.05 * 2**number, 1.0) * self._rng.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    # -- scenarios ----------------------------------------------------------------------------

    _SCENARIO_COLUMNS = "name, version, yaml_text, created_at, author, comment"

    @staticmethod
    def _scenario(row: Sequence[Any]) -> ScenarioRecord:
        name, version, yaml_text, created_at, author, comment = row
        return ScenarioRecord(name, version, yaml_text, created_at, author, comment)

    def save_scenario(
        self, name: str, yaml_text: str, *, comment: str | None = None, author: str | None = None
    ) -> ScenarioRecord:
        """Save a new version of a scenario (see `Workspace.save_scenario`); `author` defaults to the user."""
        _check_text(name, "scenario name", non_empty=True)
        _check_text(yaml_text, "yaml_text")
        _check_text(comment, "comment", optional=True)
        _check_text(author, "author", optional=True)
        uid = schema.new_uid()

        def save(conn: Any) -> ScenarioRecord:
            found = conn.execute(f"SELECT {self._SCENARIO_COLUMNS} FROM scenarios WHERE uid = %s", (uid,)).fetchone()
            if found:
                return self._scenario(found)
            # one writer per scenario name at a time, so versions are numbered without gaps or clashes
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(session_team()::text || '/' || %s, 0))", (name,)
            )
            (latest,) = conn.execute(
                "SELECT coalesce(max(version), 0) FROM scenarios WHERE name = %s", (name,)
            ).fetchone()
            row = conn.execute(
                f"INSERT INTO scenarios ({self._SCENARIO_COLUMNS}, uid) VALUES (%s, %s, %s, now(), "
                f"coalesce(%s, (SELECT username FROM check_session(2))), %s, %s) RETURNING {self._SCENARIO_COLUMNS}",
                (name, latest + 1, yaml_text, author, comment, uid),
            ).fetchone()
            return self._scenario(row)

        return self._transaction(save)

    def list_scenarios(self, *, name: str | None = None) -> list[ScenarioRecord]:
        """Return every saved scenario version (or those of one name), by name then version."""
        where, args = ("WHERE name = %s", (name,)) if name is not None else ("", ())
        rows = self._transaction(
            lambda conn: conn.execute(
                f"SELECT {self._SCENARIO_COLUMNS} FROM scenarios {where} ORDER BY name, version", args
            ).fetchall(),
            write=False,
        )
        return [self._scenario(row) for row in rows]

    def _resolve_version(self, conn: Any, name: str, version: int | None) -> int:
        query = "SELECT version FROM scenarios WHERE name = %s ORDER BY version"
        versions = [v for (v,) in conn.execute(query, (name,))]
        if not versions:
            names = [n for (n,) in conn.execute("SELECT DISTINCT name FROM scenarios ORDER BY name")]
            raise WorkspaceError(
                f"no scenario named {name!r} is saved{did_you_mean(name, names)}",
                where=f"team workspace {self.path}",
                fix=f"save it first with save_scenario, or use one of {names}",
            )
        if version is None:
            return int(versions[-1])
        if version not in versions:
            raise WorkspaceError(
                f"scenario {name!r} has no version {version}",
                where=f"team workspace {self.path}",
                fix=f"use one of the saved versions {versions}",
            )
        return int(version)

    def get_scenario(self, name: str, version: int | None = None) -> ScenarioRecord:
        """Return one saved version of a scenario (default: the latest)."""

        def get(conn: Any) -> Sequence[Any]:
            found = self._resolve_version(conn, name, version)
            return conn.execute(
                f"SELECT {self._SCENARIO_COLUMNS} FROM scenarios WHERE name = %s AND version = %s", (name, found)
            ).fetchone()

        return self._scenario(self._transaction(get, write=False))

    # -- runs ---------------------------------------------------------------------------------

    _RUN_QUERY = "SELECT id, scenario_name, scenario_version, created_at, parameters_json, summary_json FROM runs"

    @staticmethod
    def _run_info(row: Sequence[Any], result_names: Sequence[str]) -> RunInfo:
        run_id, name, version, created_at, parameters_json, summary_json = row
        return RunInfo(
            int(run_id),
            name,
            version,
            created_at,
            _frozen(json.loads(parameters_json)),
            _frozen(json.loads(summary_json)),
            tuple(result_names),
        )

    def save_run(
        self,
        scenario_name: str,
        *,
        scenario_version: int | None = None,
        parameters: Mapping[str, Any] | None = None,
        results: Mapping[str, str] | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        """Save a run with its result tables in one transaction (see `Workspace.save_run`)."""
        _check_text(scenario_name, "scenario name", non_empty=True)
        parameters_json = _to_json(dict(parameters or {}), label="run parameters")
        summary_json = _to_json(dict(summary or {}), label="run summary")
        tables = dict(results or {})
        for key, text in tables.items():
            _check_text(key, "result name", non_empty=True)
            _check_text(text, f"result {key!r}")
        uid = schema.new_uid()

        def save(conn: Any) -> RunRecord:
            found = conn.execute(self._RUN_QUERY + " WHERE uid = %s", (uid,)).fetchone()
            if found is None:
                version = self._resolve_version(conn, scenario_name, scenario_version)
                found = conn.execute(
                    "INSERT INTO runs (scenario_name, scenario_version, created_at, parameters_json, summary_json, "
                    "uid) VALUES (%s, %s, now(), %s, %s, %s) RETURNING id, scenario_name, scenario_version, "
                    "created_at, parameters_json, summary_json",
                    (scenario_name, version, parameters_json, summary_json, uid),
                ).fetchone()
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO run_results (run_id, name, content) VALUES (%s, %s, %s)",
                        [(found[0], key, text) for key, text in tables.items()],
                    )
            info = self._run_info(found, list(tables))
            return RunRecord(**{**info.__dict__, "results": _frozen(dict(tables))})

        return self._transaction(save)

    def list_runs(self, *, scenario_name: str | None = None) -> list[RunInfo]:
        """Return every saved run (or those of one scenario) without result tables, oldest first."""
        where, args = (" WHERE scenario_name = %s", (scenario_name,)) if scenario_name is not None else ("", ())

        def get(conn: Any) -> tuple[list[Any], dict[int, list[str]]]:
            rows = conn.execute(self._RUN_QUERY + where + " ORDER BY id", args).fetchall()
            names: dict[int, list[str]] = {}
            for run_id, name in conn.execute("SELECT run_id, name FROM run_results ORDER BY run_id, seq"):
                names.setdefault(int(run_id), []).append(name)
            return rows, names

        rows, names = self._transaction(get, write=False)
        return [self._run_info(row, names.get(int(row[0]), [])) for row in rows]

    def get_run(self, run_id: int) -> RunRecord:
        """Return one saved run with all its result tables."""

        def get(conn: Any) -> tuple[Any, list[Any]]:
            row = conn.execute(self._RUN_QUERY + " WHERE id = %s", (int(run_id),)).fetchone()
            blobs = conn.execute(
                "SELECT name, content FROM run_results WHERE run_id = %s ORDER BY seq", (int(run_id),)
            ).fetchall()
            return row, blobs

        row, blobs = self._transaction(get, write=False)
        if row is None:
            raise WorkspaceError(
                f"no run with id {run_id} is saved",
                where=f"team workspace {self.path}",
                fix="pick an id from list_runs()",
            )
        info = self._run_info(row, [name for name, _ in blobs])
        return RunRecord(**{**info.__dict__, "results": _frozen(dict(blobs))})

    # -- shortlists and statuses --------------------------------------------------------------

    _SHORTLIST_QUERY = "SELECT id, name, kind, scenario_name, scenario_version, created_at, rows_json FROM shortlists"

    @staticmethod
    def _shortlist(row: Sequence[Any]) -> ShortlistRecord:
        list_id, name, kind, scenario_name, scenario_version, created_at, rows_json = row
        rows = tuple(_frozen(item) for item in json.loads(rows_json))
        return ShortlistRecord(int(list_id), name, kind, scenario_name, scenario_version, created_at, rows)

    def save_shortlist(
        self,
        name: str,
        kind: Literal["industry_to_sites", "site_to_industries", "firms"],
        rows: Sequence[Mapping[str, Any]],
        *,
        scenario_name: str | None = None,
        scenario_version: int | None = None,
    ) -> ShortlistRecord:
        """Save a shortlist (see `Workspace.save_shortlist`)."""
        rows_json = Workspace._checked_shortlist(name, kind, rows, scenario_name, scenario_version)
        uid = schema.new_uid()

        def save(conn: Any) -> ShortlistRecord:
            found = conn.execute(self._SHORTLIST_QUERY + " WHERE uid = %s", (uid,)).fetchone()
            if found is None:
                version = (
                    None if scenario_name is None else self._resolve_version(conn, scenario_name, scenario_version)
                )
                found = conn.execute(
                    "INSERT INTO shortlists (name, kind, scenario_name, scenario_version, created_at, rows_json, uid) "
                    "VALUES (%s, %s, %s, %s, now(), %s, %s) RETURNING id, name, kind, scenario_name, "
                    "scenario_version, created_at, rows_json",
                    (name, kind, scenario_name, version, rows_json, uid),
                ).fetchone()
            return self._shortlist(found)

        return self._transaction(save)

    def list_shortlists(self) -> list[ShortlistRecord]:
        """Return every saved shortlist of the team, oldest first."""
        rows = self._transaction(
            lambda conn: conn.execute(self._SHORTLIST_QUERY + " ORDER BY id").fetchall(), write=False
        )
        return [self._shortlist(row) for row in rows]

    def _require_shortlist(self, conn: Any, shortlist_id: int) -> Sequence[Any]:
        row = conn.execute(self._SHORTLIST_QUERY + " WHERE id = %s", (int(shortlist_id),)).fetchone()
        if row is None:
            raise WorkspaceError(
                f"no shortlist with id {shortlist_id} is saved",
                where=f"team workspace {self.path}",
                fix="pick an id from list_shortlists()",
            )
        return row

    def get_shortlist(self, shortlist_id: int) -> ShortlistRecord:
        """Return one saved shortlist."""
        return self._shortlist(self._transaction(lambda conn: self._require_shortlist(conn, shortlist_id), write=False))

    _STATUS_QUERY = "SELECT shortlist_id, entry_key, status, note, updated_at FROM entry_status"

    @staticmethod
    def _status(row: Sequence[Any]) -> StatusRecord:
        shortlist_id, key, status, note, updated_at = row
        return StatusRecord(int(shortlist_id), key, status, note, updated_at)

    def set_status(self, shortlist_id: int, key: str | int, status: str, *, note: str | None = None) -> StatusRecord:
        """Record a new status (and note) for one shortlist entry (see `Workspace.set_status`)."""
        entry_key = Workspace._checked_status(shortlist_id, key, status, note)
        uid = schema.new_uid()

        def save(conn: Any) -> StatusRecord:
            found = conn.execute(self._STATUS_QUERY + " WHERE uid = %s", (uid,)).fetchone()
            if found is None:
                self._require_shortlist(conn, shortlist_id)
                found = conn.execute(
                    "INSERT INTO entry_status (shortlist_id, entry_key, status, note, updated_at, author, uid) "
                    "VALUES (%s, %s, %s, %s, clock_timestamp(), (SELECT username FROM check_session(2)), %s) "
                    "RETURNING shortlist_id, entry_key, status, note, updated_at",
                    (int(shortlist_id), entry_key, status, note, uid),
                ).fetchone()
            return self._status(found)

        return self._transaction(save)

    def history(self, shortlist_id: int, key: str | int) -> list[StatusRecord]:
        """Return every recorded state of one entry, oldest first (the last one is current)."""

        def get(conn: Any) -> list[Any]:
            self._require_shortlist(conn, shortlist_id)
            return conn.execute(
                self._STATUS_QUERY + " WHERE shortlist_id = %s AND entry_key = %s ORDER BY updated_at, id",
                (int(shortlist_id), str(key)),
            ).fetchall()

        return [self._status(row) for row in self._transaction(get, write=False)]

    def current_statuses(self, shortlist_id: int) -> dict[str, StatusRecord]:
        """Return the current state of every entry of a shortlist that has one, keyed by entry key."""

        def get(conn: Any) -> list[Any]:
            self._require_shortlist(conn, shortlist_id)
            return conn.execute(
                self._STATUS_QUERY + " WHERE shortlist_id = %s ORDER BY entry_key, updated_at, id",
                (int(shortlist_id),),
            ).fetchall()

        return {record.key: record for record in map(self._status, self._transaction(get, write=False))}

    # -- monitoring ---------------------------------------------------------------------------

    def save_monitoring_rows(self, rows: Sequence[tuple[int, int, str, float, str]]) -> int:
        """Store (year, adcode, indicator, value, source) rows; one already stored for the same key is replaced."""
        stamp = datetime.now(UTC)

        def save(conn: Any) -> int:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO monitoring_values (year, adcode, indicator, value, source, imported_at, uid) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (team_id, year, adcode, indicator) DO UPDATE "
                    "SET value = excluded.value, source = excluded.source, imported_at = excluded.imported_at, "
                    "uid = excluded.uid",
                    [(*row, stamp, schema.new_uid()) for row in rows],
                )
            return len(rows)

        return self._transaction(save)

    def load_monitoring_rows(self, years: Sequence[int] | None = None) -> list[tuple[Any, ...]]:
        """The stored (year, adcode, indicator, value, source) rows, by year, site and indicator."""
        query = "SELECT year, adcode, indicator, value, source FROM monitoring_values"
        args: tuple[Any, ...] = ()
        if years:
            query += " WHERE year = ANY(%s)"
            args = ([int(y) for y in years],)
        return self._transaction(
            lambda conn: conn.execute(query + " ORDER BY year, adcode, indicator", args).fetchall(), write=False
        )

    # -- export and import --------------------------------------------------------------------

    def export(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the team's records to one self-contained workspace file (the SQLite format of `Workspace.export`),
        read in one consistent snapshot."""
        target = Workspace._checked_export_target(Path(path).expanduser(), overwrite=overwrite, source=None)
        partial = target.with_name(target.name + ".partial")

        def read(conn: Any) -> dict[str, list[dict[str, Any]]]:
            out: dict[str, list[dict[str, Any]]] = {}
            for table in schema.TABLES:
                order = {"run_results": "seq", "monitoring_values": "year, adcode, indicator"}.get(table, "id")
                cur = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
                names = [d.name for d in cur.description]
                out[table] = [
                    {
                        name: _iso(value) if isinstance(value, datetime) else value
                        for name, value in zip(names, row, strict=True)
                        if name not in _SERVER_ONLY.get(table, _SERVER_ONLY[""])
                    }
                    for row in cur.fetchall()
                ]
            return out

        tables = self._transaction(read, write=False)
        partial.unlink(missing_ok=True)
        try:
            Workspace.open(partial).close()
            out = sqlite3.connect(partial, isolation_level=None)
            try:
                out.execute("BEGIN")
                for table in schema.TABLES:
                    for row in tables[table]:
                        names = list(row)
                        out.execute(
                            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                            [row[n] for n in names],
                        )
                out.execute("COMMIT")
                out.execute("PRAGMA journal_mode = DELETE")
            finally:
                out.close()
            os.replace(partial, target)
        except (OSError, sqlite3.Error) as exc:
            raise WorkspaceError(
                f"cannot write the export file: {exc}",
                where=str(target),
                fix="check the folder's permissions and free space",
            ) from exc
        finally:
            for leftover in (partial, *(partial.with_name(partial.name + s) for s in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        return target

    def import_(self, path: str | os.PathLike[str], *, mode: Literal["merge", "replace"] = "merge") -> ImportSummary:
        """Import an exported workspace file into the team's records (see `Workspace.import_`)."""
        if mode not in ("merge", "replace"):
            raise WorkspaceError(
                f"unknown import mode {mode!r}", where="import_(mode=...)", fix="use mode='merge' or mode='replace'"
            )
        source = Path(path).expanduser()
        snapshot = read_import(source)

        def apply(conn: Any) -> dict[str, int]:
            adapter: Any = _SqliteStyle(conn)
            if mode == "replace":  # ids are numbered by the server (they are shared by all teams): delete, then add
                for table in exchange.DELETE_ORDER:
                    conn.execute(f"DELETE FROM {table}")
            else:
                collisions = _validate.collision_problems(adapter, snapshot.signatures)
                if collisions:
                    raise _validate.rejected(source, collisions)
            return exchange.merge_into(adapter, snapshot)

        counts = self._transaction(apply)
        return ImportSummary(
            mode,
            counts["scenarios"],
            counts["runs"],
            counts["shortlists"],
            counts["entry_status"],
            counts["monitoring_values"],
        )
