"""transfer.escape: each helper against hostile text, then hostile names in the project's own map, brief and SVG map
opened in headless Chromium (tooltips opened): no script runs, and the names show as the text they are."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon
from test_browser import driver  # noqa: F401  (the shared headless Chromium; skips when it is missing)

from transfer import columns as C
from transfer.escape import html_attr, html_text, js_string, js_template, markdown_text
from transfer.export import ExportContext, brief_html, static_map_svg
from transfer.mapview import site_map, standalone_html

HOSTILE = (
    "<img src=x onerror=window.__pwned=1>",
    "${window.__pwned=1}",
    "`;window.__pwned=1;`",
    '"><script>window.__pwned=1</script>',
    "</script><script>window.__pwned=1</script>",
)
CODES = [110100, 120100, 130100, 140100, 150100]


# -- the helpers ------------------------------------------------------------------------------------


def test_html_text_and_attr_leave_no_markup() -> None:
    for text in HOSTILE:
        for escaped in (html_text(text), html_attr(text)):
            assert not re.search(r"[<>\"']", escaped), escaped
    assert html_text("a & b") == "a &amp; b"
    assert html_attr("`x`") == "&#96;x&#96;"
    assert html_text(410100) == "410100"


def test_js_string_is_one_literal_that_cannot_close_the_script() -> None:
    for text in (*HOSTILE, "line\u2028end", "back\\slash", "郑州 & 'quote'"):
        literal = js_string(text)
        assert json.loads(literal) == text  # the same text once the browser parses it
        assert not re.search(r"[<>&\u2028\u2029]", literal), literal
        assert literal.startswith('"') and '"' not in literal[1:-1].replace('\\"', "")


def test_js_template_cannot_end_the_literal_or_interpolate() -> None:
    for text in HOSTILE:
        escaped = js_template(text)
        assert not re.search(r"[`\\<>]|\$\{", escaped), escaped
    assert js_template("a\\b") == "a&#92;b"


def test_markdown_text_escapes_every_mark() -> None:
    assert markdown_text("[x](javascript:alert(1)) *b* $m$ <i>") == (
        r"\[x\]\(javascript\:alert\(1\)\) \*b\* \$m\$ \<i\>"
    )
    assert markdown_text("one\n# two") == r"one \# two"
    assert markdown_text("郑州市 2024") == "郑州市 2024"


# -- hostile names in the pages the project writes, in a real browser ------------------------------------


def _sites() -> gpd.GeoDataFrame:
    geoms = [Polygon([(100 + 2 * i, 30), (100 + 2 * i, 32), (102 + 2 * i, 32), (102 + 2 * i, 30)]) for i in range(5)]
    return gpd.GeoDataFrame(
        {
            C.ADCODE: CODES,
            C.NAME_ZH: list(HOSTILE),
            C.NAME_EN: [f"site {i}" for i in range(5)],
            C.PROVINCE: list(reversed(HOSTILE)),
            "score": [0.9, 0.7, 0.5, 0.3, 0.1],
        },
        geometry=geoms,
        crs=C.WGS84,
    )


def _points(**columns: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {C.NAME_ZH: list(HOSTILE), C.NAME_EN: ["x"] * 5, **columns},
        geometry=[Point(101 + 2 * i, 33 + len(columns)) for i in range(5)],
        crs=C.WGS84,
    )


def _map_page() -> str:
    sites = _sites()
    lines = gpd.GeoDataFrame(
        {C.NAME_ZH: list(HOSTILE), C.NAME_EN: ["y"] * 5, "mode": ["rail"] * 5},
        geometry=[LineString([(100 + 2 * i, 29), (102 + 2 * i, 28)]) for i in range(5)],
        crs=C.WGS84,
    )
    m = site_map(
        sites,
        value_column="score",
        value_label=HOSTILE[0],
        origins=_points(),
        hubs=_points(**{C.HUB_TYPE: ["sea_gateway"] * 5}),
        bonded_zones=_points(zone_type=list(HOSTILE), approval_year=[2010] * 5),
        lines=lines,
        route_lines=[(LineString([(100, 27), (110, 27 - i)]), "#000000", name) for i, name in enumerate(HOSTILE)],
        highlight=CODES[:2],
    )
    return standalone_html(m)


def _brief_page() -> str:
    sites = _sites()
    table = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4, 5],
            "industry": ["toys"] * 5,
            C.ADCODE: CODES,
            C.NAME_ZH: list(HOSTILE),
            C.NAME_EN: ["e"] * 5,
            C.PROVINCE: list(HOSTILE),
            "score": sites["score"],
            "eligible": True,
            "reasons": [[name] for name in HOSTILE],
        }
    )
    context = ExportContext.model_validate(
        {"scenario": HOSTILE[3], "industry": "toys", "industry_name": HOSTILE[1], "origin": HOSTILE[2]}
    )
    svg = static_map_svg(sites, sites.set_index(C.ADCODE)["score"], CODES[:3], legend_title=HOSTILE[4])
    return brief_html(
        table,
        context,
        title=HOSTILE[0],
        static_map_svg=svg,
        sources=list(HOSTILE),
        notes=list(HOSTILE),
        mark=HOSTILE[4],
    )


def _svg_page() -> str:
    sites = _sites()
    return static_map_svg(sites, sites.set_index(C.ADCODE)["score"], CODES, legend_title=HOSTILE[2])


# Opens every tooltip of every layer (a group's tooltip once per member, as a hover would) and keeps its text.
OPEN_TOOLTIPS = """
const maps = Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map).map(k => window[k]);
const shown = [];
for (const map of maps) {
    map.eachLayer(layer => {
        if (!layer.getTooltip || !layer.getTooltip()) return;
        const members = layer.getLayers ? layer.getLayers() : [layer];
        for (const member of members) {
            const at = member.getLatLng ? member.getLatLng() : member.getBounds().getCenter();
            member.fire('mouseover', {latlng: at}, true);
            const pane = map.getPane('tooltipPane');
            shown.push(pane.innerText);
            member.fire('mouseout', {latlng: at}, true);
        }
    });
}
return shown;
"""

SETTLED = """
const done = arguments[arguments.length - 1];
requestAnimationFrame(() => setTimeout(() => done(typeof window.__pwned), 300));
"""


def _load(drv: Any, path: Path, text: str) -> None:
    """Write `text` to `path`, open it, and check that no hostile name ran as script meanwhile."""
    from selenium.webdriver.support.ui import WebDriverWait

    path.write_text(text, encoding="utf-8")
    drv.get(path.as_uri())
    WebDriverWait(drv, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert drv.execute_async_script(SETTLED) == "undefined", f"a hostile name ran as script in {path.name}"


def _titles(drv: Any, selector: str) -> list[str]:
    return list(drv.execute_script(f"return [...document.querySelectorAll('{selector}')].map(t => t.textContent)"))


@pytest.mark.browser
def test_hostile_names_stay_text_in_the_map(driver: Any, tmp_path: Path) -> None:  # noqa: F811
    _load(driver, tmp_path / "map.html", _map_page())
    shown = driver.execute_script(OPEN_TOOLTIPS)
    assert driver.execute_async_script(SETTLED) == "undefined", "a hostile name ran as script in a tooltip"
    for name in HOSTILE:
        # sites, origins, hubs, zones, corridors and routes each show every name as text
        assert sum(name in tip for tip in shown) >= 6, (name, "\n".join(shown)[:2000])
    assert HOSTILE[0] in driver.execute_script("return document.querySelector('.transfer-legend').innerText")


@pytest.mark.browser
def test_hostile_names_stay_text_in_the_brief(driver: Any, tmp_path: Path) -> None:  # noqa: F811
    _load(driver, tmp_path / "brief.html", _brief_page())
    text, titles = driver.execute_script("return document.body.innerText"), _titles(driver, "svg title")
    assert all(name in text and any(name in title for title in titles) for name in HOSTILE), text
    assert driver.title.startswith(HOSTILE[0])


@pytest.mark.browser
def test_hostile_names_stay_text_in_the_svg_map(driver: Any, tmp_path: Path) -> None:  # noqa: F811
    _load(driver, tmp_path / "map.svg", _svg_page())
    titles = _titles(driver, "title")
    assert all(sum(name in title for title in titles) >= 2 for name in HOSTILE), titles  # polygon and number
    assert HOSTILE[2] in driver.execute_script("return document.querySelector('.legend').textContent")
