"""Checks on the curated policy and economy layers: columns, vocabularies, adcodes, provenance."""

from __future__ import annotations

import csv
import importlib.util
from functools import lru_cache
from pathlib import Path

import pytest

CURATED_DIR = Path(__file__).resolve().parents[1] / "geodata" / "curated"
YEAR_MIN, YEAR_MAX = 1980, 2026

DESIGNATIONS = (
    "key_receiving_site",
    "processing_trade_park",
    "transfer_demo_zone",
)

# file name -> (required columns, source columns, year columns, positive numeric columns)
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "designations.csv": (
        ("adcode", "city_name_zh", "designation", "name_zh", "year", "source", "source_year", "flag"),
        ("source",),
        ("year", "source_year"),
        (),
    ),
    "province_economy.csv": (
        (
            "province_adcode",
            "province_zh",
            "avg_wage_cny_year",
            "avg_wage_source",
            "avg_wage_year",
            "min_wage_cny_month",
            "min_wage_source",
            "min_wage_year",
            "population_10k",
            "population_source",
            "population_year",
            "gdp_100m_cny",
            "gdp_source",
            "gdp_year",
            "flag",
        ),
        (),
        ("avg_wage_year", "min_wage_year", "population_year", "gdp_year"),
        ("avg_wage_cny_year", "min_wage_cny_month", "population_10k", "population_persons", "gdp_100m_cny"),
    ),
    "dev_zones.csv": (
        (
            "zone_type",
            "name_zh",
            "prefecture_adcode",
            "prefecture_name_zh",
            "province",
            "approval_year",
            "source",
            "source_year",
            "flag",
        ),
        ("source",),
        ("approval_year", "source_year"),
        (),
    ),
    "key_eco_counties.csv": (
        (
            "county_adcode",
            "county_name_zh",
            "prefecture_adcode",
            "prefecture_name_zh",
            "province",
            "batch",
            "zone_name",
            "source",
            "source_year",
            "flag",
        ),
        ("source",),
        ("source_year",),
        (),
    ),
    "min_wage.csv": (
        (
            "adcode",
            "name_zh",
            "province_zh",
            "tier",
            "min_wage_cny_month",
            "min_wage_cny_hour",
            "effective_date",
            "notice",
            "source",
            "source_year",
            "flag",
        ),
        (),
        ("source_year",),
        ("min_wage_cny_month", "min_wage_cny_hour"),
    ),
    "industry_clusters.csv": (
        ("adcode", "name_zh", "province", "industry_id", "cluster_name", "list_name", "year", "source", "flag"),
        ("source",),
        ("year", "source_year"),
        (),
    ),
}


@lru_cache(maxsize=1)
def _cpca_adcodes() -> frozenset[str]:
    """Six-digit codes listed in cpca's adcodes.csv (first 6 of its 12 digits)."""
    spec = importlib.util.find_spec("cpca")
    assert spec is not None and spec.submodule_search_locations, "cpca is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        codes = {row["adcode"][:6] for row in csv.DictReader(fh)}
    # units created after cpca's table (e.g. 那曲市 540600, 2017) are in the project's own reference of city units
    with (CURATED_DIR.parent / "cities.csv").open(encoding="utf-8", newline="") as fh:
        codes |= {row["adcode"] for row in csv.DictReader(fh)}
    return frozenset(codes)


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    path = CURATED_DIR / name
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


_CODE_COLUMNS = {
    "province_economy.csv": "province_adcode",
    "dev_zones.csv": "prefecture_adcode",
    "key_eco_counties.csv": "prefecture_adcode",
}


def _code_column(name: str) -> str:
    return _CODE_COLUMNS.get(name, "adcode")


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_file_has_required_columns_and_rows(name: str) -> None:
    columns, rows = _read(name)
    missing = [c for c in LAYERS[name][0] if c not in columns]
    assert not missing, f"{name}: missing columns {missing}"
    assert rows, f"{name}: no rows"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_adcodes_are_six_digits_known_to_cpca(name: str) -> None:
    _, rows = _read(name)
    col = _code_column(name)
    known = _cpca_adcodes()
    for i, row in enumerate(rows, start=2):
        code = row[col]
        assert len(code) == 6 and code.isdigit(), f"{name} line {i}: {col}={code!r} is not 6 digits"
        assert code in known, f"{name} line {i}: {col}={code} not in cpca adcodes.csv"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_row_has_a_source(name: str) -> None:
    _, rows = _read(name)
    source_cols = LAYERS[name][1]
    for i, row in enumerate(rows, start=2):
        for col in source_cols:
            assert row[col].strip(), f"{name} line {i}: empty {col}"


def test_province_values_each_have_their_own_source() -> None:
    _, rows = _read("province_economy.csv")
    pairs = (
        ("avg_wage_cny_year", "avg_wage_source", "avg_wage_year"),
        ("min_wage_cny_month", "min_wage_source", "min_wage_year"),
        ("population_10k", "population_source", "population_year"),
        ("gdp_100m_cny", "gdp_source", "gdp_year"),
    )
    for i, row in enumerate(rows, start=2):
        for value, source, year in pairs:
            if row[value].strip():
                assert row[source].strip() and row[year].strip(), f"line {i}: {value} without source/year"
            else:
                assert row["flag"].strip(), f"line {i}: {value} empty but no flag says why"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_years_are_plausible(name: str) -> None:
    _, rows = _read(name)
    for i, row in enumerate(rows, start=2):
        for col in LAYERS[name][2]:
            text = row.get(col, "").strip()
            if not text:
                continue
            year = int(text)
            # carmakers' and textile bases' founding years reach back to the 1950s
            lo = 1949 if name == "industry_clusters.csv" and col == "year" else YEAR_MIN
            assert lo <= year <= YEAR_MAX, f"{name} line {i}: {col}={year} outside {lo}..{YEAR_MAX}"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_numeric_columns_are_positive_numbers(name: str) -> None:
    _, rows = _read(name)
    for i, row in enumerate(rows, start=2):
        for col in LAYERS[name][3]:
            text = row.get(col, "").strip()
            if not text:
                continue
            value = float(text)
            assert value > 0, f"{name} line {i}: {col}={value} is not positive"


def test_designation_vocabulary() -> None:
    _, rows = _read("designations.csv")
    bad = sorted({row["designation"] for row in rows} - set(DESIGNATIONS))
    assert not bad, f"unknown designation values {bad}; allowed: {DESIGNATIONS}"


def test_designation_rows_are_unique() -> None:
    _, rows = _read("designations.csv")
    keys = [(r["adcode"], r["designation"], r["name_zh"]) for r in rows]
    assert len(keys) == len(set(keys)), "duplicate (adcode, designation, name_zh) rows"


def test_province_table_covers_31_provinces() -> None:
    _, rows = _read("province_economy.csv")
    codes = [r["province_adcode"] for r in rows]
    assert len(codes) == 31 and len(set(codes)) == 31
    assert all(code.endswith("0000") for code in codes)


def test_census_population_adds_up_to_the_national_communique() -> None:
    _, rows = _read("province_economy.csv")
    total = sum(int(r["population_persons"]) for r in rows)
    # 第七次全国人口普查公报（第三号）: 1,411,778,724 including 2,000,000 active-duty military
    assert total == 1_411_778_724 - 2_000_000


def test_min_wage_rows_without_an_amount_are_flagged_and_amounts_have_a_source() -> None:
    _, rows = _read("min_wage.csv")
    for i, row in enumerate(rows, start=2):
        if row["min_wage_cny_month"].strip():
            assert row["source"].strip() and row["tier"].strip(), f"min_wage.csv line {i}: amount without source/tier"
        else:
            assert row["flag"].strip(), f"min_wage.csv line {i}: no amount and no flag"


def test_min_wage_tier_one_is_the_highest_amount_of_its_province() -> None:
    _, rows = _read("min_wage.csv")
    by_notice: dict[tuple[str, str], dict[int, float]] = {}
    for row in rows:
        if row["min_wage_cny_month"].strip() and row["tier"].strip():
            tiers = by_notice.setdefault((row["province_zh"], row["effective_date"]), {})
            tiers[int(row["tier"])] = float(row["min_wage_cny_month"])
    for key, tiers in by_notice.items():
        ordered = [tiers[t] for t in sorted(tiers)]
        assert ordered == sorted(ordered, reverse=True), f"{key}: tier amounts {tiers} do not fall with the tier"


def test_dev_zone_types_and_no_duplicates() -> None:
    _, rows = _read("dev_zones.csv")
    assert {r["zone_type"] for r in rows} == {"national_etdz", "national_htz"}
    keys = [(r["zone_type"], r["name_zh"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_key_eco_county_codes_are_counties_of_their_prefecture() -> None:
    _, rows = _read("key_eco_counties.csv")
    seen = set()
    for i, row in enumerate(rows, start=2):
        code = row["county_adcode"].strip()
        assert row["batch"] in {"2010", "2016"}, f"key_eco_counties.csv line {i}: batch {row['batch']!r}"
        if not code:
            assert row["flag"].strip(), f"key_eco_counties.csv line {i}: no county code and no flag"
            continue
        assert code not in seen, f"key_eco_counties.csv line {i}: county {code} listed twice"
        seen.add(code)
        pref = row["prefecture_adcode"]
        # a county's code starts with its prefecture's four digits, or is itself the unit (济源, 仙桃, 神农架)
        # (a county of 重庆 sits under the province-level city 500000)
        under = code[:4] == pref[:4] or code == pref or (pref.endswith("0000") and code[:2] == pref[:2])
        assert under, f"key_eco_counties.csv line {i}: {code} not under {pref}"


def test_flagged_designations_explain_missing_years() -> None:
    _, rows = _read("designations.csv")
    for i, row in enumerate(rows, start=2):
        if not row["year"].strip():
            assert row["flag"].strip(), f"designations.csv line {i}: empty year without a flag"


def test_key_eco_coverage_matches_the_county_list() -> None:
    """A province marked complete lists exactly its stated number of counties; every 'listed' count is true."""
    _, counties = _read("key_eco_counties.csv")
    _, coverage = _read("key_eco_coverage.csv")
    counted: dict[tuple[str, str], int] = {}
    for row in counties:
        prov = (row["county_adcode"] or row["prefecture_adcode"])[:2]
        counted[(prov, row["batch"])] = counted.get((prov, row["batch"]), 0) + 1
    for row in coverage:
        key = (row["province_adcode"][:2], row["batch"])
        assert int(row["listed"] or 0) == counted.get(key, 0), f"key_eco_coverage.csv {key}"
        if row["complete"] == "yes":
            assert row["stated_total"].strip(), f"{key}: complete without a stated total"
            assert int(row["stated_total"]) == counted.get(key, 0), f"{key}: stated total differs from the list"
