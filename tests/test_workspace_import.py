"""Workspace import of bad files (tests/data/bad/workspace): a message naming what, where and how to fix,
and a live workspace left byte for byte as it was."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from transfer.errors import TransferError, WorkspaceImportError
from transfer.workspace import Workspace, WorkspaceError
from transfer.workspace._validate import collision_problems, signatures
from transfer.workspace.schema import SCHEMA_VERSION

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad" / "workspace"
SOUND = DATA / "workspace" / "sound.sqlite"

FILE_FIX = r"copy the file again in full"
EDITED_FIX = r"changed outside this program: export it again .*Workspace\.export"
UID = r"\(uid [0-9a-f]{32}\)"

# file -> (what is wrong, where inside the file (None: the file as a whole), how to fix, modes that refuse it)
CASES: dict[str, tuple[str, str | None, str, tuple[str, ...]]] = {
    "empty.sqlite": (r"the file is empty \(0 bytes\)", None, FILE_FIX, ("merge", "replace")),
    "text.sqlite": (
        r"not a SQLite database \(it starts with b'scenario,version'\)",
        None,
        r"Workspace\.export",
        ("merge", "replace"),
    ),
    "header_only.sqlite": (
        r"truncated: it holds 60 bytes, less than SQLite's 100-byte header",
        None,
        FILE_FIX,
        ("merge", "replace"),
    ),
    "truncated.sqlite": (
        r"truncated: its header declares \d+ pages of 512 bytes \(\d+ bytes\) but the file holds \d+",
        None,
        FILE_FIX,
        ("merge", "replace"),
    ),
    "corrupt.sqlite": (
        r"damaged: SQLite cannot read it \(database disk image is malformed\)",
        None,
        FILE_FIX,
        ("merge", "replace"),
    ),
    "other_database.sqlite": (
        r"a SQLite database but not a transfer workspace",
        None,
        r"Workspace\.export",
        ("merge", "replace"),
    ),
    "newer_version.sqlite": (
        rf"schema version {SCHEMA_VERSION + 1}, newer than this program's {SCHEMA_VERSION}",
        None,
        r"upgrade the transfer package",
        ("merge", "replace"),
    ),
    "unmigratable_v1.sqlite": (r"could not be migrated from schema version 1", None, EDITED_FIX, ("merge", "replace")),
    "missing_table.sqlite": (r"table 'run_results' is missing", None, EDITED_FIX, ("merge", "replace")),
    "missing_column.sqlite": (
        r"columns differ .*missing: \['author TEXT'\]",
        r"table 'scenarios'",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "missing_uid_index.sqlite": (
        r"the unique index on \(uid\) is missing",
        r"table 'runs'",
        r"CREATE UNIQUE INDEX runs_uid ON runs \(uid\)",
        ("merge", "replace"),
    ),
    "missing_unique_key.sqlite": (
        r"rows 2, 4 share name 'baseline', version 2",
        r"table 'scenarios'",
        r"CREATE UNIQUE INDEX scenarios_name_version ON scenarios \(name, version\)",
        ("merge", "replace"),
    ),
    "duplicate_uid.sqlite": (
        r"rows 1, 2 share uid '[0-9a-f]{32}'",
        r"table 'runs'",
        r"give each record its own uid",
        ("merge", "replace"),
    ),
    "missing_uid.sqlite": (r"the record has no uid", r"table 'entry_status', row 2", EDITED_FIX, ("merge", "replace")),
    "wrong_type.sqlite": (
        r"column version holds text 'two', expected integer",
        rf"table 'scenarios', row 2 {UID}",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "dangling_reference.sqlite": (
        r"refers to a scenarios record \(name 'wage_shock', version 9\) that the file does not hold",
        rf"table 'runs', row 2 {UID}",
        r"import the file that holds the scenarios record",
        ("merge", "replace"),
    ),
    "dangling_shortlist.sqlite": (
        r"refers to a shortlists record \(id 77\)",
        rf"table 'entry_status', row 1 {UID}",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "bad_json.sqlite": (
        r"parameters_json is not valid JSON",
        rf"table 'runs', row 1 {UID}",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "bad_rows.sqlite": (
        r"rows_json holds a row that is not a JSON object",
        rf"table 'shortlists', row 1 {UID}",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "bad_timestamp.sqlite": (
        r"created_at is not an ISO-8601 timestamp: 'yesterday'",
        rf"table 'scenarios', row 3 {UID}",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "bad_status.sqlite": (
        r"unknown status 'maybe' \(use one of \['candidate'",
        rf"table 'entry_status', row 2 {UID}",
        EDITED_FIX,
        ("merge", "replace"),
    ),
    "empty_name.sqlite": (r"name is empty", rf"table 'shortlists', row 1 {UID}", EDITED_FIX, ("merge", "replace")),
    # Merged into a workspace that holds the sound file, the uid of scenario 3 names another scenario:
    # before the check, run 2 was filed under 'wage_shock'. Replace takes the file as it is, so it is fine.
    "uid_collision.sqlite": (
        r"holds a different record under the same uid \(its row 3; they differ in name\)",
        rf"table 'scenarios', row 3 {UID}",
        r"mode='replace'",
        ("merge",),
    ),
}


def _live(tmp_path: Path) -> Path:
    """A closed live workspace holding the sound file's records."""
    path = tmp_path / "live.sqlite"
    with Workspace.open(path) as workspace:
        workspace.import_(SOUND, mode="replace")
        workspace.save_scenario("local", "a: 1\n")
    return path


def test_every_bad_file_has_a_case() -> None:
    assert sorted(p.name for p in BAD.glob("*.sqlite")) == sorted(CASES)


@pytest.mark.parametrize("mode", ["merge", "replace"])
def test_sound_file_imports(tmp_path: Path, mode: str) -> None:
    """The bad files are this file with one change each, so each fails for its own change."""
    with Workspace.open(tmp_path / "ws.sqlite") as workspace:
        summary = workspace.import_(SOUND, mode=mode)  # type: ignore[arg-type]
        assert (summary.scenarios, summary.runs, summary.shortlists, summary.statuses) == (3, 2, 1, 2)
        assert workspace.get_run(2).scenario_name == "wage_shock"


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_refused_with_what_where_fix_and_changes_nothing(tmp_path: Path, name: str) -> None:
    what, place, fix, modes = CASES[name]
    source = BAD / name
    live = _live(tmp_path)
    before = live.read_bytes()
    with Workspace.open(live) as workspace:
        listed = (workspace.list_scenarios(), workspace.list_runs(), workspace.list_shortlists())
        for mode in modes:
            with pytest.raises(WorkspaceImportError) as caught:
                workspace.import_(source, mode=mode)  # type: ignore[arg-type]
            error = caught.value
            assert isinstance(error, TransferError)
            assert error.where == str(source)
            message = str(error)
            assert message.startswith(f"{source}: the import file was rejected and nothing was changed: ")
            assert re.search(what, error.what), message
            if place is not None:
                assert re.search(rf"{place}: ", error.what), message
            assert error.fix and re.search(fix, error.fix), message
            assert message.endswith(f"Fix: {error.fix.rstrip('.')}.")
            assert error.problems and all(line in message for line in error.problems)
        assert (workspace.list_scenarios(), workspace.list_runs(), workspace.list_shortlists()) == listed
    assert live.read_bytes() == before  # no write reached the file, not even an empty transaction
    assert not Path(f"{live}-wal").exists()


def test_missing_path_and_folder_are_named(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws.sqlite") as workspace:
        with pytest.raises(WorkspaceImportError, match=r"missing\.sqlite: the import file does not exist.*Fix: check"):
            workspace.import_(tmp_path / "missing.sqlite")
        with pytest.raises(WorkspaceError, match=r"the import path is not a file"):
            workspace.import_(tmp_path)


def test_collision_check_compares_content_not_versions(tmp_path: Path) -> None:
    """Merging renumbers versions and ids; the same records merged back are not collisions."""
    with Workspace.open(tmp_path / "a.sqlite") as first:
        first.save_scenario("baseline", "local: true\n")
        first.import_(SOUND)  # the sound scenarios become baseline 2 and 3, wage_shock 1
        first.export(tmp_path / "a-export.sqlite")
    with Workspace.open(tmp_path / "b.sqlite") as second:
        second.import_(SOUND)
        again = second.import_(tmp_path / "a-export.sqlite")
        assert (again.scenarios, again.runs, again.shortlists, again.statuses) == (1, 0, 0, 0)
    conn = sqlite3.connect(tmp_path / "b.sqlite")
    try:
        assert collision_problems(conn, signatures(conn)) == []
    finally:
        conn.close()


# Shapes of a hand-edited file that no single check looks for: each is still refused with a message.
ODD_SCHEMAS = {
    "view": ("DROP TABLE entry_status; CREATE VIEW entry_status AS SELECT 1 AS id", r"table 'entry_status': columns"),
    "without rowid": (
        "ALTER TABLE run_results RENAME TO old; CREATE TABLE run_results (run_id INTEGER NOT NULL REFERENCES runs (id),"
        " name TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
        " INSERT INTO run_results SELECT * FROM old; DROP TABLE old",
        r"it could not be checked \(no such column: rowid\)",
    ),
    "deep json": (
        "UPDATE runs SET parameters_json = '" + "[" * 50_000 + "' WHERE id = 1",
        rf"table 'runs', row 1 {UID}: parameters_json is nested too deeply to read",
    ),
}


@pytest.mark.parametrize("case", sorted(ODD_SCHEMAS))
def test_odd_schema_is_refused_with_a_message(tmp_path: Path, case: str) -> None:
    sql, what = ODD_SCHEMAS[case]
    source = tmp_path / "odd.sqlite"
    source.write_bytes(SOUND.read_bytes())
    conn = sqlite3.connect(source, isolation_level=None)
    try:
        conn.executescript(sql)
    finally:
        conn.close()
    with Workspace.open(tmp_path / "ws.sqlite") as workspace:
        with pytest.raises(WorkspaceImportError, match=what) as caught:
            workspace.import_(source, mode="replace")
        assert caught.value.fix and "Workspace.export" in caught.value.fix
        assert workspace.list_scenarios() == []


def test_monitoring_values_travel_with_export_and_import(tmp_path: Path) -> None:
    """Yearly monitoring data is part of the workspace: an export carries it, a merge adds what is missing without
    overwriting a local value, a replace copies it exactly."""
    import pandas as pd

    from transfer.workspace.monitoring import load_monitoring, save_monitoring

    src = Workspace(tmp_path / "src.sqlite")
    rows = pd.DataFrame(
        {
            "year": [2021, 2021, 2022],
            "adcode": [410100, 420100, 410100],
            "indicator": ["pt_trade_usd_100m", "pt_trade_usd_100m", "pt_trade_usd_100m"],
            "value": [12.5, 7.0, 13.0],
            "source": ["郑州市商务局 2021 年报"] * 3,
        }
    )
    save_monitoring(src, rows)
    exported = src.export(tmp_path / "export.sqlite")
    dst = Workspace(tmp_path / "dst.sqlite")
    save_monitoring(dst, rows.iloc[[0]].assign(value=99.0, source="local figure"))
    summary = dst.import_(exported, mode="merge")
    assert summary.monitoring_values == 2
    got = load_monitoring(dst).set_index(["year", "adcode"])["value"]
    assert got[(2021, 410100)] == 99.0  # the local value is kept
    assert got[(2021, 420100)] == 7.0 and got[(2022, 410100)] == 13.0
    dst.import_(exported, mode="replace")
    assert load_monitoring(dst)["value"].tolist() == load_monitoring(src)["value"].tolist()
