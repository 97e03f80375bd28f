"""Owner tasks on the team server: create or migrate the schema, the application role, teams and accounts.

These run with the *owner* URL (a role that may create schemas and roles, e.g. the database's owner or
``postgres``), never with the application role the app and CLI use.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from transfer.errors import WorkspaceError
from transfer.workspace import pg_schema
from transfer.workspace.server import _driver, first_line, redact_url

__all__ = [
    "account_exists",
    "app_url",
    "create_account",
    "create_team",
    "init_server",
    "migrate",
    "schema_version",
    "set_disabled",
    "set_password",
    "set_session_hours",
]

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MIN_PASSWORD = 8


def _connect(owner_url: str) -> Any:
    psycopg = _driver()
    try:
        return psycopg.connect(owner_url, autocommit=True, connect_timeout=10, application_name="transfer-admin")
    except psycopg.Error as exc:
        raise WorkspaceError(
            f"cannot connect to the server as its owner ({first_line(exc)})",
            where=redact_url(owner_url),
            fix="check the owner URL: postgresql://OWNER:PASSWORD@HOST:PORT/DATABASE",
        ) from exc


def app_url(owner_url: str, role: str, password: str) -> str:
    """The owner URL with the application role's name and password in place of the owner's."""
    parts = urlsplit(owner_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"))


def schema_version(conn: Any) -> int:
    """The stored server schema version; 0 when the database has no transfer schema yet."""
    exists = conn.execute("SELECT to_regclass('transfer.meta') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT value FROM transfer.meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def _check_password(password: str, what: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise WorkspaceError(
            f"the {what} password is shorter than {MIN_PASSWORD} characters",
            where=what,
            fix=f"choose a password of at least {MIN_PASSWORD} characters",
        )


def migrate(owner_url: str, *, app_role: str = pg_schema.APP_ROLE_DEFAULT) -> tuple[int, int]:
    """Bring the server schema up to this program's version in one transaction; returns (before, after)."""
    if not _ROLE_NAME.match(app_role):
        raise WorkspaceError(
            f"the role name {app_role!r} is not a plain lower-case identifier",
            where="app role",
            fix="use letters, digits and _ only, e.g. transfer_app",
        )
    psycopg = _driver()
    with _connect(owner_url) as conn:
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(7401)")  # one migration at a time
                before = schema_version(conn)
                if before > pg_schema.SCHEMA_VERSION:
                    raise WorkspaceError(
                        f"the server has schema version {before}, newer than this program's {pg_schema.SCHEMA_VERSION}",
                        where=redact_url(owner_url),
                        fix="upgrade the transfer package",
                    )
                for step in pg_schema.MIGRATIONS[before:]:
                    conn.execute(step)
                conn.execute(
                    "INSERT INTO transfer.meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(pg_schema.SCHEMA_VERSION),),
                )
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app_role,)).fetchone()
                if exists:
                    conn.execute(pg_schema.grants(app_role))
        except (
            psycopg.errors.InsufficientPrivilege,
            psycopg.errors.FeatureNotSupported,
            psycopg.errors.UndefinedFile,
        ) as exc:
            privilege = isinstance(exc, psycopg.errors.InsufficientPrivilege)
            raise WorkspaceError(
                (
                    "the owner role may not create the schema or an extension"
                    if privilege
                    else "the server lacks a required extension"
                )
                + f" ({first_line(exc)})",
                where=redact_url(owner_url),
                fix="connect as the database owner; a superuser must first run CREATE EXTENSION postgis; "
                "CREATE EXTENSION pgcrypto; in the database"
                if privilege
                else "install PostGIS and the contrib modules on the server (Debian: postgresql-15-postgis-3)",
            ) from exc
    return before, pg_schema.SCHEMA_VERSION


def init_server(
    owner_url: str,
    *,
    app_password: str,
    team: str,
    admin_user: str,
    admin_password: str,
    app_role: str = pg_schema.APP_ROLE_DEFAULT,
    session_hours: float = 8.0,
) -> str:
    """Create (or migrate) the schema, the application role, a first team and its admin; returns the app URL.

    Running it again on an initialised server migrates, resets the application role's password and adds the team
    and admin if missing (an existing account keeps its password).
    """
    _check_password(app_password, "application role")
    _check_password(admin_password, "admin")
    migrate(owner_url, app_role=app_role)
    psycopg = _driver()
    sql = psycopg.sql
    with _connect(owner_url) as conn, conn.transaction():
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (app_role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD {}").format(
                sql.Identifier(app_role), sql.Literal(app_password)
            )
        )
        dbname = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), sql.Identifier(app_role))
        )
        conn.execute(pg_schema.grants(app_role))
    set_session_hours(owner_url, session_hours)
    create_team(owner_url, team, exist_ok=True)
    create_account(owner_url, admin_user, admin_password, team=team, role="admin", exist_ok=True)
    return app_url(owner_url, app_role, app_password)


def set_session_hours(owner_url: str, hours: float) -> None:
    """How long a login stays valid."""
    if not 0 < float(hours) <= 24 * 30:
        raise WorkspaceError(
            f"session length {hours} h is out of range", where="session_hours", fix="use 0 < hours <= 720"
        )
    with _connect(owner_url) as conn:
        conn.execute(
            "INSERT INTO transfer.meta (key, value) VALUES ('session_hours', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (repr(float(hours)),),
        )


def create_team(owner_url: str, name: str, *, exist_ok: bool = False) -> None:
    """Add a team."""
    if not isinstance(name, str) or not name.strip():
        raise WorkspaceError("the team name is empty", where="team", fix="give the team a name")
    with _connect(owner_url) as conn:
        added = conn.execute(
            "INSERT INTO transfer.teams (name) VALUES (%s) ON CONFLICT (name) DO NOTHING RETURNING id", (name,)
        ).fetchone()
        if added is None and not exist_ok:
            raise WorkspaceError(f"a team named {name!r} exists already", where="team", fix="choose another name")
        if added is not None:
            conn.execute(
                "INSERT INTO transfer.audit_log (team_id, action, detail) VALUES (%s, 'create_team', "
                "jsonb_build_object('name', %s::text))",
                (added[0], name),
            )


def create_account(
    owner_url: str, username: str, password: str | None, *, team: str, role: str, exist_ok: bool = False
) -> None:
    """Add an account (password hashed with bcrypt in the database) as `role` of `team`. With ``exist_ok`` an
    existing account gets that role in that team and keeps its password (``password`` may then be None)."""
    if password is not None or not exist_ok:
        _check_password(password or "", "account")
    if role not in pg_schema.ROLES:
        raise WorkspaceError(f"unknown role {role!r}", where="role", fix=f"use one of {list(pg_schema.ROLES)}")
    with _connect(owner_url) as conn, conn.transaction():
        team_row = conn.execute("SELECT id FROM transfer.teams WHERE name = %s", (team,)).fetchone()
        if team_row is None:
            names = [n for (n,) in conn.execute("SELECT name FROM transfer.teams ORDER BY name")]
            raise WorkspaceError(f"no team named {team!r}", where="team", fix=f"use one of {names} or create it")
        account = conn.execute("SELECT id FROM transfer.accounts WHERE username = %s", (username,)).fetchone()
        if account is not None and not exist_ok:
            raise WorkspaceError(f"an account {username!r} exists already", where="user", fix="choose another name")
        if account is None:
            if password is None:
                raise WorkspaceError(
                    f"no account named {username!r}", where="user", fix="give a password to create the account"
                )
            account = conn.execute(
                "INSERT INTO transfer.accounts (username, password_hash) "
                "VALUES (%s, public.crypt(%s, public.gen_salt('bf', 10))) RETURNING id",
                (username, password),
            ).fetchone()
        conn.execute(
            "INSERT INTO transfer.memberships (team_id, account_id, role) VALUES (%s, %s, %s) "
            "ON CONFLICT (team_id, account_id) DO UPDATE SET role = excluded.role",
            (team_row[0], account[0], role),
        )
        conn.execute(
            "INSERT INTO transfer.audit_log (team_id, action, detail) VALUES (%s, 'add_member', "
            "jsonb_build_object('member', %s::text, 'role', %s::text))",
            (team_row[0], username, role),
        )


def account_exists(owner_url: str, username: str) -> bool:
    with _connect(owner_url) as conn:
        return conn.execute("SELECT 1 FROM transfer.accounts WHERE username = %s", (username,)).fetchone() is not None


def _account(conn: Any, username: str) -> int:
    row = conn.execute("SELECT id FROM transfer.accounts WHERE username = %s FOR UPDATE", (username,)).fetchone()
    if row is None:
        raise WorkspaceError(
            f"no account named {username!r}",
            where="user",
            fix="check the name (transfer server user NAME --team TEAM creates an account)",
        )
    return int(row[0])


def _revoke_and_log(conn: Any, account: int, username: str, action: str) -> int:
    """Revoke the account's open sessions and log ``action`` in each of its teams; returns the sessions revoked."""
    revoked = conn.execute(
        "UPDATE transfer.sessions SET revoked = true WHERE account_id = %s AND NOT revoked AND expires_at > now()",
        (account,),
    ).rowcount
    conn.execute(
        "INSERT INTO transfer.audit_log (team_id, account_id, username, action, detail) "
        "SELECT m.team_id, %s, %s, %s, jsonb_build_object('sessions_revoked', %s::int) "
        "FROM transfer.memberships m WHERE m.account_id = %s",
        (account, username, action, revoked, account),
    )
    return int(revoked)


def set_password(owner_url: str, username: str, password: str) -> int:
    """Give an account a new password (hashed with bcrypt in the database): its failed-login count is reset and its
    open sessions are revoked, so a stolen or shared login stops working at once. Returns the sessions revoked."""
    _check_password(password, "account")
    with _connect(owner_url) as conn, conn.transaction():
        account = _account(conn, username)
        conn.execute(
            "UPDATE transfer.accounts SET password_hash = public.crypt(%s, public.gen_salt('bf', 10)), "
            "failed_logins = 0, last_failed_at = NULL WHERE id = %s",
            (password, account),
        )
        return _revoke_and_log(conn, account, username, "set_password")


def set_disabled(owner_url: str, username: str, disabled: bool) -> int:
    """Disable an account (it can no longer log in; its open sessions are revoked) or enable it again. Its saved
    work stays with its teams. Returns the sessions revoked."""
    with _connect(owner_url) as conn, conn.transaction():
        account = _account(conn, username)
        conn.execute(
            "UPDATE transfer.accounts SET disabled = %s, failed_logins = 0, last_failed_at = NULL WHERE id = %s",
            (bool(disabled), account),
        )
        if disabled:
            return _revoke_and_log(conn, account, username, "disable_account")
        conn.execute(
            "INSERT INTO transfer.audit_log (team_id, account_id, username, action) "
            "SELECT m.team_id, %s, %s, 'enable_account' FROM transfer.memberships m WHERE m.account_id = %s",
            (account, username, account),
        )
        return 0
