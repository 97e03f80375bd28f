"""The team-server commands of ``transfer``: ``server`` (owner tasks), ``login``, ``layers`` and ``audit``."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transfer.errors import WorkspaceError

__all__ = ["add_commands", "resolve_data"]

OWNER_ENV = "TRANSFER_OWNER_URL"


def _secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise WorkspaceError(
            f"no password given ({env} is not set and there is no terminal to ask on)",
            where=env,
            fix=f"set {env}, or run the command in a terminal",
        )
    return getpass.getpass(prompt)


def _owner(args: argparse.Namespace) -> str:
    url = args.owner_url or os.environ.get(OWNER_ENV)
    if not url:
        raise WorkspaceError(
            "no owner URL given",
            where="--owner-url",
            fix=f"pass --owner-url postgresql://OWNER:PASSWORD@HOST:PORT/DATABASE or set {OWNER_ENV}",
        )
    return str(url)


def _team_workspace(args: argparse.Namespace) -> Any:
    from transfer.workspace import ServerWorkspace, is_server_url, open_workspace, workspace_target

    target = args.workspace or workspace_target()
    if not is_server_url(target):
        raise WorkspaceError(
            "this command needs a team server",
            where="--workspace",
            fix="pass --workspace postgresql://... or set TRANSFER_WORKSPACE to the server's URL",
        )
    ws = open_workspace(target, team=getattr(args, "team", None))
    assert isinstance(ws, ServerWorkspace)
    return ws


def cmd_server(args: argparse.Namespace) -> str:
    from transfer.workspace import admin

    owner = _owner(args)
    if args.action == "init":
        app_password = os.environ.get("TRANSFER_APP_PASSWORD") or secrets.token_urlsafe(18)
        admin_password = _secret("TRANSFER_ADMIN_PASSWORD", f"password for the first admin {args.admin!r}: ")
        url = admin.init_server(
            owner,
            app_password=app_password,
            team=args.team,
            admin_user=args.admin,
            admin_password=admin_password,
            session_hours=args.session_hours,
        )
        return (
            f"team server ready: team {args.team!r}, admin {args.admin!r}\n"
            f"the app and CLI connect with (keep it secret):\nTRANSFER_WORKSPACE={url}\n"
        )
    if args.action == "migrate":
        before, after = admin.migrate(owner)
        return f"server schema version {before} -> {after}\n"
    if args.action == "team":
        admin.create_team(owner, args.name)
        return f"team {args.name!r} created\n"
    if args.action == "password":
        password = _secret("TRANSFER_NEW_PASSWORD", f"new password for {args.name!r}: ")
        revoked = admin.set_password(owner, args.name, password)
        return f"new password set for {args.name!r}; {revoked} open session(s) logged out\n"
    if args.action in ("disable", "enable"):
        revoked = admin.set_disabled(owner, args.name, args.action == "disable")
        if args.action == "enable":
            return f"account {args.name!r} can log in again\n"
        return f"account {args.name!r} disabled; {revoked} open session(s) logged out; its saved work stays\n"
    if admin.account_exists(owner, args.name):  # a new role or team for an account: its password stays
        admin.create_account(owner, args.name, None, team=args.team, role=args.role, exist_ok=True)
        return (
            f"account {args.name!r} is {args.role} of team {args.team!r} (its password is unchanged; "
            f"`transfer server password {args.name}` sets a new one)\n"
        )
    password = _secret("TRANSFER_NEW_PASSWORD", f"password for {args.name!r}: ")
    admin.create_account(owner, args.name, password, team=args.team, role=args.role, exist_ok=True)
    return f"account {args.name!r} is {args.role} of team {args.team!r}\n"


def cmd_login(args: argparse.Namespace) -> str:
    from transfer.workspace import ServerWorkspace, is_server_url, workspace_target

    target = args.workspace or workspace_target()
    if not is_server_url(target):
        raise WorkspaceError("login needs a team server", where="--workspace", fix="pass --workspace postgresql://...")
    user = args.user or os.environ.get("TRANSFER_USER") or input("user: ")
    password = _secret("TRANSFER_PASSWORD", f"password for {user}: ")
    with ServerWorkspace.login(str(target), user, password, team=args.team) as ws:
        info = ws.whoami()
    return (
        f"logged in as {info.username}, {info.role} of team {info.team}, until {info.expires_at:%Y-%m-%d %H:%M} UTC\n"
        f"export TRANSFER_SESSION={ws.token}\n"
    )


def cmd_layers(args: argparse.Namespace) -> str:
    from transfer.workspace import team_layers

    with _team_workspace(args) as ws:
        if args.action == "publish":
            if not args.files:
                raise WorkspaceError("no files given", where="layers publish", fix="name the layer files to publish")
            files: dict[str, Path] = {}
            for item in args.files:
                path_in_set, _, local = item.partition("=")
                source = Path(local or path_in_set)
                if not source.is_file():
                    raise WorkspaceError(
                        "the layer file does not exist", where=str(source), fix="check the path (PATH or DATAPATH=FILE)"
                    )
                files[path_in_set if local else _guess_path(source)] = source
            published = team_layers.publish_layers(ws, files, comment=args.comment)
            return f"published layer version {published.version}: {', '.join(published.paths)}\n"
        if args.action == "list":
            sets = team_layers.list_layer_sets(ws)
            if args.format == "json":
                rows = [
                    {
                        "version": s.version,
                        "created_at": s.created_at.isoformat(),
                        "created_by": s.created_by,
                        "comment": s.comment,
                        "files": list(s.paths),
                    }
                    for s in sets
                ]
                return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
            if not sets:
                return "no layers published yet\n"
            return "".join(
                f"v{s.version}  {s.created_at:%Y-%m-%d %H:%M}  {s.created_by or ''}  {', '.join(s.paths)}"
                f"{'  — ' + s.comment if s.comment else ''}\n"
                for s in sets
            )
        folder = team_layers.fetch_layers(ws, args.version)
        return f"{folder}\n"


_KNOWN_NAMES = {
    "sites.geojson": "sites.geojson",
    "origins.geojson": "origins.geojson",
    "census.csv": "census.csv",
    "firms.csv": "firms.csv",
}


def _guess_path(source: Path) -> str:
    """Where a file goes in a data folder when only its name is given (curated tables go under curated/)."""
    if source.name in _KNOWN_NAMES:
        return _KNOWN_NAMES[source.name]
    from transfer.layers import _DEFAULT_FILES

    for path in _DEFAULT_FILES.values():
        if Path(path).name == source.name:
            return path
    raise WorkspaceError(
        f"cannot tell which layer {source.name} replaces",
        where=str(source),
        fix="say where it goes in a data folder: curated/bonded_zones.csv=" + str(source),
    )


def cmd_audit(args: argparse.Namespace) -> str:
    with _team_workspace(args) as ws:
        rows = ws.audit_log(limit=args.limit)
    return "".join(
        f"{r['at']:%Y-%m-%d %H:%M:%S}  {r['username'] or '-':<12} {r['action']:<13} {r['table'] or '':<17} "
        f"{json.dumps(r['detail'], ensure_ascii=False) if r['detail'] else ''}\n"
        for r in rows
    )


def resolve_data(data: str) -> str:
    """``--data postgresql://...?layers=N``: the team's published layers as a data folder (materialised once)."""
    from transfer.workspace import open_workspace
    from transfer.workspace.team_layers import fetch_layers, split_data_url

    url, version = split_data_url(data)
    with open_workspace(url) as ws:
        return str(fetch_layers(ws, version))  # type: ignore[arg-type]


def add_commands(sub: Any, fmt: Callable[..., None]) -> None:
    """Register ``server``, ``login``, ``layers`` and ``audit`` on the ``transfer`` parser's subcommands."""
    s = sub.add_parser("server", help="team server owner tasks: init, migrate, team, user, password, disable, enable")
    s.add_argument("action", choices=("init", "migrate", "team", "user", "password", "disable", "enable"))
    s.add_argument("name", nargs="?", help="team: the team's name; user, password, disable, enable: the account's name")
    s.add_argument("--owner-url", help=f"the owner's postgresql:// URL (default: ${OWNER_ENV})")
    s.add_argument("--team", default="team", help="init: the first team; user: the account's team")
    s.add_argument("--admin", default="admin", help="init: the first admin account")
    s.add_argument("--role", choices=("viewer", "editor", "admin"), default="editor", help="user: the role")
    s.add_argument("--session-hours", type=float, default=8.0, help="init: how long a login stays valid")
    s.set_defaults(func=_checked_server)
    s = sub.add_parser("login", help="log in to a team server; prints a session token for TRANSFER_SESSION")
    s.add_argument("--workspace", help="the server's postgresql:// URL (default: $TRANSFER_WORKSPACE)")
    s.add_argument("--user", help="default: $TRANSFER_USER")
    s.add_argument("--team", help="for an account in several teams")
    s.set_defaults(func=cmd_login)
    s = sub.add_parser("layers", help="team layers on the server: publish, list, fetch")
    s.add_argument("action", choices=("publish", "list", "fetch"))
    s.add_argument("files", nargs="*", help="publish: FILE or DATAPATH=FILE, e.g. curated/hubs.csv=my_hubs.csv")
    s.add_argument("--workspace", help="the server's postgresql:// URL (default: $TRANSFER_WORKSPACE)")
    s.add_argument("--team", help="for an account in several teams")
    s.add_argument("--comment", help="publish: what changed")
    s.add_argument("--version", type=int, help="fetch: the version (default: the latest)")
    fmt(s, ("table", "json"))
    s.set_defaults(func=cmd_layers)
    s = sub.add_parser("audit", help="the team's audit log: who changed what and when")
    s.add_argument("--workspace", help="the server's postgresql:// URL (default: $TRANSFER_WORKSPACE)")
    s.add_argument("--team", help="for an account in several teams")
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_audit)


def _checked_server(args: argparse.Namespace) -> str:
    if args.action in ("team", "user", "password", "disable", "enable") and not args.name:
        raise WorkspaceError(f"server {args.action}: give the name", where="transfer server", fix="add the name")
    return cmd_server(args)
