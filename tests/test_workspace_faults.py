"""Workspace faults in real processes: a full disk (a file size limit) and a read-only file or folder.

Each fault gives one clear error, and everything saved before is still there, whole and readable, afterwards.
A writer killed with SIGKILL mid-save: tests/test_workspace.py,
test_killed_writer_loses_nothing_and_leaves_no_partial_record.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import dump_tables

from transfer.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SOUND = REPO / "tests" / "data" / "workspace" / "sound.sqlite"
NOBODY = 65534
LIMIT_BYTES = 256 * 1024  # far below the 2 MB a child tries to write
BIG = "industry,adcode,jobs\n" + "electronics_assembly,410100,5000\n" * 60_000

pytestmark = pytest.mark.skipif(not hasattr(os, "setresuid"), reason="needs POSIX processes and resource limits")

# A child process: open the workspace, then (optionally) lose write access, then do one thing.
CHILD = """
import json, os, resource, signal, sys
from transfer.workspace import Workspace

path, action, limit, drop = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "drop"
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing us
if drop:  # root writes anywhere: become a user whom the file modes apply to
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
out = {}
try:
    workspace = Workspace.open(path)
    out["read"] = [r.name for r in workspace.list_scenarios()]
    if limit:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    big = "industry,adcode,jobs\\n" + "electronics_assembly,410100,5000\\n" * 60_000
    if action == "save":
        workspace.save_scenario("baseline", "weights: {}\\n")
        workspace.save_run("baseline", results={"assignment": big}, summary={"rows": 60_000})
    elif action == "import":
        workspace.import_(sys.argv[5], mode="replace")
    elif action == "export":
        workspace.export(sys.argv[5])
    out["done"] = True
except Exception as exc:
    out["error"] = type(exc).__name__
    out["message"] = str(exc)
print(json.dumps(out))
"""


def _child(path: Path, action: str, *extra: str, limit: int = 0, drop: bool = False) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    args = [sys.executable, "-W", "error", "-c", CHILD, str(path), action, str(limit), "drop" if drop else "-", *extra]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _check_whole(path: Path, before: dict[str, list[tuple[Any, ...]]]) -> None:
    """The file passes SQLite's integrity check, holds what it held, and the workspace reads and writes it."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert dump_tables(path) == before
    with Workspace.open(path) as workspace:
        saved = sorted((row[1], row[2], row[3]) for row in before["scenarios"])
        assert [(r.name, r.version, r.yaml_text) for r in workspace.list_scenarios()] == saved
        assert dict(workspace.get_run(1).results)["assignment"].startswith("industry,adcode,jobs\n")
        assert [r.status for r in workspace.history(1, "410100")] == ["contacted", "visited"]
        assert workspace.save_scenario("after the fault", "a: 1\n").version == 1


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder another user can enter (pytest's own temporary folders are private to their owner)."""
    path = Path(tempfile.mkdtemp(prefix="transfer-faults-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for sub in [path, *path.rglob("*")]:
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(path)


def _saved(folder: Path, name: str = "ws.sqlite") -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    path = folder / name
    with Workspace.open(path) as workspace:
        workspace.import_(SOUND, mode="replace")
    return path, dump_tables(path)


# -- full disk ------------------------------------------------------------------------------------


def test_full_disk_during_save_loses_nothing(folder: Path) -> None:
    path, before = _saved(folder)
    out = _child(path, "save", limit=LIMIT_BYTES)
    assert out["read"] == ["baseline", "baseline", "wage_shock"]
    assert out["error"] == "WorkspaceError", out
    assert out["message"].startswith(f"{path}: the disk refused to write the workspace file")
    assert "nothing was changed and every record saved before is kept" in out["message"]
    assert out["message"].endswith("Fix: free disk space (or raise the file size limit), then save again.")
    # The small scenario save fitted under the limit and was committed; the run's 2 MB did not.
    (scenario,) = [row for row in dump_tables(path)["scenarios"] if row[0] == 4]
    before["scenarios"] = sorted([*before["scenarios"], scenario], key=repr)
    _check_whole(path, before)


def test_full_disk_during_import_changes_nothing(folder: Path) -> None:
    path, before = _saved(folder)
    source = folder / "big.sqlite"
    with Workspace.open(folder / "source.sqlite") as other:
        other.save_scenario("big", "a: 1\n")
        other.save_run("big", results={"assignment": BIG})
        other.export(source)
    written = path.read_bytes()
    out = _child(path, "import", str(source), limit=LIMIT_BYTES)
    assert out["error"] == "WorkspaceError", out
    assert "the disk refused to write the workspace file" in out["message"]
    assert path.read_bytes() == written  # the half-written import never reached the file itself
    _check_whole(path, before)  # replace deleted every record first: the rollback brought them all back


def test_full_disk_during_export_leaves_no_partial_file(folder: Path) -> None:
    path = folder / "ws.sqlite"
    with Workspace.open(path) as workspace:
        workspace.import_(SOUND, mode="replace")
        workspace.save_run("baseline", results={"assignment": BIG})
    before = dump_tables(path)
    target = folder / "export.sqlite"
    out = _child(path, "export", str(target), limit=LIMIT_BYTES)
    assert out["error"] == "WorkspaceError", out
    assert out["message"].startswith(f"{target}: cannot write the export file")
    assert out["message"].endswith("Fix: free disk space or pick a writable folder, then export again.")
    assert sorted(p.name for p in folder.iterdir()) == ["ws.sqlite"]
    assert dump_tables(path) == before


# -- read-only file and folder ----------------------------------------------------------------------


def _as_other_user() -> bool:
    """Root ignores file modes, so the child then runs as an unprivileged user."""
    return os.geteuid() == 0


def test_read_only_file_reads_and_refuses_writes(folder: Path) -> None:
    path, before = _saved(folder)
    if _as_other_user():
        os.chown(folder, NOBODY, NOBODY)  # the folder stays writable for the child: only the file is read-only
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    out = _child(path, "save", drop=_as_other_user())
    assert out["read"] == ["baseline", "baseline", "wage_shock"]  # what was saved can still be read
    assert out["error"] == "WorkspaceError", out
    assert out["message"].startswith(f"{path}: the workspace file is read-only")
    assert f"Fix: make the file writable (chmod u+w {path})" in out["message"]
    path.chmod(0o644)
    _check_whole(path, before)


def test_read_only_folder_is_named(folder: Path) -> None:
    path, before = _saved(folder / "team")
    path.chmod(0o666)
    path.parent.chmod(0o555)
    out = _child(path, "save", drop=_as_other_user())
    assert out["error"] == "WorkspaceError", out
    assert out["message"].startswith(f"{path}: the workspace folder is read-only or missing")
    assert f"Fix: make the folder {path.parent} writable" in out["message"]
    path.parent.chmod(0o755)
    _check_whole(path, before)


# -- a damaged workspace file -----------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["cut in half", "a page zeroed"])
def test_damaged_workspace_file_is_named(folder: Path, damage: str) -> None:
    path = folder / "ws.sqlite"
    with Workspace.open(path) as workspace:
        workspace.import_(SOUND, mode="replace")
        workspace.save_run("baseline", results={"assignment": BIG})
    data = path.read_bytes()
    page = 4096
    path.write_bytes(
        data[: len(data) // 2] if damage == "cut in half" else data[:page] + bytes(page) + data[2 * page :]
    )
    out = _child(path, "save")
    assert out["error"] == "WorkspaceError", out
    assert out["message"].startswith(f"{path}: the workspace file is damaged (database disk image is malformed)")
    assert (
        "Fix: move the damaged file aside, open a new workspace at its path and import the latest export"
        in out["message"]
    )
