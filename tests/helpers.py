"""Small builders shared by the test modules (hand-checkable fixtures)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from transfer import columns as C
from transfer.industries import IndustryProfile
from transfer.sitetable import SiteTable

SITES = [101, 102, 103, 104]


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


def site_table(values: dict[str, list[float]], clusters: pd.DataFrame | None = None) -> SiteTable:
    """A site table of four sites 101..104 in 河南 (only 101 has a comprehensive bonded zone) with these values."""
    idx = pd.Index(SITES, name=C.ADCODE)
    sites = pd.DataFrame(
        {
            C.NAME_ZH: ["甲", "乙", "丙", "丁"],
            C.NAME_EN: ["A", "B", "C", "D"],
            C.PROVINCE: ["河南省"] * 4,
            C.PROVINCE_ADCODE: [410000] * 4,
            C.REGION: [C.CENTRAL] * 4,
            "has_full_bonded_zone": [True, False, False, False],
            "eco_share": [0.0] * 4,
        },
        index=idx,
    )
    return SiteTable(
        sites=sites,
        values=pd.DataFrame(values, index=idx),
        origin_costs=pd.DataFrame(index=idx),
        clusters=clusters if clusters is not None else pd.DataFrame(index=idx),
    )
