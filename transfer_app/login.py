"""The team server's login: a form when the app runs against a ``postgresql://`` workspace, none on a file.

The session token of a logged-in member lives in the session state only; every workspace call of the app goes
through `open_ws`, which opens the team server with it (or the workspace file when there is no server).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from transfer.errors import TransferError, WorkspaceError
from transfer.i18n import error_text
from transfer.workspace import (
    ServerWorkspace,
    WorkspaceAPI,
    is_server_url,
    open_workspace,
    redact_url,
    workspace_target,
)
from transfer_app import core
from transfer_app.session import Key, Session

tr = core.tr

__all__ = ["login_gate", "logout", "open_ws", "server_mode", "session_ended"]

# Codes of the errors that mean "log in again": not logged in, expired, no longer a member.
_ENDED = ("server.TR010", "server.TR011", "server.TR012")


def server_mode() -> bool:
    """True when the app saves its work on a team server ($TRANSFER_WORKSPACE is a postgresql:// URL)."""
    return is_server_url(workspace_target())


def open_ws(session: Session | None = None) -> WorkspaceAPI:
    """The workspace of this app session: the team server with the member's session token, or the file."""
    if not server_mode():
        return open_workspace()
    login = (session or Session.current()).store.get(Key.SERVER_LOGIN)
    if not login:
        raise WorkspaceError(
            "you are not logged in to the team server", where="team server", fix="log in again", code="server.TR010"
        )
    return ServerWorkspace(str(workspace_target()), token=login["token"])


DATA_ENV = "TRANSFER_DATA"


def data_folder(session: Session) -> str | None:
    """The data folder of $TRANSFER_DATA: a folder as given, or a team server's published layers
    (``postgresql://...?layers=N|latest``, fetched with the member's session into the cache once); None without it."""
    raw = os.environ.get(DATA_ENV, "").strip()
    if not raw:
        return None
    if not is_server_url(raw):
        if not Path(raw).expanduser().is_dir():
            raise WorkspaceError(
                "the data folder does not exist", where=DATA_ENV, fix="give the folder that holds the layers"
            )
        return str(Path(raw).expanduser())
    from transfer.workspace.team_layers import fetch_layers, split_data_url

    url, version = split_data_url(raw)
    login = session.store.get(Key.SERVER_LOGIN)
    if not login:
        raise WorkspaceError(
            "team layers need a login to the team server",
            where=DATA_ENV,
            fix="run the app against the same server (TRANSFER_WORKSPACE=postgresql://...) and log in",
            code="server.TR010",
        )
    with ServerWorkspace(url, token=login["token"]) as ws:
        return str(fetch_layers(ws, version))


def data_label(data_dir: Path | str, lang: str) -> str | None:
    """What the sidebar says about the data in use when it is not the embedded default: the team's layer version,
    or the folder's name."""
    raw = os.environ.get(DATA_ENV, "").strip()
    if not raw:
        return None
    name = Path(data_dir).name
    match = re.search(r"_v(\d+)$", name) if is_server_url(raw) else None
    if match:
        return tr("sidebar.team_layers", lang, version=match.group(1))
    return tr("sidebar.data_source", lang, name=name)


def session_ended(exc: BaseException) -> bool:
    """An error that means the member must log in again (the token is then forgotten)."""
    return isinstance(exc, TransferError) and exc.code in _ENDED


def logout(session: Session) -> None:
    login = session.store.get(Key.SERVER_LOGIN)
    if login:
        try:
            with ServerWorkspace(str(workspace_target()), token=login["token"]) as ws:
                ws.logout()
        except TransferError:
            pass  # the server forgets it at expiry anyway
    session.store[Key.SERVER_LOGIN] = None


def _submit(session: Session) -> None:
    store = session.store
    user, password = str(store.get("login_user") or "").strip(), str(store.get("login_password") or "")
    team = str(store.get("login_team") or "").strip() or None
    store["login_password"] = ""
    try:
        with ServerWorkspace.login(str(workspace_target()), user, password, team=team) as ws:
            info = ws.whoami()
            token = ws.token
    except TransferError as exc:
        store[Key.LOGIN_ERROR] = error_text(exc, session.lang)
        return
    store[Key.LOGIN_ERROR] = ""
    store[Key.SERVER_LOGIN] = {
        "token": token,
        "username": info.username,
        "team": info.team,
        "role": info.role,
        "expires_at": info.expires_at.isoformat(timespec="minutes"),
    }


def login_gate(session: Session) -> bool:
    """Draw the login form and return False until the member is logged in (always True without a server)."""
    if not server_mode() or session.store.get(Key.SERVER_LOGIN):
        return True
    import streamlit as st

    lang = session.lang
    st.title(tr("login.title", lang))
    st.caption(tr("login.where", lang, server=redact_url(str(workspace_target()))))
    with st.form("login"):
        st.text_input(tr("login.user", lang), key="login_user")
        st.text_input(tr("login.password", lang), type="password", key="login_password")
        st.text_input(tr("login.team", lang), key="login_team", help=tr("login.team_help", lang))
        st.form_submit_button(tr("login.submit", lang), on_click=_submit, args=(session,), type="primary")
    error = session.store.get(Key.LOGIN_ERROR)
    if error:
        st.error(error)
    return False


def sidebar_badge(session: Session, container: Any) -> None:
    """Who is logged in, with a log-out button (nothing without a server)."""
    login = session.store.get(Key.SERVER_LOGIN)
    if not login:
        return
    lang = session.lang
    role = tr(f"login.role.{login['role']}", lang)
    container.caption(tr("login.badge", lang, user=login["username"], role=role, team=login["team"]))
    container.button(tr("login.logout", lang), on_click=logout, args=(session,), key="logout")
