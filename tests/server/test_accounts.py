"""Account upkeep by the server's owner: a new password, disabling a departing member, a new role for an account."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pgfixtures import PASSWORD, Server, Team

from transfer.errors import WorkspaceError
from transfer.workspace import ServerWorkspace, admin

REPO = Path(__file__).resolve().parents[2]
NEW = "a new and longer passphrase"


def _audit(server: Server, username: str) -> list[str]:
    with server.owner() as conn:
        rows = conn.execute("SELECT action FROM transfer.audit_log WHERE username = %s ORDER BY id", (username,))
        return [r[0] for r in rows]


def test_a_new_password_logs_out_every_session_and_resets_the_failure_count(server: Server, team: Team) -> None:
    old = server.login(team.editor)
    for _ in range(2):
        with pytest.raises(WorkspaceError, match="wrong user name or password"):
            ServerWorkspace.login(server.app_url, team.editor, "guess")
    assert admin.set_password(server.owner_url, team.editor, NEW) == 1
    with pytest.raises(WorkspaceError, match="not logged in"):  # the session open before is gone
        old.list_scenarios()
    old.close()
    with pytest.raises(WorkspaceError, match="wrong user name or password"):
        ServerWorkspace.login(server.app_url, team.editor, PASSWORD)
    with ServerWorkspace.login(server.app_url, team.editor, NEW) as ws:
        assert ws.whoami().role == "editor"
    with server.owner() as conn:
        query = "SELECT failed_logins FROM transfer.accounts WHERE username = %s"
        assert conn.execute(query, (team.editor,)).fetchone()[0] == 0
    assert "set_password" in _audit(server, team.editor)
    with pytest.raises(WorkspaceError, match="shorter than"):
        admin.set_password(server.owner_url, team.editor, "short")
    with pytest.raises(WorkspaceError, match="no account named 'nobody-here'"):
        admin.set_password(server.owner_url, "nobody-here", NEW)


def test_a_disabled_account_cannot_log_in_and_its_work_stays(server: Server, team: Team) -> None:
    with server.login(team.editor) as ws:
        ws.save_scenario("kept", "name: kept\n")
    open_session = server.login(team.editor)
    # the session that saved was closed, not logged out: it is still valid until revoked, as the open one is
    assert admin.set_disabled(server.owner_url, team.editor, True) == 2
    with pytest.raises(WorkspaceError, match="not logged in"):
        open_session.list_scenarios()
    open_session.close()
    with pytest.raises(WorkspaceError, match="wrong user name or password"):  # no hint that the account exists
        server.login(team.editor)
    with server.login(team.admin) as ws:
        assert [r.name for r in ws.list_scenarios()] == ["kept"]
    admin.set_disabled(server.owner_url, team.editor, False)
    with server.login(team.editor) as ws:
        assert ws.whoami().username == team.editor
    assert {"disable_account", "enable_account"} <= set(_audit(server, team.editor))


def test_cli_password_disable_and_a_second_team_without_asking_for_a_password(
    server: Server, team: Team, other_team: Team
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSFER_")}
    env |= {"PYTHONPATH": str(REPO), "TRANSFER_OWNER_URL": server.owner_url}

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "transfer.cli", "server", *args],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    done = cli("password", team.viewer, TRANSFER_NEW_PASSWORD=NEW)
    assert done.returncode == 0 and "new password set" in done.stdout, done.stderr
    with ServerWorkspace.login(server.app_url, team.viewer, NEW) as ws:
        assert ws.whoami().role == "viewer"
    # an existing account joins another team: no password is asked for (there is no terminal) and it keeps its own
    done = cli("user", team.viewer, "--team", other_team.name, "--role", "editor")
    assert done.returncode == 0 and "password is unchanged" in done.stdout, done.stderr
    with ServerWorkspace.login(server.app_url, team.viewer, NEW, team=other_team.name) as ws:
        assert ws.whoami().role == "editor"
    done = cli("disable", team.viewer)
    assert done.returncode == 0 and "disabled" in done.stdout
    done = cli("password", "no-such-member", TRANSFER_NEW_PASSWORD=NEW)
    assert done.returncode == 2 and "no account named" in done.stderr and "Traceback" not in done.stderr
    done = cli("password")
    assert done.returncode == 2 and "give the name" in done.stderr
