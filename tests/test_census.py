"""The per-site census table: spot checks against the published figures, sums, rebuild, boundary-change rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transfer._census import CENSUS_COLUMNS, build_census, default_census_dir, map_2010_counties
from transfer.errors import LayerError

GEODATA = Path(__file__).resolve().parents[1] / "geodata"


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    return pd.read_csv(GEODATA / "census.csv", keep_default_na=False, na_values=[""])


def test_columns_and_one_row_per_site(census):
    assert tuple(census.columns) == CENSUS_COLUMNS
    sites = pd.read_json(GEODATA / "sites.geojson")  # only to count features
    assert len(census) == len(sites["features"]) == census["adcode"].nunique()
    assert census["population_2020"].notna().all()
    assert census["working_age_2020"].notna().all()


@pytest.mark.parametrize(
    ("name", "population"),
    [
        ("淮北市", 1_970_265),
        ("周口市", 9_026_015),
        ("遂宁市", 2_814_196),
        ("丹东市", 2_188_436),
        ("成都市", 20_937_757),
    ],
)
def test_2020_residents_equal_the_published_figures(census, name, population):
    assert int(census.loc[census["name_zh"] == name, "population_2020"].iloc[0]) == population


def test_prefectures_add_up_to_their_province(census):
    """In every province whose prefectures are all sites, the rows sum to the 2020 census province total."""
    econ = pd.read_csv(GEODATA / "curated" / "province_economy.csv")
    total = dict(zip(econ["province_adcode"] // 10000, econ["population_persons"], strict=True))
    sites = pd.read_csv(GEODATA / "cities.csv")
    checked = 0
    for prov, rows in census.groupby(census["adcode"] // 10000):
        units = sites[(sites["adcode"] // 10000 == prov) & (sites["adcode"] % 10000 != 0)]
        if prov in (32, 44) or len(rows) < len(units):  # 苏北 and 粤东西北 are only part of their province
            continue
        assert rows["population_2020"].sum() == total[prov], f"province {prov}"
        checked += 1
    assert checked >= 20


def test_values_are_consistent(census):
    assert (census["working_age_2020"] < census["population_2020"]).all()
    assert (census["rural_population_2020"] <= census["population_2020"]).all()
    for col in (
        "working_age_share_2020",
        "urbanisation_rate_2020",
        "mfg_share_employed_2020",
        "agri_share_employed_2020",
        "production_worker_share_2020",
    ):
        assert census[col].between(0, 1).all(), col
    assert census["schooling_years_2020"].between(4, 14).all()
    known = census["registered_2010"].notna()
    diff = census.loc[known, "registered_2010"] - census.loc[known, "resident_2010"]
    assert (diff == census.loc[known, "registered_away_2010"]).all()


def test_labour_exporting_prefectures_have_a_large_reserve(census):
    by = census.set_index("name_zh")
    # 阜阳 and 周口 are among China's largest labour exporters; 成都 and 太原 absorb migrants
    assert by.at["阜阳市", "registered_away_2010"] > 2_000_000
    assert by.at["周口市", "registered_away_2010"] > 2_000_000
    assert by.at["成都市", "registered_away_2010"] < 0
    assert by.at["太原市", "registered_away_2010"] < 0


def test_boundary_changes_are_listed_and_flagged(census):
    changes = pd.read_csv(GEODATA / "census_boundary_changes.csv")
    moved = changes[changes["moved_prefecture"]]
    # 简阳 (资阳 → 成都, 2016), 寿县 (六安 → 淮南, 2015), 枞阳 (安庆 → 铜陵, 2015), 巢湖 dissolved (2011)
    assert {"简阳市", "寿县", "枞阳县", "居巢区", "庐江县"} <= set(moved["name_2010"])
    by = census.set_index("name_zh")
    assert "简阳市" in by.at["成都市", "flag"]
    assert "简阳市" in by.at["资阳市", "flag"]
    # sites created after 2010 have no 2010 value, never a zero
    assert pd.isna(by.at["胡杨河市", "registered_2010"])
    assert "created after 2010" in by.at["胡杨河市", "flag"]


def _book(rows: list[tuple[str | None, str, str, str]]) -> pd.DataFrame:
    """A tiny 2020-style frame: code, province, prefecture name, county name (only the columns the mapping uses)."""
    from transfer._census import _level, _parents

    df = pd.DataFrame(rows, columns=["区划代码", "省", "市", "区县"])
    df["code"] = [float(c) if c else np.nan for c in df["区划代码"]]
    df["level"] = df["code"].map(_level)
    df["prefecture"] = _parents(df, name_col="区县", city_col="市")
    return df


def _book10(rows: list[tuple[str | None, str]]) -> pd.DataFrame:
    from transfer._census import _level, _parents

    df = pd.DataFrame(rows, columns=["区划代码", "name"])
    df["code"] = [float(c) if c else np.nan for c in df["区划代码"]]
    df["level"] = df["code"].map(_level)
    df["prefecture"] = _parents(df, name_col="name", city_col=None)
    df["合计"] = 1
    return df


def test_mapping_rules_on_a_hand_checkable_fixture():
    d20 = _book(
        [
            ("140000", "山西省", "山西省", "山西省"),
            ("140200", "山西省", "大同市", "大同市"),
            ("140213", "山西省", "大同市", "平城区"),
            ("140300", "山西省", "阳泉市", "阳泉市"),
            ("140303", "山西省", "阳泉市", "矿区"),
            ("140321", "山西省", "阳泉市", "平定县"),
            ("140322", "山西省", "阳泉市", "盂县"),
        ]
    )
    d10 = _book10(
        [
            ("140000", "山西省"),
            ("140200", "大同市"),
            ("140203", "矿区"),  # abolished 2018: a generic name must not jump to 阳泉's 矿区
            ("140300", "阳泉市"),
            ("140303", "矿区"),
            ("140321", "平定县"),
            ("140399", "盂县"),  # another code, same specific name -> found by name
        ]
    )
    m = map_2010_counties(d10, d20).set_index("code_2010")
    assert m.at[140303, "rule"] == "code and name" and m.at[140303, "prefecture_2020"] == 140300
    assert m.at[140399, "rule"] == "name" and m.at[140399, "code_2020"] == 140322
    assert m.at[140203, "rule"].startswith("successor") and m.at[140203, "prefecture_2020"] == 140200


def test_missing_source_folder_gives_a_clear_error(tmp_path):
    with pytest.raises(LayerError, match=r"census source file .* not found.*--census-dir"):
        build_census(pd.DataFrame({"adcode": [410100], "name_zh": ["郑州市"]}), tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not default_census_dir().exists(), reason="the public census files are not beside the project")
def test_rebuild_gives_exactly_the_committed_table(tmp_path, census):
    from transfer.geodata import main

    assert main(["census", "--out-dir", str(tmp_path)]) == 0
    for name in ("census.csv", "census_boundary_changes.csv"):
        assert (tmp_path / name).read_bytes() == (GEODATA / name).read_bytes(), name
