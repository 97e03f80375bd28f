"""Write the workspace import fixtures: one sound export and one bad file per way an import file can be wrong.

Run from the repository root: ``python tests/data/bad/workspace/make_files.py``. The records are fixed (no
clock, no random uids), so the files only change when the workspace schema does. Each bad file is the sound
file with one change; README.md beside this script says which.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
SOUND = REPO / "tests" / "data" / "workspace" / "sound.sqlite"
sys.path.insert(0, str(REPO))

from transfer.workspace import schema  # noqa: E402

PAGE_SIZE = 512  # the smallest SQLite page: keeps each file a few kilobytes
T1, T2, T3 = (f"2025-01-0{d}T03:04:05.000006+00:00" for d in (2, 3, 4))
ASSIGNMENT = "industry,adcode,jobs\nelectronics_assembly,410100,5000\n"


def uid(table: str, number: int) -> str:
    """A fixed uid per record, so every file names the same records by the same uids."""
    return hashlib.md5(f"{table}-{number}".encode()).hexdigest()


SOUND_ROWS = [
    (
        "INSERT INTO scenarios (id, name, version, yaml_text, created_at, comment, author, uid) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [
            (1, "baseline", 1, "weights:\n  labour: 0.4\n", T1, "first", "office", uid("s", 1)),
            (2, "baseline", 2, "weights:\n  labour: 0.5\n", T2, None, None, uid("s", 2)),
            (3, "wage_shock", 1, "wages: +10%\n", T3, None, "office", uid("s", 3)),
        ],
    ),
    (
        "INSERT INTO runs (id, scenario_name, scenario_version, created_at, parameters_json, summary_json, uid) "
        "VALUES (?,?,?,?,?,?,?)",
        [
            (1, "baseline", 1, "2025-01-05T00:00:00+00:00", '{"top_k": 5}', '{"matched_jobs": 5000}', uid("r", 1)),
            (2, "wage_shock", 1, "2025-01-06T00:00:00+00:00", '{"top_k": 3}', '{"matched_jobs": 4200}', uid("r", 2)),
        ],
    ),
    (
        "INSERT INTO run_results (run_id, name, content) VALUES (?,?,?)",
        [(1, "assignment", ASSIGNMENT), (1, "shortlist:toys", "[]"), (2, "assignment", ASSIGNMENT)],
    ),
    (
        "INSERT INTO shortlists (id, name, kind, scenario_name, scenario_version, created_at, rows_json, uid) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [(1, "electronics", "industry_to_sites", "baseline", 2, T3, '[{"adcode": 410100}]', uid("l", 1))],
    ),
    (
        "INSERT INTO entry_status (id, shortlist_id, entry_key, status, note, updated_at, uid) VALUES (?,?,?,?,?,?,?)",
        [
            (1, 1, "410100", "contacted", "phoned", "2025-01-08T00:00:00+00:00", uid("e", 1)),
            (2, 1, "410100", "visited", None, "2025-01-09T00:00:00+00:00", uid("e", 2)),
        ],
    ),
]

# The scenarios table as the current schema makes it, but without UNIQUE (name, version): {ddl} is its CREATE
# statement with that clause taken out.
SCENARIOS_WITHOUT_UNIQUE = """
ALTER TABLE scenarios RENAME TO scenarios_old;
{ddl};
INSERT INTO scenarios SELECT * FROM scenarios_old;
DROP TABLE scenarios_old;
CREATE UNIQUE INDEX scenarios_uid ON scenarios (uid);
INSERT INTO scenarios (id, name, version, yaml_text, created_at, uid)
    VALUES (4, 'baseline', 2, 'a second version 2', '2025-01-03T09:00:00+00:00', '{uid}');
"""


# One change of the sound file per bad file (SQL run with CHECK rules and foreign keys off).
SQL_CHANGES = {
    "other_database.sqlite": None,  # written from scratch below
    "newer_version.sqlite": f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}",
    "missing_table.sqlite": "DROP TABLE run_results",
    "missing_column.sqlite": "ALTER TABLE scenarios DROP COLUMN author",
    "missing_uid_index.sqlite": "DROP INDEX runs_uid",
    "missing_unique_key.sqlite": SCENARIOS_WITHOUT_UNIQUE,  # {ddl} filled in by write_changed
    "duplicate_uid.sqlite": f"DROP INDEX runs_uid; UPDATE runs SET uid = '{uid('r', 1)}' WHERE id = 2",
    "missing_uid.sqlite": "UPDATE entry_status SET uid = NULL WHERE id = 2",
    "wrong_type.sqlite": "UPDATE scenarios SET version = 'two' WHERE id = 2",
    "dangling_reference.sqlite": "UPDATE runs SET scenario_version = 9 WHERE id = 2",
    "dangling_shortlist.sqlite": "UPDATE entry_status SET shortlist_id = 77 WHERE id = 1",
    "bad_json.sqlite": "UPDATE runs SET parameters_json = '{top_k: 5' WHERE id = 1",
    "bad_rows.sqlite": "UPDATE shortlists SET rows_json = '[410100]' WHERE id = 1",
    "bad_timestamp.sqlite": "UPDATE scenarios SET created_at = 'yesterday' WHERE id = 3",
    "bad_status.sqlite": "UPDATE entry_status SET status = 'maybe' WHERE id = 2",
    "empty_name.sqlite": "UPDATE shortlists SET name = '' WHERE id = 1",
    # Same uid as the sound file's scenario 3, but another scenario: merging it into a workspace that
    # holds the sound file must not file run 2 under 'wage_shock'.
    "uid_collision.sqlite": "UPDATE scenarios SET name = 'export_push' WHERE id = 3; "
    "UPDATE runs SET scenario_name = 'export_push' WHERE id = 2",
}


def _connect(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = DELETE")
    return conn


def write_sound(path: Path) -> None:
    """The sound export: the current schema (made by the project's own migrations) and fixed records."""
    with contextlib.closing(_connect(path)) as conn:
        conn.execute("BEGIN")
        for migrate in schema.MIGRATIONS:
            migrate(conn)
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        for sql, rows in SOUND_ROWS:
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
        conn.execute("VACUUM")


def write_changed(path: Path, sql: str) -> None:
    path.write_bytes(SOUND.read_bytes())
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("PRAGMA foreign_keys = OFF")
        (ddl,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'scenarios'").fetchone()
        ddl = re.sub(r",\s*UNIQUE \(name, version\)", "", ddl)
        conn.executescript(sql.replace("{ddl}", ddl).replace("{uid}", uid("s", 4)))
        conn.execute("VACUUM")
    finally:
        conn.close()


def write_version_1_unmigratable(path: Path) -> None:
    """A version-1 file whose run results are not JSON, so the migration to version 2 cannot read them."""
    with contextlib.closing(_connect(path)) as conn:
        schema.MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO scenarios VALUES (1, 'baseline', 1, 'a: 1', '2025-01-02T03:04:05+00:00', NULL)")
        conn.execute("INSERT INTO runs VALUES (1, 'baseline', 1, '2025-01-02T04:00:00+00:00', '{}', 'not json', '{}')")


def write_other_database(path: Path) -> None:
    with contextlib.closing(_connect(path)) as conn:
        conn.execute("CREATE TABLE cities (name TEXT, adcode INTEGER)")
        conn.execute("INSERT INTO cities VALUES ('郑州市', 410100)")


def write_corrupt(path: Path) -> None:
    """The sound file with its last page overwritten by zero bytes: whole in size, damaged inside."""
    data = bytearray(SOUND.read_bytes())
    data[-PAGE_SIZE:] = bytes(PAGE_SIZE)
    path.write_bytes(bytes(data))


def main() -> None:
    SOUND.parent.mkdir(parents=True, exist_ok=True)
    write_sound(SOUND)
    sound = SOUND.read_bytes()
    (HERE / "empty.sqlite").write_bytes(b"")
    (HERE / "text.sqlite").write_text("scenario,version\nbaseline,1\n", encoding="utf-8")
    (HERE / "truncated.sqlite").write_bytes(sound[: len(sound) // 2])
    (HERE / "header_only.sqlite").write_bytes(sound[:60])
    write_corrupt(HERE / "corrupt.sqlite")
    write_other_database(HERE / "other_database.sqlite")
    write_version_1_unmigratable(HERE / "unmigratable_v1.sqlite")
    for name, sql in SQL_CHANGES.items():
        if sql is not None:
            write_changed(HERE / name, sql)


if __name__ == "__main__":
    main()
