"""Checks on the curated bonded-zone table geodata/curated/bonded_zones.csv."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

CSV_PATH = Path(__file__).resolve().parents[1] / "geodata" / "curated" / "bonded_zones.csv"
REQUIRED_COLUMNS = [
    "name_zh",
    "name_en",
    "zone_type",
    "city_adcode",
    "city_name_zh",
    "province",
    "approval_year",
    "source",
    "source_year",
    "flag",
]
ZONE_TYPES = {"综合保税区", "保税港区", "出口加工区", "保税物流园区", "保税物流中心B"}


@pytest.fixture(scope="module")
def zones() -> pd.DataFrame:
    return pd.read_csv(CSV_PATH, dtype=str, keep_default_na=False, encoding="utf-8")


def test_columns_exact_and_ordered(zones: pd.DataFrame) -> None:
    assert list(zones.columns) == REQUIRED_COLUMNS


def test_not_empty(zones: pd.DataFrame) -> None:
    assert len(zones) > 0


def test_zone_type_vocabulary(zones: pd.DataFrame) -> None:
    bad = sorted(set(zones["zone_type"]) - ZONE_TYPES)
    assert bad == []


def test_adcodes_are_six_digits(zones: pd.DataFrame) -> None:
    bad = zones.loc[~zones["city_adcode"].str.fullmatch(r"\d{6}"), "name_zh"].tolist()
    assert bad == []


def test_adcodes_exist_in_cpca(zones: pd.DataFrame) -> None:
    pytest.importorskip("cpca")
    adcodes_csv = resources.files("cpca") / "resources" / "adcodes.csv"
    with resources.as_file(adcodes_csv) as path:
        known = pd.read_csv(path, dtype=str)
    known6 = {code[:6] for code in known["adcode"] if code.endswith("000000")}
    missing = sorted(set(zones["city_adcode"]) - known6)
    assert missing == []


def test_no_duplicate_names(zones: pd.DataFrame) -> None:
    dupes = zones.loc[zones["name_zh"].duplicated(), "name_zh"].tolist()
    assert dupes == []


def test_approval_year_empty_or_plausible(zones: pd.DataFrame) -> None:
    years = zones["approval_year"]
    filled = years[years != ""]
    assert filled.str.fullmatch(r"\d{4}").all()
    assert filled.astype(int).between(1990, 2026).all()


def test_every_row_has_a_source(zones: pd.DataFrame) -> None:
    empty = zones.loc[zones["source"].str.strip() == "", "name_zh"].tolist()
    assert empty == []


def test_missing_year_is_flagged(zones: pd.DataFrame) -> None:
    unflagged = zones.loc[(zones["approval_year"] == "") & (zones["flag"].str.strip() == ""), "name_zh"].tolist()
    assert unflagged == []
