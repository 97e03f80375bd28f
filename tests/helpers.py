"""Small builders shared by the test modules (hand-checkable fixtures)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from transfer.industries import IndustryProfile


def industry_profile(pid: str, weights: dict[str, float], **kw) -> IndustryProfile:
    """A valid test profile with the given weights; keyword arguments replace any other field."""
    base = {
        "id": pid,
        "name_zh": pid,
        "name_en": pid,
        "weights": weights,
        "rationale": "test",
        "source": "test",
        "source_year": 2024,
        "needs_bonded_zone": False,
        "two_high_one_resource": False,
        "env_class": "light",
        "labour_intensity": "high",
        "freight": ["sea"],
        "value_density": "low",
        "main_origins": [],
        "typical_jobs_per_firm": None,
        "typical_land_ha_per_firm": None,
        "flag": "test",
    }
    base.update(kw)
    return IndustryProfile.model_validate(base)


def dump_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQLite file, read with plain sqlite3 (to compare a workspace's states)."""
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    finally:
        conn.close()
