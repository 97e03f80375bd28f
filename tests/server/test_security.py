"""Accounts, roles, sessions and isolation between teams, enforced by the database."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from pgfixtures import PASSWORD, Server, Team

from transfer.workspace import ServerWorkspace, Workspace, WorkspaceError, open_workspace


def _seed(server: Server, team: Team) -> dict[str, int]:
    with server.login(team.editor) as ws:
        ws.save_scenario("secret-plan", "name: secret-plan\n")
        run = ws.save_run("secret-plan", results={"assignment": "firm,site\nA,赣州\n"})
        sl = ws.save_shortlist("targets", "firms", [{"name": "A 鞋业"}], scenario_name="secret-plan")
        ws.set_status(sl.id, "A 鞋业", "negotiating", note="price agreed")
    return {"run": run.id, "shortlist": sl.id}


def test_wrong_password_and_unknown_user_get_the_same_message(server: Server, team: Team) -> None:
    for user in (team.editor, "nobody-at-all"):
        with pytest.raises(WorkspaceError, match="wrong user name or password"):
            ServerWorkspace.login(server.app_url, user, "not the password")


def test_repeated_failed_logins_are_slowed_down(server: Server, team: Team) -> None:
    for _ in range(3):
        with pytest.raises(WorkspaceError, match="wrong user name or password"):
            ServerWorkspace.login(server.app_url, team.viewer, "guess")
    # the fourth attempt within a second is refused before the password is looked at, even the right one
    with pytest.raises(WorkspaceError, match=r"too many failed logins.*wait \d+ s") as caught:
        ServerWorkspace.login(server.app_url, team.viewer, PASSWORD)
    assert caught.value.code == "login.throttled"
    time.sleep(1.2)
    with server.login(team.viewer) as ws:  # after the wait the right password works and resets the count
        assert ws.whoami().role == "viewer"
    with server.owner() as conn:
        query = "SELECT failed_logins FROM transfer.accounts WHERE username = %s"
        assert conn.execute(query, (team.viewer,)).fetchone()[0] == 0


def test_expired_session_is_refused(server: Server, team: Team) -> None:
    ws = server.login(team.editor)
    with server.owner() as conn:
        conn.execute(
            "UPDATE transfer.sessions SET expires_at = now() - interval '1 second' "
            "WHERE token_hash = public.digest(%s, 'sha256')",
            (ws.token,),
        )
    with pytest.raises(WorkspaceError, match="session on the team server has expired"):
        ws.list_scenarios()
    with pytest.raises(WorkspaceError, match="expired"):
        ws.save_scenario("x", "name: x\n")
    ws.close()


def test_logout_revokes_the_token(server: Server, team: Team) -> None:
    ws = server.login(team.editor)
    token = ws.token
    ws.logout()
    ws.close()
    with ServerWorkspace(server.app_url, token=token) as again, pytest.raises(WorkspaceError, match="not logged in"):
        again.list_shortlists()


def test_forged_token_sees_nothing(server: Server, team: Team) -> None:
    _seed(server, team)
    with ServerWorkspace(server.app_url, token="0" * 64) as ws, pytest.raises(WorkspaceError, match="not logged in"):
        ws.list_scenarios()


def test_viewer_reads_but_cannot_write(server: Server, team: Team, tmp_path: Path) -> None:
    ids = _seed(server, team)
    with server.login(team.viewer) as ws:
        assert [s.name for s in ws.list_scenarios()] == ["secret-plan"]
        assert ws.current_statuses(ids["shortlist"])["A 鞋业"].status == "negotiating"
        for write in (
            lambda: ws.save_scenario("mine", "name: mine\n"),
            lambda: ws.set_status(ids["shortlist"], "A 鞋业", "dropped"),
            lambda: ws.save_shortlist("mine", "firms", []),
            lambda: ws.save_run("secret-plan"),
        ):
            with pytest.raises(WorkspaceError, match="role in this team may not do this"):
                write()
        export = ws.export(tmp_path / "viewer.sqlite")  # reading all of it is allowed
        with pytest.raises(WorkspaceError, match="may not do this"):
            ws.import_(export)
    with server.login(team.editor) as ws:
        assert [h.status for h in ws.history(ids["shortlist"], "A 鞋业")] == ["negotiating"]


def test_editor_cannot_add_members_admin_can(server: Server, team: Team) -> None:
    with server.login(team.editor) as ws, pytest.raises(WorkspaceError, match="may not do this"):
        ws.add_member(team.name + "-new", "viewer", password="a long password")
    with server.login(team.admin) as ws:
        ws.add_member(team.name + "-new", "viewer", password="a long password")
    with ServerWorkspace.login(server.app_url, team.name + "-new", "a long password") as ws:
        assert ws.whoami().role == "viewer" and ws.whoami().team == team.name


def test_other_team_cannot_read_list_write_or_export(
    server: Server, team: Team, other_team: Team, tmp_path: Path
) -> None:
    ids = _seed(server, team)
    with server.login(other_team.admin) as ws:
        # list
        assert ws.list_scenarios() == [] and ws.list_runs() == [] and ws.list_shortlists() == []
        # read
        with pytest.raises(WorkspaceError, match="no shortlist with id"):
            ws.get_shortlist(ids["shortlist"])
        with pytest.raises(WorkspaceError, match="no run with id"):
            ws.get_run(ids["run"])
        with pytest.raises(WorkspaceError, match="no scenario named 'secret-plan'"):
            ws.get_scenario("secret-plan")
        with pytest.raises(WorkspaceError, match="no shortlist with id"):
            ws.history(ids["shortlist"], "A 鞋业")
        # write
        with pytest.raises(WorkspaceError, match="no shortlist with id"):
            ws.set_status(ids["shortlist"], "A 鞋业", "dropped", note="sabotage")
        with pytest.raises(WorkspaceError, match="no scenario named 'secret-plan'"):
            ws.save_run("secret-plan")
        # export
        out = ws.export(tmp_path / "other.sqlite")
        assert all(entry["username"] != team.editor for entry in ws.audit_log())
    with Workspace.open(tmp_path / "check.sqlite") as check:
        check.import_(out)
        assert check.list_scenarios() == [] and check.list_shortlists() == []
    with server.login(team.editor) as ws:
        assert [h.status for h in ws.history(ids["shortlist"], "A 鞋业")] == ["negotiating"]


def test_isolation_holds_for_raw_sql_with_a_valid_session(server: Server, team: Team, other_team: Team) -> None:
    """Row-level security, not the program, keeps teams apart: raw statements of the application role with
    another team's session see and change none of the team's rows."""
    ids = _seed(server, team)
    with server.owner() as conn:
        (team_a,) = conn.execute("SELECT id FROM transfer.teams WHERE name = %s", (team.name,)).fetchone()
    with server.login(other_team.admin) as ws:
        token = ws.token
    with psycopg.connect(server.app_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('transfer.session', %s, false)", (token,))
        for table in ("scenarios", "runs", "run_results", "shortlists", "entry_status"):
            assert conn.execute(f"SELECT count(*) FROM transfer.{table}").fetchone()[0] == 0, table
        assert (
            conn.execute(
                "UPDATE transfer.entry_status SET note = 'x' WHERE shortlist_id = %s", (ids["shortlist"],)
            ).rowcount
            == 0
        )
        assert conn.execute("DELETE FROM transfer.shortlists WHERE id = %s", (ids["shortlist"],)).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # a row for another team is refused
            conn.execute(
                "INSERT INTO transfer.scenarios (team_id, name, version, yaml_text, created_at, uid) "
                "VALUES (%s, 'forged', 99, '', now(), 'u1')",
                (team_a,),
            )
    with psycopg.connect(server.app_url, autocommit=True) as conn:
        for secret in ("accounts", "sessions", "memberships"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM transfer.{secret}")
        assert conn.execute("SELECT count(*) FROM transfer.shortlists").fetchone()[0] == 0  # no session: nothing


def test_audit_log_records_who_changed_what(server: Server, team: Team) -> None:
    ids = _seed(server, team)
    with server.login(team.admin) as ws:
        log = ws.audit_log()
    actions = [(e["username"], e["action"], e["table"]) for e in log]
    assert (team.editor, "insert", "entry_status") in actions
    assert (team.editor, "insert", "scenarios") in actions
    status = next(e for e in log if e["table"] == "entry_status")
    assert status["detail"] == {"entry_key": "A 鞋业", "status": "negotiating"}
    with (  # the log cannot be rewritten
        psycopg.connect(server.app_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("DELETE FROM transfer.audit_log")
    del ids


def test_open_workspace_from_the_environment(server: Server, team: Team) -> None:
    env = {"TRANSFER_WORKSPACE": server.app_url, "TRANSFER_USER": team.editor, "TRANSFER_PASSWORD": PASSWORD}
    with open_workspace(environ=env) as ws:
        assert isinstance(ws, ServerWorkspace) and ws.whoami().username == team.editor
        assert "app-role-secret" not in ws.path
        token = ws.token
    with open_workspace(environ={"TRANSFER_WORKSPACE": server.app_url, "TRANSFER_SESSION": token or ""}) as ws:
        assert ws.whoami().team == team.name
    with pytest.raises(WorkspaceError, match="needs a login"):
        open_workspace(environ={"TRANSFER_WORKSPACE": server.app_url})


def test_wrong_app_role_password_is_a_clear_error(server: Server) -> None:
    bad = server.app_url.replace("app-role-secret", "wrong")
    with pytest.raises(WorkspaceError, match="cannot connect to the team server") as caught:
        ServerWorkspace(bad)
    assert "wrong" not in str(caught.value)
