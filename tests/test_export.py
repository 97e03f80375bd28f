"""Tests of transfer.export: flat tables, CSV/XLSX/GeoJSON round trips, the SVG map and the one-page brief."""

from __future__ import annotations

import ast
import io
import itertools
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

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
    GEOJSON_METADATA,
    HIGHLIGHT_COLOUR,
    README_SHEET,
    ExportContext,
    brief_html,
    brief_title,
    header_names,
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
    data = to_xlsx_bytes({"toys": flat, "bad/name:[x]": flat.head(1)})
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [README_SHEET, "toys", "bad_name__x_"]
    readme = wb[README_SHEET]
    assert [[c.value for c in row] for row in readme.iter_rows()] == [
        ["项目 Item", "内容 Value"],
        ["sheet · 工作表 toys", "3 rows · 行"],
        ["sheet · 工作表 bad_name__x_", "1 rows · 行"],
    ]
    ws = wb["toys"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert ws.column_dimensions["A"].width >= 8
    back = pd.read_excel(io.BytesIO(data), sheet_name="toys", engine="openpyxl")
    pd.testing.assert_frame_equal(back, flat, check_dtype=False)
    # the escaped-looking name is stored as plain text, exactly
    assert EVIL in back[C.NAME_ZH].tolist()


def test_xlsx_keeps_formula_like_text_as_text() -> None:
    df = pd.DataFrame({"firm": ["=1+1", "ok"], '=HYPERLINK("//x")': [1, 2]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes({"firms": df})))["firms"]
    assert ws["A2"].value == "=1+1"
    assert ws["A2"].data_type == "s"
    assert (ws["B1"].value, ws["B1"].data_type) == ('=HYPERLINK("//x")', "s")  # a header from an uploaded file


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


def _context(lang: str = "zh", **fields: object) -> ExportContext:
    return ExportContext.model_validate({"scenario": "baseline", "industry": "toys", "lang": lang, **fields})


def test_brief_html(shortlist: pd.DataFrame, sites: gpd.GeoDataFrame) -> None:
    svg = static_map_svg(sites, shortlist.set_index(C.ADCODE)["score"], shortlist[C.ADCODE].tolist())
    page = brief_html(
        shortlist,
        _context(),
        title="玩具 <b>承接地</b>",
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
        shortlist_table(shortlist),
        _context("en"),
        title="Toys",
        map_html="<html><body>map & <b>x</b></body></html>",
        max_rows=2,
    )
    assert '<html lang="en">' in page and "Rank" in page
    assert "bonded zone +0.300" in page
    assert "Harbin" not in page  # max_rows
    assert 'srcdoc="&lt;html&gt;&lt;body&gt;map &amp; &lt;b&gt;x' in page
    assert 'sandbox="allow-scripts"' in page


def test_brief_html_empty_table() -> None:
    assert "没有符合条件的承接地" in brief_html(pd.DataFrame(), _context())


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
    page = brief_html(profile, ExportContext(scenario="baseline"), title="武汉市", industry_names={"toys": "玩具"})
    assert "<th>产业</th>" in page and "<th>省份</th>" not in page
    assert "玩具" in page and EVIL_ESCAPED in page and EVIL not in page
    assert "excluded: needs a comprehensive bonded zone" in page
    assert page.count('class="inel"') == 1  # the ineligible row is marked


def test_brief_template_autoescapes_every_text_from_data(shortlist: pd.DataFrame) -> None:
    table = shortlist.assign(**{C.NAME_ZH: ["<script>alert('site')</script>", "成都市", "哈尔滨市"]})
    context = _context(
        scenario="<i>scn</i>",
        industry_name="<u>ind</u>",
        origin="<s>o</s>",
        filters={"provinces": ["<em>省</em>"]},
    )
    page = brief_html(
        table,
        context,
        sources=["<a href='//evil'>src</a>"],
        notes=["<script>alert('note')</script>"],
        mark="<b>mark</b>",
    )
    # the page itself has no script at all, so any <script> would have come from data
    assert "<script" not in page.lower()
    for escaped in (
        "&lt;script&gt;alert(&#39;site&#39;)&lt;/script&gt;",
        "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;",
        "&lt;a href=&#39;//evil&#39;&gt;src&lt;/a&gt;",
        "&lt;b&gt;mark&lt;/b&gt;",
        "&lt;i&gt;scn&lt;/i&gt;",
        "&lt;u&gt;ind&lt;/u&gt;",
        "&lt;s&gt;o&lt;/s&gt;",
        "&lt;em&gt;省&lt;/em&gt;",
    ):
        assert escaped in page
    for raw in ("<b>mark</b>", "<i>scn</i>", "<u>ind</u>", "<s>o</s>", "<em>"):
        assert raw not in page


@pytest.mark.parametrize(
    ("lang", "filters", "expected"),
    [
        ("zh", {"regions": ["western"]}, "玩具承接地短名单(限西部地区)"),
        ("en", {"regions": ["western"]}, "Receiving-site shortlist: Toys (Western region only)"),
        ("zh", {"regions": ["central", "western"]}, "玩具承接地短名单(限中部、西部地区)"),
        ("en", {"provinces": ["四川省", "贵州省"]}, "Receiving-site shortlist: Toys (Sichuan, Guizhou only)"),
        ("zh", {"regions": [], "provinces": [], "top": 10}, "玩具承接地短名单"),
    ],
)
def test_brief_title_names_the_filter(shortlist: pd.DataFrame, lang: str, filters: dict, expected: str) -> None:
    context = _context(lang, industry_name="Toys" if lang == "en" else "玩具", filters=filters)
    assert brief_title(context) == expected
    page = brief_html(shortlist, context)
    assert f"<title>{expected}</title>" in page and f"<h1>{expected}</h1>" in page


def test_brief_shows_what_it_was_made_with(shortlist: pd.DataFrame) -> None:
    context = _context(
        weights_edited=True,
        origin="深圳市",
        filters={"regions": ["western"], "top": 10, "eligible_only": True},
        weights={"wage": 0.25, "labour_pool": 0.75, "eco_pressure": 0.0},
        layers_replaced=("sites",),
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    )
    page = brief_html(shortlist, context)
    for text in (
        "baseline(权重已调整)",
        "深圳市",
        "<dd>西部地区</dd>",
        "<dt>显示前 N 名</dt><dd>10</dd>",
        "<dt>仅限符合条件的承接地</dt><dd>是</dd>",
        "承接地范围",  # the replaced layer, by its label
        "2025-03-01 09:30+08:00",
        '<span class="chip">劳动力规模 0.75</span><span class="chip">工资水平 0.25</span>',
    ):
        assert text in page, text
    assert "生态约束 0.00" not in page  # a criterion left out (weight 0) is not listed as used


# what an export was made with --------------------------------------------------------------------


@pytest.fixture()
def context() -> ExportContext:
    return ExportContext(
        scenario="=western push",  # looks like a formula: must stay text everywhere
        weights_edited=True,
        industry="toys",
        lang="zh",
        filters={"regions": ["western"], "top": np.int64(10), "eligible_only": np.True_, "min_score": 0.25},
        weights={"bonded_zone": 0.5, "wage": 0.3, "labour_pool": 0.2, "eco_pressure": 0.0},
        layers_replaced=("sites",),
        created_at=datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    )


def test_context_is_typed_and_json_ready(context: ExportContext) -> None:
    assert context.filters == {"regions": ["western"], "top": 10, "eligible_only": True, "min_score": 0.25}
    assert type(context.filters["top"]) is int and type(context.filters["eligible_only"]) is bool
    doc = json.loads(json.dumps(context.as_dict()))
    assert doc["scenario"] == "=western push" and doc["weights_edited"] is True
    assert doc["weights"]["bonded_zone"] == 0.5 and doc["created_at"] == "2025-03-01T09:30:00+08:00"
    with pytest.raises(ValueError, match="unknown criterion 'wages'"):
        ExportContext(scenario="s", weights={"wages": 1.0})
    with pytest.raises(ValueError, match="negative"):
        ExportContext(scenario="s", weights={"wage": -1.0})
    with pytest.raises(ValueError, match="lang"):
        ExportContext.model_validate({"scenario": "s", "lang": "fr"})


def test_context_from_result_has_the_weights_used(result_real: ScoreResult) -> None:
    ctx = ExportContext.from_result(result_real, INDUSTRY, scenario="default", filters={"top": 5})
    assert list(ctx.weights) == list(CRITERION_IDS)
    assert sum(ctx.weights.values()) == pytest.approx(1.0)
    used = result_real.weights[result_real.industries.index(INDUSTRY)]
    assert ctx.weights == {c: pytest.approx(w) for c, w in zip(result_real.criteria, used, strict=True)}
    assert (ctx.industry, ctx.filters) == (INDUSTRY, {"top": 5})


def test_csv_with_context_has_comment_lines_pandas_skips(shortlist: pd.DataFrame, context: ExportContext) -> None:
    flat = shortlist_table(shortlist).assign(**{C.NAME_EN: ["Wuhan #1", "Chengdu", "Harbin, HLJ"]})
    data = to_csv_bytes(flat, context=context)
    text = data.decode("utf-8-sig")
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert text.startswith("# ") and head == text.splitlines()[: len(head)]
    assert "# 情景: =western push(权重已调整)" in head
    assert "# 范围: 西部地区" in head and "# 显示前 N 名: 10" in head and "# 最低得分: 0.25" in head
    assert "# 仅限符合条件的承接地: 是" in head and "# 替换的数据图层: 承接地范围" in head
    assert "# 权重:综保区/保税港区: 0.5" in head and "# 权重:劳动力规模: 0.2" in head
    assert not any("生态约束" in line for line in head)  # weight 0: not used
    back = pd.read_csv(io.BytesIO(data), comment="#", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, flat, check_dtype=False)  # a "#" inside a name survives
    # without a context the CSV stays plain
    assert not to_csv_bytes(flat).decode("utf-8-sig").startswith("#")


def test_csv_comment_lines_cannot_start_a_formula() -> None:
    context = ExportContext(scenario='x,=HYPERLINK("http://evil"), "=1+1",ok', lang="en")
    line = next(ln for ln in to_csv_bytes(pd.DataFrame({"a": [1]}), context=context).decode("utf-8-sig").splitlines())
    assert line == """# Scenario: x,'=HYPERLINK("http://evil"),' "=1+1",ok"""


def test_xlsx_about_sheet_records_the_context(shortlist: pd.DataFrame, context: ExportContext) -> None:
    data = to_xlsx_bytes({"toys": shortlist_table(shortlist, lang="zh")}, context=context)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["说明", "toys"]
    about = {row[0].value: row[1] for row in wb["说明"].iter_rows(min_row=2)}
    assert [c.value for c in next(wb["说明"].iter_rows())] == ["项目", "内容"]
    assert about["情景"].value == "=western push(权重已调整)" and about["情景"].data_type == "s"
    assert about["产业"].value == "toys" and about["范围"].value == "西部地区"
    assert about["显示前 N 名"].value == "10" and about["仅限符合条件的承接地"].value == "是"
    assert about["权重:综保区/保税港区"].value == 0.5 and about["权重:工资水平"].value == 0.3
    assert about["生成时间"].value == "2025-03-01 09:30+08:00"
    assert about["工作表:toys"].value == "3 行"
    english = context.model_copy(update={"lang": "en"})
    wb = load_workbook(io.BytesIO(to_xlsx_bytes({"t": shortlist}, context=english)))
    assert wb.sheetnames[0] == "About"
    assert [wb["About"]["A2"].value, wb["About"]["B2"].value] == ["Scenario", "=western push (weights edited)"]


def test_geojson_metadata_member_holds_the_context(
    shortlist: pd.DataFrame, sites: gpd.GeoDataFrame, context: ExportContext
) -> None:
    doc = json.loads(to_geojson_bytes(shortlist, sites, context=context))
    assert list(doc)[:2] == ["type", GEOJSON_METADATA]
    meta = doc[GEOJSON_METADATA]
    assert meta == context.as_dict()
    assert meta["filters"]["regions"] == ["western"] and meta["weights"]["wage"] == 0.3
    assert meta["scenario"] == "=western push" and meta["layers_replaced"] == ["sites"]
    assert len(gpd.read_file(io.BytesIO(json.dumps(doc).encode()))) == 3  # GIS readers ignore the member
    assert GEOJSON_METADATA not in json.loads(to_geojson_bytes(shortlist, sites))


# headers in the user's language ----------------------------------------------------------------------


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_export_headers_in_chinese_and_english(shortlist_real: pd.DataFrame) -> None:
    ids = shortlist_table(shortlist_real)
    zh = shortlist_table(shortlist_real, lang="zh")
    en = shortlist_table(shortlist_real, lang="en")
    assert zh.shape == en.shape == ids.shape
    lead = ["排名", "产业", "行政区划代码", "名称(中文)", "名称(英文)", "省份", "区域", "得分", "是否符合", "理由"]
    assert list(zh.columns[:10]) == lead
    assert list(en.columns[:4]) == ["Rank", "Industry", "Admin code", "Name (Chinese)"]
    assert "贡献:工资水平" in zh.columns and "Contribution: wage level" in en.columns
    assert all(_has_cjk(c) for c in zh.columns), [c for c in zh.columns if not _has_cjk(c)]
    assert not any(_has_cjk(c) for c in en.columns), [c for c in en.columns if _has_cjk(c)]
    assert len(set(zh.columns)) == len(zh.columns) and len(set(en.columns)) == len(en.columns)
    # the values are the same data, only the headers change
    np.testing.assert_array_equal(zh.to_numpy(), ids.to_numpy())
    # a site profile's own columns too
    profile = header_names(["position_rank", "n_eligible", "percentile", "cluster_fit", "position_score"], "en")
    assert list(profile.values()) == [
        "Position in the industry's list",
        "Eligible sites",
        "Percentile",
        "Cluster fit",
        "Position score",
    ]


def test_geojson_property_names_in_the_users_language(shortlist: pd.DataFrame, sites: gpd.GeoDataFrame) -> None:
    zh = json.loads(to_geojson_bytes(shortlist, sites, lang="zh"))["features"][0]["properties"]
    en = json.loads(to_geojson_bytes(shortlist, sites, lang="en"))["features"][0]["properties"]
    assert zh["行政区划代码"] == en["Admin code"] == 420100
    assert zh["贡献:工资水平"] == en["Contribution: wage level"] == 0.2
    assert C.ADCODE in json.loads(to_geojson_bytes(shortlist, sites))["features"][0]["properties"]


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
    page = brief_html(table, ExportContext(scenario="baseline", lang=lang), result=result_real)
    assert "TEXT ONLY" not in page
    reasons = [(r.kind, render_reason(r, lang)) for a in table[C.ADCODE] for r in result_real.reasons_for(INDUSTRY, a)]
    strengths = [text for kind, text in reasons if kind == "strength"]
    others = [text for kind, text in reasons if kind in ("weakness", "unknown")]
    assert strengths and others
    # strengths are the contribution chips already; weaknesses and unknown data are listed
    assert not any(text in page for text in strengths)
    assert any(text in page for text in others)
    # without the score result the text column is all there is
    assert "TEXT ONLY" in brief_html(table, ExportContext(scenario="baseline", lang=lang))


# every CSV and XLSX writer of the project ----------------------------------------------------------------

# Files the build steps write for the program itself to read back (public source data, never opened by a user in a
# spreadsheet): (file, function) -> why they are not defused.
BUILD_WRITERS = {
    ("transfer/network/build.py", "build_network"): "the network tables the program reads (geodata/)",
    ("transfer/geodata.py", "build"): "the city reference table the program reads (geodata/)",
    ("transfer/_census.py", "write_census"): "the census table the program reads (geodata/census.csv)",
    ("transfer/pipeline.py", "write_access_cache"): "the accessibility cache: numbers by adcode",
}
_WRITER_METHODS = {"to_csv", "to_excel"}
_WRITER_CALLS = {"writer", "DictWriter", "ExcelWriter", "Workbook"}


def _called_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _called_name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _own_nodes(func: ast.AST) -> list[ast.AST]:
    """The nodes of a function body, without those of functions defined inside it."""
    nodes, todo = [], list(ast.iter_child_nodes(func))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        nodes.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def _writers(tree: ast.AST) -> list[tuple[str, int, str]]:
    """(enclosing function, line, what) of each CSV/XLSX write that does not start from ``defused(...)``."""
    found = []
    scopes = [("<module>", tree), *((n.name, n) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]
    for scope, func in scopes:
        own = _own_nodes(func)
        defused_names = {
            target.id
            for node in own
            if isinstance(node, ast.Assign) and _called_name(node.value) == "defused"
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in own:
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node.func)
            if isinstance(node.func, ast.Attribute) and name in _WRITER_METHODS:
                receiver = node.func.value
                ok = _called_name(receiver) == "defused" and isinstance(receiver, ast.Call)
                ok = ok or (isinstance(receiver, ast.Name) and receiver.id in defused_names)
                if not ok:
                    found.append((scope, node.lineno, f".{name}() of a frame not made by defused()"))
            elif name in _WRITER_CALLS:
                found.append((scope, node.lineno, f"{name}()"))
    return sorted(found)


def test_every_csv_and_xlsx_writer_goes_through_defused() -> None:
    """Outside transfer/export/tables.py (whose writers call defused), a CSV or XLSX is written only from a frame
    made by ``defused(...)``; the build steps' own data files are listed with their reason."""
    repo = Path(__file__).resolve().parents[1]
    files = [
        repo / "app.py",
        *sorted((repo / "transfer").rglob("*.py")),
        *sorted((repo / "transfer_app").rglob("*.py")),
    ]
    files += sorted((repo / "benchmarks").rglob("*.py"))
    undefused, build = [], set()
    for path in files:
        rel = path.relative_to(repo).as_posix()
        if rel == "transfer/export/tables.py":
            continue
        for func, line, what in _writers(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, func) in BUILD_WRITERS:
                build.add((rel, func))
            else:
                undefused.append(f"{rel}:{line} in {func}(): {what}")
    assert not undefused, "write it with export.to_csv_bytes / to_xlsx_bytes, or from defused(df): " + "; ".join(
        undefused
    )
    assert build == set(BUILD_WRITERS)  # the list names only writers that exist
    # the shared writers themselves defuse
    tables = ast.parse((repo / "transfer/export/tables.py").read_text(encoding="utf-8"))
    bodies = {n.name: ast.unparse(n) for n in ast.walk(tables) if isinstance(n, ast.FunctionDef)}
    assert "defused(df) if escape_formulas" in bodies["to_csv_bytes"]
    assert "_text_cell(" in bodies["_write_sheet"] and "_text_cell(" in bodies["to_xlsx_bytes"]


def test_defusing_scan_finds_an_undefused_writer() -> None:
    tree = ast.parse(
        "def f(df):\n    df.to_csv('x.csv')\n    flat = defused(df)\n    flat.to_csv('y.csv')\n"
        "    defused(df).to_excel('z.xlsx')\n    csv.writer(open('w', 'w'))\n"
    )
    assert _writers(tree) == [("f", 2, ".to_csv() of a frame not made by defused()"), ("f", 6, "writer()")]
    assert _writers(ast.parse("def g(df):\n    def h():\n        df.to_csv('x')\n")) == [
        ("h", 3, ".to_csv() of a frame not made by defused()")
    ]
