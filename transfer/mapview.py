"""Folium maps that work offline: local Leaflet, a basemap drawn from boundaries, escaped labels."""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from transfer import _basemap
from transfer import columns as C
from transfer._paths import repo_root
from transfer.escape import html_text, js_string, js_template

__all__ = [
    "HUB_STYLE",
    "LEAFLET_URL",
    "PALETTE",
    "OfflineMap",
    "base_map",
    "class_breaks",
    "colour_for",
    "compact_geojson",
    "diverging_breaks",
    "leaflet_source_dir",
    "site_map",
    "standalone_html",
    "tooltip_text",
    "vendor_leaflet",
]

# where Streamlit's static file serving exposes ./static/ (server.enableStaticServing)
LEAFLET_URL = "/app/static/vendor/leaflet"
# colour-blind-safe sequential palette (viridis, 6 classes), low -> high
PALETTE = ("#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725")
# score changes: ColorBrewer RdBu (colour-blind-safe), losses red, gains blue, the middle class "no change"
DIVERGING = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")
NO_CHANGE = 0.0005  # a score change smaller than this is shown as "no change"
NO_DATA = "#d9d9d9"
INELIGIBLE = "#bdbdbd"
# Okabe-Ito colours per hub type (colour-blind-safe)
HUB_STYLE: dict[str, tuple[str, str]] = {
    "sea_gateway": ("#0072B2", "⚓"),
    "river_port": ("#56B4E9", "⛴"),
    "cargo_airport": ("#CC79A7", "✈"),
    "crex_centre": ("#D55E00", "🚆"),
    "dry_port": ("#E69F00", "▣"),
}
INSET_WIDTH_PX = 120  # width of the 南海诸岛 inset control
INSET_SOUTH_LAT = 17.5  # with the inset, the main map's south edge (just south of 海南's 三亚)
ZONE_COLOUR = "#009E73"
ORIGIN_COLOUR = "#000000"
MODE_COLOUR = {
    "rail": "#D55E00",
    "road": "#999999",
    "waterway": "#0072B2",
    "rail_sea": "#009E73",
    "crex": "#E69F00",
    "sea": "#56B4E9",
}


def leaflet_source_dir() -> Path:
    """Folder of the packaged Leaflet 1.9.4 build (django-js-lib-leaflet ships the plain files)."""
    import js_lib_leaflet

    return Path(js_lib_leaflet.__file__).resolve().parent / "static" / "js_lib_leaflet"


def vendor_leaflet(dest: Path | None = None) -> Path:
    """Copy Leaflet's JS, CSS and images to ``static/vendor/leaflet`` (idempotent). Returns the folder."""
    target = Path(dest) if dest is not None else repo_root() / "static" / "vendor" / "leaflet"
    src = leaflet_source_dir()
    if (target / "leaflet.js").exists() and (target / "leaflet.css").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("leaflet.js", "leaflet.css"):
        shutil.copy2(src / name, target / name)
    shutil.copytree(src / "images", target / "images", dirs_exist_ok=True)
    return target


class OfflineMap(folium.Map):
    """A folium Map that loads only Leaflet, from this server (no CDN, no jQuery/Bootstrap/icon fonts)."""

    default_js = [("leaflet", f"{LEAFLET_URL}/leaflet.js")]  # noqa: RUF012  (folium's own attribute)
    default_css = [("leaflet_css", f"{LEAFLET_URL}/leaflet.css")]  # noqa: RUF012
    has_inset = False  # True once base_map added the 南海诸岛 inset (lower right)


def standalone_html(m: folium.Map) -> str:
    """Self-contained HTML of a map: Leaflet inlined, so the file opens offline anywhere."""
    src = leaflet_source_dir()
    page = m.get_root().render()
    js = (src / "leaflet.js").read_text(encoding="utf-8")
    css = (src / "leaflet.css").read_text(encoding="utf-8")
    page = page.replace(f'<script src="{LEAFLET_URL}/leaflet.js"></script>', f"<script>{js}</script>")
    page = page.replace(f'<link rel="stylesheet" href="{LEAFLET_URL}/leaflet.css"/>', f"<style>{css}</style>")
    return page


def compact_geojson(gdf: gpd.GeoDataFrame, properties: Sequence[str], *, decimals: int = 3) -> dict[str, Any]:
    """A small GeoJSON dict: rounded coordinates, only the named properties, text escaped for HTML."""
    geoms = shapely.set_precision(gdf.geometry.to_numpy(), 10.0**-decimals, mode="valid_output")
    feats = []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        props: dict[str, Any] = {}
        for p in properties:
            v = gdf[p].iloc[i]
            if isinstance(v, str):
                props[p] = html_text(v)
            elif isinstance(v, (np.floating, float)):
                props[p] = None if np.isnan(v) else round(float(v), 4)
            elif isinstance(v, (np.integer, int, bool, np.bool_)):
                props[p] = v.item() if hasattr(v, "item") else v
            elif v is None or v is pd.NA:
                props[p] = None
            else:
                props[p] = html_text(v)
        feats.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


def tooltip_text(text: str) -> str:
    """Text for a folium tooltip, which folium writes into a JavaScript template literal: see
    :func:`transfer.escape.js_template` (a backtick, ``${`` or a backslash in a name cannot end the literal or run)."""
    return js_template(text)


def class_breaks(values: pd.Series, n: int = len(PALETTE)) -> list[float]:
    """Quantile class breaks (n classes) of the finite values; empty when there are none."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return []
    qs = np.unique(np.quantile(v, np.linspace(0, 1, n + 1)))
    return [float(q) for q in qs]


def diverging_breaks(values: pd.Series, *, no_change: float = NO_CHANGE) -> list[float]:
    """Seven classes symmetric around zero: three of losses, "no change" (|v| < ``no_change``), three of gains;
    empty when nothing changes."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    top = float(v.abs().max()) if len(v) else 0.0
    if top < no_change:
        return []
    top = max(top, 3 * no_change)
    return [-top, -2 * top / 3, -top / 3, -no_change, no_change, top / 3, 2 * top / 3, top]


def colour_for(value: float | None, breaks: Sequence[float], palette: Sequence[str] = PALETTE) -> str:
    """Palette colour of a value given class breaks (NO_DATA for missing values)."""
    if value is None or not np.isfinite(value) or not breaks:
        return NO_DATA
    k = int(np.searchsorted(np.asarray(breaks[1:-1]), value, side="right"))
    idx = round(k * (len(palette) - 1) / max(len(breaks) - 2, 1))
    return palette[min(idx, len(palette) - 1)]


class _Legend(MacroElement):
    """A legend drawn as a Leaflet control (inside the map script, so it also shows in Streamlit)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: {{ this.position_json }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'transfer-legend');
                div.style.cssText = 'background:rgba(255,255,255,0.92);padding:6px 8px;font:12px sans-serif;'
                    + 'border-radius:4px;box-shadow:0 0 4px rgba(0,0,0,0.3);line-height:18px;max-width:220px';
                div.innerHTML = {{ this.html_json }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, inner_html: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.html_json = js_string(inner_html)
        self.position_json = js_string(position)


def _legend_decimals(breaks: Sequence[float]) -> int:
    """The fewest decimals (2 to 6) at which neighbouring class bounds print differently, so small score changes
    are not all labelled "-0.00 – 0.00"."""
    for dec in range(2, 7):
        shown = [round(float(b), dec) for b in breaks]
        if all(a != b for a, b in itertools.pairwise(shown)):
            return dec
    return 6


def _legend_html(
    title: str,
    breaks: Sequence[float],
    extra: Sequence[tuple[str, str]] = (),
    *,
    palette: Sequence[str] = PALETTE,
    no_change_label: str | None = None,
) -> str:
    dec = _legend_decimals(breaks)
    rows = [f"<b>{html_text(title)}</b>"]
    middle = (len(breaks) - 1) // 2 if no_change_label is not None else -1
    for i in range(len(breaks) - 1):
        colour = colour_for((breaks[i] + breaks[i + 1]) / 2, breaks, palette)
        if i == middle:
            text = html_text(no_change_label)
        elif no_change_label is not None:  # changes: signed bounds
            text = f"{breaks[i]:+.{dec}f} – {breaks[i + 1]:+.{dec}f}"
        else:
            text = f"{breaks[i]:.{dec}f} – {breaks[i + 1]:.{dec}f}"
        rows.append(
            f'<div><span style="display:inline-block;width:14px;height:12px;background:{colour};'
            f'margin-right:6px;vertical-align:middle;border:1px solid #ddd"></span>{text}</div>'
        )
    for colour, label in extra:
        rows.append(
            f'<div><span style="display:inline-block;width:14px;height:12px;background:{colour};'
            f'margin-right:6px;vertical-align:middle"></span>{html_text(label)}</div>'
        )
    return "".join(rows)


class _Inset(MacroElement):
    """The 南海诸岛 inset: an inline SVG in a fixed Leaflet control in the lower right corner."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var inset = L.control({position: 'bottomright'});
            inset.onAdd = function () {
                var div = L.DomUtil.create('div', 'transfer-scs-inset');
                div.style.cssText = 'background:#ffffff;padding:0;line-height:0;'
                    + 'box-shadow:0 0 4px rgba(0,0,0,0.3)';
                div.innerHTML = {{ this.svg_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            inset.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, svg: str) -> None:
        super().__init__()
        self._name = "SouthChinaSeaInset"
        self.svg_json = js_string(svg)


def _island_points(
    gdf: gpd.GeoDataFrame, *, max_extent_deg: float, decimals: int, min_lat: float | None = None
) -> dict[str, Any]:
    """Centres of the polygon parts smaller than ``max_extent_deg`` (one MultiPoint), so small islands stay visible;
    with ``min_lat``, only those north of it."""
    pts = set()
    for geom in gdf.geometry:
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(geom):
            x0, y0, x1, y1 = part.bounds
            if max(x1 - x0, y1 - y0) < max_extent_deg and (min_lat is None or y0 >= min_lat):
                c = part.centroid
                pts.add((round(c.x, decimals), round(c.y, decimals)))
    if not pts:
        return {"type": "FeatureCollection", "features": []}
    multi = {"type": "MultiPoint", "coordinates": [[x, y] for x, y in sorted(pts)]}
    return {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": multi}]}


def base_map(
    provinces: gpd.GeoDataFrame | None = None,
    *,
    tiles: str | None = None,
    south_china_sea: gpd.GeoDataFrame | None = None,
    inset: bool | None = None,
    lang: str = "zh",
) -> OfflineMap:
    """An empty map of China: no tiles by default, province outlines drawn from the boundary layer.

    With a national province layer (one that reaches the South China Sea islands) the map also draws the dashed
    line of the South China Sea and the customary 南海诸岛 inset in the lower right corner.

    Parameters
    ----------
    provinces
        Province polygons for the basemap (``geodata/provinces.geojson``: all 34 provincial-level units).
    tiles
        Optional online tile layer name (e.g. "OpenStreetMap"); tiles need internet access. Chinese tile
        providers (AMap, Tianditu) use GCJ-02 and would misplace WGS84 data by ~500 m.
    south_china_sea
        The inset layer (``geodata/south_china_sea.geojson``); default: the packaged file.
    inset
        Draw the dashed line and the inset: True, False, or None = when ``provinces`` is a national layer.
    lang
        Language of the inset title.
    """
    m = OfflineMap(
        location=[33.0, 106.0], zoom_start=4, tiles=tiles, control_scale=True, prefer_canvas=True, zoom_snap=0.25
    )
    root: Any = m.get_root()
    # doubled class: wins over leaflet.css whichever stylesheet comes first
    sea = f"<style>.leaflet-container.leaflet-container{{background:{_basemap.SEA_FILL}}}</style>"
    root.header.add_child(Element(sea), name="transfer_bg")
    if provinces is not None and len(provinces):
        prov = provinces.to_crs(C.WGS84) if provinces.crs is not None else provinces
        gj = compact_geojson(prov, [C.NAME_ZH, C.NAME_EN], decimals=2)
        folium.GeoJson(
            gj,
            name="Provinces",
            style_function=lambda _f: {
                "fillColor": _basemap.LAND_FILL,
                "color": _basemap.LAND_STROKE,
                "weight": 0.8,
                "fillOpacity": 1,
            },
            interactive=False,
            control=False,
        ).add_to(m)
        with_inset = bool(inset or (inset is None and _basemap.shows_south_china_sea(prov)))
        # with the inset, the South China Sea (its islands and the dashed line) is drawn there only: the main map
        # stops just south of 海南 instead of showing part of it a second time
        islands = _island_points(prov, max_extent_deg=0.05, decimals=2, min_lat=INSET_SOUTH_LAT if with_inset else None)
        if islands["features"]:
            folium.GeoJson(
                islands,
                name="Islands",
                marker=folium.CircleMarker(radius=0.8, weight=0.5, fill=True, fill_opacity=1),
                style_function=lambda _f: {"color": _basemap.LAND_STROKE, "fillColor": _basemap.LAND_STROKE},
                interactive=False,
                control=False,
            ).add_to(m)
        if with_inset:
            scs = south_china_sea if south_china_sea is not None else _basemap.load_south_china_sea()
            dash = scs[scs["kind"] == _basemap.DASH_LINE] if scs is not None else None
            # the dashes within the main view (east of 台湾) stay on the main map; the rest are in the inset
            parts = (
                []
                if dash is None
                else [p for p in shapely.get_parts(dash.geometry.to_numpy()) if p.bounds[3] > INSET_SOUTH_LAT]
            )
            if parts:
                folium.GeoJson(
                    compact_geojson(
                        gpd.GeoDataFrame(geometry=[shapely.multilinestrings(parts)], crs=C.WGS84), [], decimals=3
                    ),
                    name="South China Sea dashed line",
                    style_function=lambda _f: {"color": _basemap.DASH_COLOUR, "weight": 2.5, "lineCap": "round"},
                    interactive=False,
                    control=False,
                ).add_to(m)
            _Inset(_basemap.inset_svg(prov, scs, width_px=INSET_WIDTH_PX, lang=lang)).add_to(m)
            m.has_inset = True
    return m


def site_map(
    sites: gpd.GeoDataFrame,
    *,
    value_column: str | None = None,
    value_label: str = "score",
    tooltip_columns: Sequence[str] = (C.NAME_ZH, C.NAME_EN, C.PROVINCE),
    tooltip_labels: Sequence[str] | None = None,
    provinces: gpd.GeoDataFrame | None = None,
    bonded_zones: gpd.GeoDataFrame | None = None,
    hubs: gpd.GeoDataFrame | None = None,
    origins: gpd.GeoDataFrame | None = None,
    lines: gpd.GeoDataFrame | None = None,
    highlight: Sequence[int] = (),
    route_lines: Sequence[tuple[Any, str, str]] = (),
    layer_names: dict[str, str] | None = None,
    tiles: str | None = None,
    lang: str = "zh",
    diverging: bool = False,
) -> OfflineMap:
    """Site polygons coloured by ``value_column`` plus optional point and line layers, each toggleable.

    With ``diverging`` the values are changes: a red-blue scale symmetric around zero with a "no change" class.

    Every label is HTML-escaped: names from uploaded files show as text, never as markup. A national province
    layer adds the South China Sea dashed line and the 南海诸岛 inset (see :func:`base_map`).
    """
    names = {
        "sites": "Sites",
        "zones": "Bonded zones",
        "hubs": "Logistics hubs",
        "origins": "Origin clusters",
        "lines": "Corridors",
        "route": "Route",
        "no_data": "no data / ineligible",
        "no_change": "no change",
    }
    names.update(layer_names or {})
    m = base_map(provinces, tiles=tiles, lang=lang)
    props = [C.ADCODE, *[c for c in tooltip_columns if c != C.ADCODE]]
    if value_column is not None and value_column not in props:
        props.append(value_column)
    gj = compact_geojson(sites, props)
    palette = DIVERGING if diverging else PALETTE
    if value_column is None:
        breaks: list[float] = []
    else:
        breaks = diverging_breaks(sites[value_column]) if diverging else class_breaks(sites[value_column])
    highlight_set = {int(h) for h in highlight}

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        p = feature["properties"]
        v = p.get(value_column) if value_column else None
        fill = colour_for(v, breaks, palette) if value_column else "#9ecae1"
        chosen = p.get(C.ADCODE) in highlight_set
        return {
            "fillColor": fill,
            "color": "#d62728" if chosen else "#ffffff",
            "weight": 3 if chosen else 0.6,
            "fillOpacity": 0.85,
        }

    labels = list(tooltip_labels) if tooltip_labels is not None else list(tooltip_columns)
    fields = list(tooltip_columns)
    if value_column is not None:
        fields.append(value_column)
        labels.append(value_label)
    folium.GeoJson(
        gj,
        name=names["sites"],
        style_function=style,
        highlight_function=lambda _f: {"weight": 2.5, "color": "#222222"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[html_text(a) for a in labels], localize=True),
        zoom_on_click=False,
    ).add_to(m)

    if lines is not None and len(lines):
        fg = folium.FeatureGroup(name=names["lines"], show=True)
        for _, row in lines.iterrows():
            if row.geometry is None:
                continue
            colour = MODE_COLOUR.get(str(row.get("mode", "")), "#555555")
            coords = [(y, x) for x, y in np.asarray(row.geometry.coords)[:, :2]]
            folium.PolyLine(
                coords,
                color=colour,
                weight=2.5,
                opacity=0.8,
                tooltip=tooltip_text(f"{row.get(C.NAME_ZH, '')} {row.get(C.NAME_EN, '')} ({row.get('mode', '')})"),
            ).add_to(fg)
        fg.add_to(m)

    if bonded_zones is not None and len(bonded_zones):
        fg = folium.FeatureGroup(name=names["zones"], show=True)
        for _, row in bonded_zones.iterrows():
            folium.CircleMarker(
                (row.geometry.y, row.geometry.x),
                radius=4,
                color=ZONE_COLOUR,
                fill=True,
                fill_opacity=0.9,
                weight=1,
                tooltip=tooltip_text(f"{row[C.NAME_ZH]} · {row.get('zone_type', '')} · {row.get('approval_year', '')}"),
            ).add_to(fg)
        fg.add_to(m)

    if hubs is not None and len(hubs):
        fg = folium.FeatureGroup(name=names["hubs"], show=True)
        for _, row in hubs.iterrows():
            colour, _symbol = HUB_STYLE.get(str(row.get(C.HUB_TYPE, "")), ("#555555", "•"))
            folium.CircleMarker(
                (row.geometry.y, row.geometry.x),
                radius=6,
                color="#222222",
                weight=1.5,
                fill=True,
                fill_color=colour,
                fill_opacity=0.95,
                tooltip=tooltip_text(f"{row[C.NAME_ZH]} · {row.get(C.NAME_EN, '')} · {row.get(C.HUB_TYPE, '')}"),
            ).add_to(fg)
        fg.add_to(m)

    if origins is not None and len(origins):
        fg = folium.FeatureGroup(name=names["origins"], show=True)
        for _, row in origins.iterrows():
            folium.CircleMarker(
                (row.geometry.y, row.geometry.x),
                radius=7,
                color=ORIGIN_COLOUR,
                weight=2,
                fill=True,
                fill_color="#ffffff",
                fill_opacity=1,
                tooltip=tooltip_text(f"{row[C.NAME_ZH]} · {row.get(C.NAME_EN, '')}"),
            ).add_to(fg)
        fg.add_to(m)

    if route_lines:
        fg = folium.FeatureGroup(name=names["route"], show=True)
        for geom, colour, label in route_lines:
            if geom is None or geom.is_empty:
                continue
            for part in shapely.get_parts(geom):
                coords = [(y, x) for x, y in np.asarray(part.coords)[:, :2]]
                folium.PolyLine(coords, color=colour, weight=4, opacity=0.9, tooltip=tooltip_text(label)).add_to(fg)
        fg.add_to(m)

    if value_column is not None:
        extra = [(NO_DATA, names["no_data"])]
        # the inset holds the lower right corner; the legend then sits lower left (over the empty south-west)
        position = "bottomleft" if m.has_inset else "bottomright"
        legend = _legend_html(
            value_label, breaks, extra, palette=palette, no_change_label=names["no_change"] if diverging else None
        )
        _Legend(legend, position).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if m.has_inset:
        # the national view leaves sea to the east and south, so the 南海诸岛 inset in the lower right covers the
        # Pacific, not 台湾 or the 浙闽 coast; the south edge just below 海南 keeps the islands in the inset only
        m.fit_bounds([[INSET_SOUTH_LAT, 73.0], [54.0, 144.0]])
    else:
        m.fit_bounds([[18.0, 73.0], [53.5, 135.0]])
    return m


def main(argv: list[str] | None = None) -> int:
    """``python -m transfer.mapview vendor``: copy Leaflet into static/vendor/leaflet."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["vendor"]:
        print(f"Leaflet copied to {vendor_leaflet()}")
        return 0
    print("usage: python -m transfer.mapview vendor", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
