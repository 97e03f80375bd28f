"""Tests for transfer.workspace: round trips, versions, history, export/import, crash safety, concurrency."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import dump_tables

from transfer.errors import TransferError
from transfer.workspace import (
    SCHEMA_VERSION,
    Workspace,
    WorkspaceError,
    default_workspace_path,
)

REPO = Path(__file__).resolve().parents[1]
HTML_NAME = '<b>郑州 & "航空港"</b><script>alert(1)</script>'
YAML_TEXT = "name: baseline\nweights:\n  labour: 0.4   # 劳动力\n  logistics: 0.6\n"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _read_line(proc: subprocess.Popen[str], *, timeout_s: float) -> str:
    """Wait (polling the pipe, no fixed sleep) for one line from a child's stdout."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout_s):
            raise AssertionError(f"child process wrote nothing within {timeout_s} s")
    return proc.stdout.readline().strip()


def _pragma(path: Path, name: str) -> Any:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def ws(tmp_path: Path):
    with Workspace.open(tmp_path / "ws.sqlite") as workspace:
        yield workspace


def _fill(workspace: Workspace) -> dict[str, Any]:
    """A small workspace: two versions of one scenario, a run, a shortlist with a status history."""
    v1 = workspace.save_scenario("baseline", YAML_TEXT, comment="2016 policy mix", author="planning office")
    v2 = workspace.save_scenario("baseline", YAML_TEXT + "demand: {}\n")
    run = workspace.save_run(
        "baseline",
        scenario_version=1,
        parameters={"top_k": 5, "seed": 7},
        results={
            "assignment": "industry,adcode,jobs\nelectronics_assembly,410100,5000\n",
            "shortlist:toys": "[]",
        },
        summary={"matched_jobs": 5000, "share_central_western": 1.0},
    )
    shortlist = workspace.save_shortlist(
        "electronics", "industry_to_sites", [{"adcode": 410100, "score": 0.81}], scenario_name="baseline"
    )
    workspace.set_status(shortlist.id, 410100, "contacted", note="call <i>Mr Li</i>")
    workspace.set_status(shortlist.id, 410100, "visited", note="site visit done")
    return {"v1": v1, "v2": v2, "run": run, "shortlist": shortlist}


# -- paths and opening ----------------------------------------------------------------------------


def test_default_path_prefers_env_then_xdg_then_home(tmp_path: Path) -> None:
    assert default_workspace_path({"TRANSFER_WORKSPACE": str(tmp_path / "w.sqlite")}) == tmp_path / "w.sqlite"
    assert default_workspace_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "transfer" / "workspace.sqlite"
    home = default_workspace_path({})
    assert home.parts[-4:] == (".local", "share", "transfer", "workspace.sqlite")


def test_open_without_path_uses_env_and_creates_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "deep" / "folder" / "w.sqlite"
    monkeypatch.setenv("TRANSFER_WORKSPACE", str(target))
    with Workspace.open() as workspace:
        assert workspace.path == target
    assert target.is_file()
    assert _pragma(target, "journal_mode") == "wal"
    assert _pragma(target, "user_version") == SCHEMA_VERSION


def test_error_is_a_transfer_error_with_where_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database, just text " * 100)
    with pytest.raises(WorkspaceError, match=r"not a SQLite workspace.*Fix:") as caught:
        Workspace.open(bad)
    assert isinstance(caught.value, TransferError)
    assert caught.value.where == str(bad)


def test_other_sqlite_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE cities (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match=r"not a transfer workspace"):
        Workspace.open(other)
    assert dump_tables(other) == {"cities": []}


def test_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    Workspace.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(WorkspaceError, match=rf"schema version {SCHEMA_VERSION + 1}, newer.*upgrade"):
        Workspace.open(path)


def test_closed_workspace_raises(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws.sqlite")
    workspace.close()
    workspace.close()
    with pytest.raises(WorkspaceError, match=r"closed"):
        workspace.list_scenarios()


# -- scenarios --------------------------------------------------------------------------------


def test_scenario_round_trip_keeps_strings_as_given(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path) as workspace:
        saved = workspace.save_scenario(HTML_NAME, YAML_TEXT, comment="<em>draft</em>", author="O'Brien & 张")
    with Workspace.open(path) as workspace:
        loaded = workspace.get_scenario(HTML_NAME)
    assert loaded == saved
    assert (loaded.name, loaded.yaml_text, loaded.comment) == (HTML_NAME, YAML_TEXT, "<em>draft</em>")
    assert loaded.author == "O'Brien & 张"
    assert loaded.created_at.tzinfo is not None


def test_saving_appends_versions_and_never_overwrites(ws: Workspace) -> None:
    first = ws.save_scenario("baseline", "a: 1\n")
    second = ws.save_scenario("baseline", "a: 2\n")
    other = ws.save_scenario("wage_shock", "a: 3\n")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert ws.get_scenario("baseline").yaml_text == "a: 2\n"
    assert ws.get_scenario("baseline", 1) == first
    assert [(r.name, r.version) for r in ws.list_scenarios()] == [
        ("baseline", 1),
        ("baseline", 2),
        ("wage_shock", 1),
    ]
    assert ws.list_scenarios(name="wage_shock") == [other]


def test_unknown_scenario_suggests_closest_name(ws: Workspace) -> None:
    ws.save_scenario("baseline", "a: 1\n")
    with pytest.raises(WorkspaceError, match=r"no scenario named 'baselin'.*did you mean 'baseline'"):
        ws.get_scenario("baselin")
    with pytest.raises(WorkspaceError, match=r"no version 4.*\[1\]"):
        ws.get_scenario("baseline", 4)


def test_empty_name_and_non_text_are_rejected(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"scenario name is empty"):
        ws.save_scenario("  ", "a: 1\n")
    with pytest.raises(WorkspaceError, match=r"yaml_text must be text"):
        ws.save_scenario("x", {"a": 1})  # type: ignore[arg-type]
    assert ws.list_scenarios() == []


# -- runs -------------------------------------------------------------------------------------


def test_run_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path) as workspace:
        made = _fill(workspace)
    run = made["run"]
    with Workspace.open(path) as workspace:
        assert workspace.get_run(run.id) == run
        (info,) = workspace.list_runs()
        assert workspace.list_runs(scenario_name="other") == []
    assert run.scenario_version == 1
    assert dict(run.results)["assignment"] == "industry,adcode,jobs\nelectronics_assembly,410100,5000\n"
    assert info.result_names == ("assignment", "shortlist:toys")
    assert not hasattr(info, "results")
    assert dict(info.parameters) == {"top_k": 5, "seed": 7}
    assert dict(info.summary) == {"matched_jobs": 5000, "share_central_western": 1.0}


def test_run_defaults_to_latest_version(ws: Workspace) -> None:
    ws.save_scenario("baseline", "a: 1\n")
    ws.save_scenario("baseline", "a: 2\n")
    assert ws.save_run("baseline").scenario_version == 2


def test_run_of_unsaved_scenario_saves_nothing(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"no scenario named 'baseline'.*save_scenario"):
        ws.save_run("baseline", results={"assignment": "a\n1\n"})
    assert ws.list_runs() == []


def test_run_rejects_non_text_results_and_nan(ws: Workspace) -> None:
    ws.save_scenario("baseline", "a: 1\n")
    with pytest.raises(WorkspaceError, match=r"result 'assignment' is a list.*to_csv"):
        ws.save_run("baseline", results={"assignment": [1, 2]})  # type: ignore[dict-item]
    with pytest.raises(WorkspaceError, match=r"run summary as JSON.*NaN"):
        ws.save_run("baseline", summary={"score": float("nan")})
    with pytest.raises(WorkspaceError, match=r"no run with id 99"):
        ws.get_run(99)
    assert ws.list_runs() == []


# -- shortlists and statuses -----------------------------------------------------------------------


def test_shortlist_round_trip(ws: Workspace) -> None:
    ws.save_scenario("baseline", "a: 1\n")
    rows: list[dict[str, Any]] = [
        {"name": HTML_NAME, "jobs": 1200, "score": 0.5, "tags": ["bonded"]},
        {"name": "B", "jobs": None},
    ]
    saved = ws.save_shortlist("firms to court", "firms", rows, scenario_name="baseline")
    assert ws.get_shortlist(saved.id) == saved
    assert ws.list_shortlists() == [saved]
    assert [dict(row) for row in saved.rows] == rows
    assert list(saved.rows[0]) == ["name", "jobs", "score", "tags"]
    assert (saved.scenario_name, saved.scenario_version) == ("baseline", 1)
    free = ws.save_shortlist("no scenario", "site_to_industries", [])
    assert (free.scenario_name, free.scenario_version, free.rows) == (None, None, ())


def test_shortlist_kind_typo_is_named(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"unknown shortlist kind 'firm'.*did you mean 'firms'"):
        ws.save_shortlist("x", "firm", [])  # type: ignore[arg-type]
    with pytest.raises(WorkspaceError, match=r"sequence of mappings"):
        ws.save_shortlist("x", "firms", ["a"])  # type: ignore[list-item]


def test_status_history_keeps_every_change(ws: Workspace) -> None:
    shortlist = ws.save_shortlist("sites", "industry_to_sites", [{"adcode": 410100}, {"adcode": 500000}])
    steps = [
        ("candidate", None),
        ("contacted", "<b>phoned</b> 招商局"),
        ("visited", "walked the park"),
        ("signed", ""),
    ]
    made = [ws.set_status(shortlist.id, 410100, status, note=note) for status, note in steps]
    ws.set_status(shortlist.id, "500000", "dropped", note="no rail link")
    history = ws.history(shortlist.id, "410100")
    assert history == made
    assert [(r.status, r.note) for r in history] == steps
    assert [r.updated_at for r in history] == sorted(r.updated_at for r in history)
    current = ws.current_statuses(shortlist.id)
    assert {key: record.status for key, record in current.items()} == {
        "410100": "signed",
        "500000": "dropped",
    }
    assert ws.history(shortlist.id, "999999") == []


def test_bad_status_and_unknown_shortlist(ws: Workspace) -> None:
    shortlist = ws.save_shortlist("sites", "industry_to_sites", [])
    with pytest.raises(WorkspaceError, match=r"unknown status 'visitted'.*did you mean 'visited'"):
        ws.set_status(shortlist.id, "410100", "visitted")
    with pytest.raises(WorkspaceError, match=r"no shortlist with id 42"):
        ws.set_status(42, "410100", "visited")
    assert ws.history(shortlist.id, "410100") == []


def test_threads_share_one_workspace(ws: Workspace) -> None:
    shortlist = ws.save_shortlist("sites", "industry_to_sites", [])

    def work(tag: str) -> None:
        for k in range(20):
            ws.save_scenario("shared", f"{tag}: {k}\n")
            ws.set_status(shortlist.id, "410100", "contacted", note=f"{tag}{k}")

    threads = [threading.Thread(target=work, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.version for r in ws.list_scenarios()] == list(range(1, 41))
    assert len(ws.history(shortlist.id, "410100")) == 40


# -- busy file -----------------------------------------------------------------------------------


def test_locked_file_is_retried_then_reported(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path, busy_timeout_s=0.01, max_retries=2) as workspace:
        workspace.save_scenario("baseline", "a: 1\n")
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(WorkspaceError, match=r"locked by another writer through 3 attempts.*busy_timeout_s"):
                workspace.save_scenario("baseline", "a: 2\n")
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert workspace.save_scenario("baseline", "a: 2\n").version == 2


# -- export and import -----------------------------------------------------------------------------


def test_export_is_one_self_contained_file(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite") as workspace:
        _fill(workspace)
        out = workspace.export(tmp_path / "copy.sqlite")
        with pytest.raises(WorkspaceError, match=r"already exists.*overwrite=True"):
            workspace.export(out)
        workspace.export(out, overwrite=True)
        with pytest.raises(WorkspaceError, match=r"folder does not exist"):
            workspace.export(tmp_path / "missing" / "copy.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite", "ws.sqlite"]
    assert _pragma(out, "journal_mode") == "delete"
    assert _pragma(out, "integrity_check") == "ok"
    assert dump_tables(out) == dump_tables(tmp_path / "ws.sqlite")


def test_import_replace_makes_an_exact_copy(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "a.sqlite") as source:
        _fill(source)
        source.export(tmp_path / "a-export.sqlite")
    with Workspace.open(tmp_path / "b.sqlite") as target:
        target.save_scenario("local only", "a: 1\n")
        summary = target.import_(tmp_path / "a-export.sqlite", mode="replace")
        assert (summary.scenarios, summary.runs, summary.shortlists, summary.statuses) == (2, 1, 1, 2)
    assert dump_tables(tmp_path / "b.sqlite") == dump_tables(tmp_path / "a.sqlite")


def test_import_merge_appends_versions_and_is_idempotent(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "a.sqlite") as source:
        made = _fill(source)
        source.export(tmp_path / "a-export.sqlite")
    with Workspace.open(tmp_path / "b.sqlite") as target:
        local = target.save_scenario("baseline", "local: true\n")
        local_list = target.save_shortlist("local", "firms", [{"name": "Foxconn"}])
        target.set_status(local_list.id, "Foxconn", "negotiating")
        summary = target.import_(tmp_path / "a-export.sqlite")
        assert (summary.mode, summary.scenarios, summary.runs, summary.shortlists, summary.statuses) == (
            "merge",
            2,
            1,
            1,
            2,
        )
        again = target.import_(tmp_path / "a-export.sqlite", mode="merge")
        assert (again.scenarios, again.runs, again.shortlists, again.statuses) == (0, 0, 0, 0)

        versions = target.list_scenarios(name="baseline")
        assert versions[0] == local
        assert [(r.version, r.yaml_text, r.created_at) for r in versions[1:]] == [
            (2, made["v1"].yaml_text, made["v1"].created_at),
            (3, made["v2"].yaml_text, made["v2"].created_at),
        ]
        (run_info,) = target.list_runs()
        run = target.get_run(run_info.id)
        assert run.scenario_version == 2  # the imported run followed its scenario, version 1 -> 2
        assert run.results == made["run"].results
        shortlists = target.list_shortlists()
        assert [s.name for s in shortlists] == ["local", "electronics"]
        imported = shortlists[1]
        assert imported.scenario_version == 3
        assert [(r.status, r.note) for r in target.history(imported.id, "410100")] == [
            ("contacted", "call <i>Mr Li</i>"),
            ("visited", "site visit done"),
        ]
        assert target.current_statuses(local_list.id)["Foxconn"].status == "negotiating"


# Bad import files, one per way a file can be wrong: tests/test_workspace_import.py.


def test_unknown_import_mode(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=r"unknown import mode 'append'"):
        ws.import_(tmp_path / "x.sqlite", mode="append")  # type: ignore[arg-type]


# -- migration -------------------------------------------------------------------------------------

# The version-1 layout, copied here on purpose: the test must not change when the module does.
V1_DDL = """
CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) > 0),
    version INTEGER NOT NULL CHECK (version >= 1),
    yaml_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    comment TEXT,
    UNIQUE (name, version)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    scenario_name TEXT NOT NULL,
    scenario_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    parameters_json TEXT NOT NULL,
    results_json TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    FOREIGN KEY (scenario_name, scenario_version) REFERENCES scenarios (name, version)
);
CREATE TABLE shortlists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) > 0),
    kind TEXT NOT NULL CHECK (kind IN ('industry_to_sites', 'site_to_industries', 'firms')),
    scenario_name TEXT,
    scenario_version INTEGER,
    created_at TEXT NOT NULL,
    rows_json TEXT NOT NULL,
    FOREIGN KEY (scenario_name, scenario_version) REFERENCES scenarios (name, version)
);
CREATE TABLE entry_status (
    id INTEGER PRIMARY KEY,
    shortlist_id INTEGER NOT NULL REFERENCES shortlists (id),
    entry_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('candidate', 'contacted', 'visited', 'negotiating',
                                           'signed', 'dropped')),
    note TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX entry_status_by_key ON entry_status (shortlist_id, entry_key, updated_at, id);
CREATE INDEX runs_by_scenario ON runs (scenario_name, scenario_version);
PRAGMA application_id = 1414682451;
PRAGMA user_version = 1;
"""

V1_ROWS = """
INSERT INTO scenarios VALUES (1, 'baseline', 1, 'a: 1', '2025-01-02T03:04:05.000006+00:00', 'first');
INSERT INTO scenarios VALUES (2, 'baseline', 2, 'a: 2', '2025-01-03T03:04:05.000006+00:00', NULL);
INSERT INTO runs VALUES (1, 'baseline', 1, '2025-01-02T04:00:00.000000+00:00', '{"top_k": 5}',
    '{"assignment": "industry,jobs\\ntoys,10\\n", "shortlist:toys": "[]"}', '{"matched_jobs": 10}');
INSERT INTO shortlists VALUES (1, 'toys', 'industry_to_sites', 'baseline', 2,
    '2025-01-04T00:00:00.000000+00:00', '[{"adcode": 360100}]');
INSERT INTO entry_status VALUES (1, 1, '360100', 'contacted', 'phoned', '2025-01-05T00:00:00.000000+00:00');
INSERT INTO entry_status VALUES (2, 1, '360100', 'visited', NULL, '2025-01-06T00:00:00.000000+00:00');
"""


def _make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(V1_DDL + V1_ROWS)
    finally:
        conn.close()


def _check_migrated(workspace: Workspace, *, run_id: int, scenario_version: int) -> None:
    assert [(r.version, r.yaml_text, r.author) for r in workspace.list_scenarios(name="baseline")][-2:] == [
        (scenario_version, "a: 1", None),
        (scenario_version + 1, "a: 2", None),
    ]
    run = workspace.get_run(run_id)
    assert dict(run.results) == {"assignment": "industry,jobs\ntoys,10\n", "shortlist:toys": "[]"}
    assert dict(run.parameters) == {"top_k": 5}
    (shortlist,) = [s for s in workspace.list_shortlists() if s.name == "toys"]
    assert [(r.status, r.note) for r in workspace.history(shortlist.id, 360100)] == [
        ("contacted", "phoned"),
        ("visited", None),
    ]


def test_version_1_file_is_migrated_on_open(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    _make_v1(path)
    assert _pragma(path, "user_version") == 1
    with Workspace.open(path) as workspace:
        _check_migrated(workspace, run_id=1, scenario_version=1)
        assert workspace.save_scenario("baseline", "a: 3", author="me").version == 3
    assert _pragma(path, "user_version") == SCHEMA_VERSION
    assert _pragma(path, "integrity_check") == "ok"
    conn = sqlite3.connect(path)
    try:
        run_columns = [row[1] for row in conn.execute("PRAGMA table_info(runs)")]
        uids = conn.execute("SELECT count(DISTINCT uid) FROM entry_status").fetchone()[0]
    finally:
        conn.close()
    assert "results_json" not in run_columns
    assert uids == 2


def test_version_1_export_is_migrated_on_import(tmp_path: Path) -> None:
    _make_v1(tmp_path / "v1.sqlite")
    with Workspace.open(tmp_path / "ws.sqlite") as workspace:
        workspace.save_scenario("baseline", "local")
        workspace.import_(tmp_path / "v1.sqlite")
        _check_migrated(workspace, run_id=1, scenario_version=2)
    assert _pragma(tmp_path / "v1.sqlite", "user_version") == 1  # the imported file is only read


# -- crash safety and concurrent writers (real processes) --------------------------------------------

CRASH_WRITER = """
import sys
from transfer.workspace import Workspace

path, n_tables, stop_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
workspace = Workspace.open(path)
inserted = 0

def trace(statement):
    global inserted
    if statement.startswith("INSERT INTO run_results"):
        inserted += 1
        if inserted == stop_at:
            print("inside the transaction", flush=True)
            sys.stdin.read()  # block here until killed

workspace._conn.set_trace_callback(trace)  # private on purpose: stop inside the real save transaction
blob = "industry,adcode,jobs\\n" + "electronics_assembly,410100,5000\\n" * 600
workspace.save_scenario("baseline", "half-written: true\\n")
tables = {f"table {i}": blob for i in range(n_tables)}
workspace.save_run("baseline", results=tables, summary={"partial": True})
print("committed", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_writer_loses_nothing_and_leaves_no_partial_record(tmp_path: Path) -> None:
    path = tmp_path / "ws.sqlite"
    with Workspace.open(path) as workspace:
        made = _fill(workspace)
    before = dump_tables(path)
    with subprocess.Popen(
        [sys.executable, "-W", "error", "-c", CRASH_WRITER, str(path), "400", "300"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    ) as proc:
        line = _read_line(proc, timeout_s=120)
        if line != "inside the transaction":
            proc.kill()
            raise AssertionError(f"writer did not reach the transaction: {line!r} {proc.communicate()[1]}")
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    wal = Path(str(path) + "-wal")
    # 299 tables of ~20 kB overflowed the page cache, so uncommitted pages had reached the WAL file.
    assert wal.stat().st_size > 1_000_000

    assert _pragma(path, "integrity_check") == "ok"
    after = dump_tables(path)
    for table in ("runs", "run_results", "shortlists", "entry_status"):
        assert after[table] == before[table], table  # no run row, no orphan result table
    assert len(after["scenarios"]) == len(before["scenarios"]) + 1  # committed before the kill
    with Workspace.open(path) as workspace:
        versions = workspace.list_scenarios()
        assert versions[:2] == [made["v1"], made["v2"]]
        assert (versions[2].version, versions[2].yaml_text) == (3, "half-written: true\n")
        assert workspace.get_run(made["run"].id) == made["run"]
        assert [r.id for r in workspace.list_runs()] == [made["run"].id]
        assert len(workspace.history(made["shortlist"].id, 410100)) == 2
        assert workspace.save_scenario("baseline", "after the crash").version == 4


CONCURRENT_WRITER = """
import sys
from transfer.workspace import Workspace

writer, path, n, shortlist_id, busy_timeout_s, max_retries = sys.argv[1:]
with Workspace.open(path, busy_timeout_s=float(busy_timeout_s), max_retries=int(max_retries)) as workspace:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")
    print("writing", flush=True)
    for k in range(int(n)):
        workspace.save_scenario("shared", f"writer: {writer}\\nk: {k}\\n")
        if int(shortlist_id):
            workspace.set_status(int(shortlist_id), "410100", "contacted", note=f"{writer}-{k}")
print("done", flush=True)
"""


def _kill_running(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()


def _run_writers(path: Path, *, n: int, shortlist_id: int, busy_timeout_s: float, max_retries: int) -> None:
    args = [str(path), str(n), str(shortlist_id), str(busy_timeout_s), str(max_retries)]
    with contextlib.ExitStack() as stack:
        procs = [
            stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-W", "error", "-c", CONCURRENT_WRITER, writer, *args],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=_child_env(),
                )
            )
            for writer in "AB"
        ]
        stack.callback(_kill_running, procs)  # runs first on the way out, so no wait hangs
        for proc in procs:
            assert _read_line(proc, timeout_s=120) == "ready"
        # Hold the write lock while both writers start, so both meet a busy file and must wait
        # (or retry) before the race between them begins.
        blocker = stack.enter_context(contextlib.closing(sqlite3.connect(path, isolation_level=None)))
        blocker.execute("BEGIN IMMEDIATE")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            assert _read_line(proc, timeout_s=120) == "writing"
        blocker.execute("ROLLBACK")
        outcomes = [proc.communicate(timeout=300) for proc in procs]
    for proc, (out, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "done"


@pytest.mark.parametrize(("busy_timeout_s", "max_retries"), [(1.0, 30), (0.0, 200)])
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path, busy_timeout_s: float, max_retries: int) -> None:
    path = tmp_path / "ws.sqlite"
    n = 50
    with Workspace.open(path) as workspace:
        shortlist = workspace.save_shortlist("sites", "industry_to_sites", [{"adcode": 410100}])
    _run_writers(path, n=n, shortlist_id=shortlist.id, busy_timeout_s=busy_timeout_s, max_retries=max_retries)
    with Workspace.open(path) as workspace:
        saved = workspace.list_scenarios(name="shared")
        history = workspace.history(shortlist.id, "410100")
    assert [r.version for r in saved] == list(range(1, 2 * n + 1))
    assert sorted(r.yaml_text for r in saved) == sorted(f"writer: {w}\nk: {k}\n" for w in "AB" for k in range(n))
    for writer in "AB":  # each writer's own saves keep their order
        mine = [r.yaml_text for r in saved if r.yaml_text.startswith(f"writer: {writer}")]
        assert mine == [f"writer: {writer}\nk: {k}\n" for k in range(n)]
    assert sorted(r.note or "" for r in history) == sorted(f"{w}-{k}" for w in "AB" for k in range(n))
    assert _pragma(path, "integrity_check") == "ok"


def test_two_processes_creating_the_same_new_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "ws.sqlite"
    _run_writers(path, n=3, shortlist_id=0, busy_timeout_s=1.0, max_retries=30)
    assert _pragma(path, "user_version") == SCHEMA_VERSION
    with Workspace.open(path) as workspace:
        assert [r.version for r in workspace.list_scenarios()] == list(range(1, 7))


def test_json_helpers_accept_numpy_scalars(ws: Workspace) -> None:
    np = pytest.importorskip("numpy")
    ws.save_scenario("baseline", "a: 1\n")
    run = ws.save_run("baseline", summary={"jobs": np.int64(5), "share": np.float64(0.25), "v": np.arange(2)})
    assert json.loads(json.dumps(dict(ws.get_run(run.id).summary))) == {"jobs": 5, "share": 0.25, "v": [0, 1]}
