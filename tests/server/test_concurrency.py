"""Many writers at once, a writer killed mid-transaction, and a connection dropped during a save."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pgfixtures import PASSWORD, Server, Team

from transfer.workspace import ServerWorkspace, WorkspaceError

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from transfer.workspace import ServerWorkspace
url, user, password, me, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
with ServerWorkspace.login(url, user, password) as ws:
    for i in range(n):
        ws.save_scenario("shared", f"name: shared\\n# writer {me} save {i}\\n")
        sl = ws.save_shortlist(f"list {me}-{i}", "firms", [{"name": f"firm {me}-{i}"}], scenario_name="shared")
        ws.set_status(sl.id, f"firm {me}-{i}", "contacted", note=f"{me}-{i}")
print("done", flush=True)
"""

SLOW_RUN = """
import sys
from transfer.workspace import ServerWorkspace
url, user, password = sys.argv[1:4]
with ServerWorkspace.login(url, user, password) as ws:
    ws.save_scenario("s", "name: s\\n")
    print("ready", flush=True)
    ws.save_run("s", results={f"table{i}": "x" * 1000 for i in range(50)})
print("saved", flush=True)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def _wait_for(condition: Any, *, timeout_s: float = 20.0, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _blocked_pids(server: Server) -> list[int]:
    with server.owner() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'transfer' AND wait_event_type = 'Lock'"
        ).fetchall()
    return [pid for (pid,) in rows]


def test_ten_processes_saving_at_once_lose_nothing(server: Server, team: Team) -> None:
    n = 8
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, server.app_url, team.editor, PASSWORD, str(me), str(n)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(10)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip() == "done", err
    with server.login(team.viewer) as ws:
        versions = [s.version for s in ws.list_scenarios(name="shared")]
        assert versions == list(range(1, 10 * n + 1))  # every save kept, numbered without gaps or clashes
        texts = {s.yaml_text for s in ws.list_scenarios(name="shared")}
        assert len(texts) == 10 * n
        lists = ws.list_shortlists()
        assert sorted(sl.name for sl in lists) == sorted(f"list {me}-{i}" for me in range(10) for i in range(n))
        notes = [ws.current_statuses(sl.id) for sl in lists]
        assert all(len(state) == 1 for state in notes)
        assert sorted(next(iter(s.values())).note for s in notes) == sorted(
            f"{me}-{i}" for me in range(10) for i in range(n)
        )


def test_kill_9_of_a_writer_mid_transaction_leaves_no_half_record(server: Server, team: Team) -> None:
    lock = psycopg.connect(server.owner_url)  # holds a lock the writer's second statement waits for
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, server.app_url, team.editor, PASSWORD],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        lock.execute("LOCK TABLE transfer.run_results IN SHARE MODE")
        _wait_for(lambda: _blocked_pids(server), what="the writer to wait inside its transaction")
        (backend,) = _blocked_pids(server)
        with server.owner() as conn:  # the run row is written but not committed
            assert (
                conn.execute(
                    "SELECT count(*) FROM transfer.runs r JOIN transfer.teams t ON t.id = r.team_id WHERE t.name = %s",
                    (team.name,),
                ).fetchone()[0]
                == 0
            )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        lock.rollback()
        lock.close()
        if proc.stdout is not None:
            proc.stdout.close()
    with server.owner() as conn:
        _wait_for(
            lambda: conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone()[0] == 0,
            what="the killed writer's server process to end",
        )
    with server.login(team.editor) as ws:
        assert ws.list_runs() == []  # neither the run nor any of its tables
        run = ws.save_run("s", results={"a": "1"})  # and the server takes the next save
        assert ws.get_run(run.id).results["a"] == "1"


def _save_while_dropped(server: Server, ws: ServerWorkspace, name: str) -> tuple[list[Any], list[BaseException]]:
    done: list[Any] = []
    errors: list[BaseException] = []

    def save() -> None:
        try:
            done.append(ws.save_shortlist(name, "firms", [{"name": "x"}]))
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    lock = psycopg.connect(server.owner_url)
    try:
        lock.execute("LOCK TABLE transfer.shortlists IN SHARE MODE")
        thread = threading.Thread(target=save)
        thread.start()
        _wait_for(lambda: _blocked_pids(server), what="the save to wait for the lock")
        with server.owner() as conn:
            for pid in _blocked_pids(server):
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
    finally:
        lock.rollback()
        lock.close()
    thread.join(timeout=30)
    return done, errors


def test_dropped_connection_during_a_save_is_retried_once(server: Server, team: Team) -> None:
    with server.login(team.editor) as ws:
        done, errors = _save_while_dropped(server, ws, "after a drop")
        assert errors == [] and len(done) == 1
        assert [sl.name for sl in ws.list_shortlists()] == ["after a drop"]  # one record, not two


def test_dropped_connection_without_retries_is_a_clear_error(server: Server, team: Team) -> None:
    with server.login(team.editor, max_retries=0) as ws:
        done, errors = _save_while_dropped(server, ws, "lost")
        assert done == [] and len(errors) == 1
        assert isinstance(errors[0], WorkspaceError)
        assert "connection to the team server was lost" in str(errors[0])
        assert "whole record or none of it" in str(errors[0])
        assert ws.list_shortlists() == []  # the connection is reopened for the next call; nothing half-saved


def test_server_down_is_a_clear_error(server: Server) -> None:
    url = server.app_url.rsplit(":", 1)[0] + ":1/transfer"
    with pytest.raises(WorkspaceError, match="cannot connect to the team server"):
        ServerWorkspace(url, connect_timeout_s=2)
