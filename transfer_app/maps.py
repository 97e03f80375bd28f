"""The app's explorer map: suitability polygons plus zone, hub, labour and restriction layers, all local and escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.escape import html_text
from transfer.mapview import HUB_STYLE, compact_geojson, site_map, tooltip_text
from transfer.pipeline import RunResult
from transfer.scoring import ScoreResult
from transfer_app.core import fmt_number, tr

__all__ = [
    "ZONE_STYLE",
    "KeptMap",
    "legend_chips",
    "make_map",
    "map_html_size_bytes",
    "register_component",
    "selection_layer",
    "simplified_sites",
    "site_at",
    "view_for",
]

SCORE_COLUMN = "score"
MAP_SIMPLIFY_DEG = 0.02  # ~2 km: invisible at province scale, halves the page
RESTRICTED_COLOUR = "#7f3b08"
LABOUR_COLOUR = "#5E3C99"  # violet: apart from the CR Express orange and the restricted-area brown
# Okabe-Ito colours per bonded-zone type (colour-blind-safe)
ZONE_STYLE: dict[str, str] = {
    # greens and purples, so no zone type shares a colour with a hub type (blues, pink, oranges)
    "综合保税区": "#009E73",
    "保税港区": "#1B5E20",
    "出口加工区": "#762A83",
    "保税物流园区": "#C2A5CF",
    "保税物流中心B": "#A6DBA0",
}


def site_at(sites: gpd.GeoDataFrame, lat: float, lon: float) -> int | None:
    """Adcode of the site polygon containing a clicked point, else None."""
    from shapely.geometry import Point

    pt = Point(float(lon), float(lat))
    hits = sites[sites.geometry.contains(pt)]
    if len(hits) == 0:
        return None
    return int(hits[C.ADCODE].iloc[0])


# --- map -------------------------------------------------------------------------------------------------------


def simplified_sites(sites: gpd.GeoDataFrame, *, tolerance_deg: float = MAP_SIMPLIFY_DEG) -> gpd.GeoDataFrame:
    """Site polygons simplified for the map (neighbours keep shared edges), so the page stays under 2 MB."""
    import shapely

    out = sites.copy()
    out["geometry"] = shapely.coverage_simplify(sites.geometry.to_numpy(), tolerance_deg)
    return out


def make_map(
    run: RunResult,
    result: ScoreResult,
    industry: str,
    lang: str,
    *,
    provinces: gpd.GeoDataFrame | None,
    map_sites: gpd.GeoDataFrame | None = None,
    value: pd.Series | None = None,
    value_label: str | None = None,
    highlight: Sequence[int] = (),
    diverging: bool = False,
) -> folium.Map:
    """The explorer map: sites coloured by suitability (or ``value``), zones and hubs by type, labour pool,
    restricted areas, corridors, origins, a selected site and its routes; every layer toggleable and labelled."""
    layers = run.layers
    shapes = map_sites if map_sites is not None else simplified_sites(layers.sites)
    sites = shapes[[C.ADCODE, C.NAME_ZH, C.NAME_EN, C.PROVINCE, "geometry"]].copy()
    if value is None:
        sc = result.scores.loc[industry].where(result.eligible.loc[industry])
        value = sc
        value_label = value_label or tr("legend.score", lang)
    sites[SCORE_COLUMN] = sites[C.ADCODE].map(value).astype(float)
    names = {
        "sites": tr("layer.sites", lang),
        "lines": tr("layer.corridors", lang),
        "origins": tr("layer.origins", lang),
        "route": tr("layer.route", lang),
        "no_data": tr("layer.no_data", lang),
        "no_change": tr("legend.no_change", lang),
    }
    m = site_map(
        sites,
        value_column=SCORE_COLUMN,
        value_label=value_label or "",
        tooltip_columns=(C.NAME_ZH, C.NAME_EN, C.PROVINCE),
        tooltip_labels=(tr("col.site", lang), "", tr("col.province", lang)),
        provinces=provinces,
        origins=layers.origins,
        lines=layers.corridors,
        highlight=list(highlight),
        layer_names=names,
        lang=lang,
        diverging=diverging,
    )
    # take the layer control off, add our groups, put a new control back (it lists the layers when rendered)
    for name, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[name]
    _zone_layer(layers.bonded_zones, lang).add_to(m)
    for group in _hub_layers(layers.hubs, lang):
        group.add_to(m)
    _labour_layer(run, lang).add_to(m)
    _restricted_layer(run, result, lang, sites).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    m.options["zoomSnap"] = 0.25
    return m


def selection_layer(
    shapes: gpd.GeoDataFrame, selected: int | None, route_lines: Sequence[tuple[Any, str, str]], lang: str
) -> folium.FeatureGroup:
    """The selected site's outline and its routes as one group, added to the drawn map without redrawing it."""
    import shapely

    fg = folium.FeatureGroup(name=tr("layer.route", lang))
    if selected is None:
        return fg
    sub = shapes[shapes[C.ADCODE] == int(selected)]
    if len(sub):
        folium.GeoJson(
            compact_geojson(sub, [C.NAME_ZH]),
            style_function=lambda _f: {"fillOpacity": 0.0, "color": "#d62728", "weight": 3.5},
            interactive=False,
        ).add_to(fg)
    for geom, colour, label in route_lines:
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(geom):
            coords = np.round(np.asarray(part.coords)[:, 1::-1], 4).tolist()  # (lat, lon) pairs
            folium.PolyLine(coords, color=colour, weight=5, opacity=0.9, tooltip=tooltip_text(label)).add_to(fg)
    return fg


def view_for(
    shapes: gpd.GeoDataFrame,
    selected: int | None,
    route_lines: Sequence[tuple[Any, str, str]],
    *,
    map_px: float = 480.0,
) -> tuple[tuple[float, float] | None, float | None]:
    """Centre (lat, lon) and zoom that show the selected site and its routes; (None, None) without a selection."""
    import shapely

    if selected is None:
        return None, None
    geoms = list(shapes.loc[shapes[C.ADCODE] == int(selected), "geometry"])
    geoms += [g for g, _c, _l in route_lines if g is not None and not g.is_empty]
    if not geoms:
        return None, None
    x0, y0, x1, y1 = shapely.union_all(geoms).bounds
    extent_deg = max(x1 - x0, (y1 - y0) * 1.3, 1.0) * 1.15
    zoom = float(np.clip(np.floor(4 * np.log2(map_px * 360.0 / (256.0 * extent_deg))) / 4 - 0.5, 3.0, 7.0))
    return ((y0 + y1) / 2, (x0 + x1) / 2), zoom


def _points_layer(
    points: gpd.GeoDataFrame,
    *,
    name: str,
    label: pd.Series,
    colour: pd.Series,
    radius: pd.Series,
    tip: str,
    show: bool = True,
    outline: str = "#222222",
    fill_opacity: float = 0.95,
) -> folium.FeatureGroup:
    """One GeoJson of circle markers (one element, not one per point: small page, fast render)."""
    fg = folium.FeatureGroup(name=name, show=show)
    keep = points.geometry.notna() & ~points.geometry.is_empty
    if not keep.any():
        return fg
    gdf = gpd.GeoDataFrame(
        {"label": label[keep].astype(str), "colour": colour[keep], "radius": radius[keep].astype(float)},
        geometry=points.geometry[keep],
        crs=C.WGS84,
    )
    gj = compact_geojson(gdf, ["label", "colour", "radius"], decimals=4)
    folium.GeoJson(
        gj,
        marker=folium.CircleMarker(radius=5, weight=1, color=outline, fill=True, fill_opacity=fill_opacity),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "radius": f["properties"]["radius"],
            "color": outline,
            "weight": 1,
            "fillOpacity": fill_opacity,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], aliases=[html_text(tip)], localize=True),
    ).add_to(fg)
    return fg


def _name(frame: pd.DataFrame, lang: str) -> pd.Series:
    zh = frame[C.NAME_ZH].astype(str)
    if lang == "zh" or C.NAME_EN not in frame:
        return zh
    en = frame[C.NAME_EN].fillna("").astype(str)
    return en.where(en.str.strip() != "", zh)


def _zone_layer(bz: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup:
    zt = bz[C.ZONE_TYPE].astype(str) if C.ZONE_TYPE in bz else pd.Series("", index=bz.index)
    year = pd.to_numeric(bz.get(C.APPROVAL_YEAR, pd.Series(np.nan, index=bz.index)), errors="coerce")
    label = (
        _name(bz, lang)
        + " · "
        + zt.map(lambda z: tr(f"zone.{z}", lang))
        + year.map(lambda y: "" if pd.isna(y) else f" · {int(y)}")
    )
    return _points_layer(
        bz,
        name=tr("layer.bonded_zones", lang),
        label=label,
        colour=zt.map(ZONE_STYLE).fillna("#555555"),
        radius=pd.Series(4.5, index=bz.index),
        tip=tr("legend.zone_type", lang),
        outline="#ffffff",
    )


def _hub_layers(hubs: gpd.GeoDataFrame, lang: str) -> list[folium.FeatureGroup]:
    groups = []
    for hub_type in C.HUB_TYPES:
        sub = hubs[hubs[C.HUB_TYPE].astype(str) == hub_type]
        if len(sub) == 0:
            continue
        colour, _symbol = HUB_STYLE.get(hub_type, ("#555555", ""))
        label_type = tr(f"hub.{hub_type}", lang)
        groups.append(
            _points_layer(
                sub,
                name=f"{tr('layer.hubs', lang)}: {label_type}",
                label=_name(sub, lang),
                colour=pd.Series(colour, index=sub.index),
                radius=pd.Series(6.0, index=sub.index),
                tip=label_type,
                show=hub_type != "dry_port",
            )
        )
    return groups


def _labour_layer(run: RunResult, lang: str) -> folium.FeatureGroup:
    """Proportional circles of the labour pool (radius ~ sqrt of the value; hidden by default)."""
    pool = pd.to_numeric(run.table.values["labour_pool"], errors="coerce").astype(float).dropna()
    sites = run.table.sites.reindex(pool.index)
    lon = pd.to_numeric(sites[C.LON], errors="coerce") if C.LON in sites else pd.Series(np.nan, index=pool.index)
    lat = pd.to_numeric(sites[C.LAT], errors="coerce") if C.LAT in sites else pd.Series(np.nan, index=pool.index)
    keep = (pool > 0) & lon.notna() & lat.notna()  # a replaced layer may lack a value or a point for some sites
    pool, sites = pool[keep], sites[keep]
    pts = gpd.GeoDataFrame(
        sites[[C.NAME_ZH, C.NAME_EN]],
        geometry=gpd.points_from_xy(sites[C.LON].astype(float), sites[C.LAT].astype(float)),
        crs=C.WGS84,
    )
    top = float(pool.max()) if len(pool) else 1.0
    return _points_layer(
        pts,
        name=tr("layer.labour_pool", lang),
        label=_name(pts, lang) + ": " + pool.map(fmt_number),
        colour=pd.Series(LABOUR_COLOUR, index=pts.index),
        radius=3 + 22 * np.sqrt(pool / top),
        tip=tr("legend.labour_pool", lang),
        show=False,
        outline=LABOUR_COLOUR,
        fill_opacity=0.3,
    )


def _restricted_layer(
    run: RunResult, result: ScoreResult, lang: str, map_sites: gpd.GeoDataFrame
) -> folium.FeatureGroup:
    """Sites counted as ecologically restricted: a dashed outline (no fill, so the suitability colour shows)."""
    fg = folium.FeatureGroup(name=tr("layer.restricted", lang), show=True)
    share = run.table.sites["eco_share"].astype(float)
    codes = [int(c) for c, v in share.items() if np.isfinite(v) and v > result.options.eco_restricted_share]
    if not codes:
        return fg
    shapes = map_sites if map_sites is not None else run.layers.sites
    sub = shapes[shapes[C.ADCODE].isin(codes)][[C.ADCODE, C.NAME_ZH, "geometry"]].copy()
    sub["share"] = sub[C.ADCODE].map(share).map(lambda v: f"{v:.0%}")
    folium.GeoJson(
        compact_geojson(sub, [C.NAME_ZH, "share"]),
        style_function=lambda _f: {
            "fillOpacity": 0.0,
            "color": RESTRICTED_COLOUR,
            "weight": 2.5,
            "dashArray": "6 4",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=[C.NAME_ZH, "share"], aliases=[html_text(tr(k, lang)) for k in ("col.site", "legend.restriction")]
        ),
    ).add_to(fg)
    return fg


# Appended to the map's script: the component sends a click only after a 250 ms pause for more events; a click on a
# layer of the map is sent at once instead, with the same value the pause would send (so it is not sent twice).
# Only when the click is all the component returns (returned_objects=["last_object_clicked"]).
CLICK_AT_ONCE_JS = """
;(function () {
  const init = window.initComponent;
  if (typeof init !== "function") return;
  window.initComponent = function (map, hover) {
    init(map, hover);
    const g = window.__GLOBAL_DATA__;
    if (!g || !window.Streamlit || JSON.stringify(g.returned_objects) !== '["last_object_clicked"]') return;
    const send = function (e) {
      const data = {last_object_clicked: e.latlng || null};
      g.last_object_clicked = data.last_object_clicked;
      if (JSON.stringify(g.previous_data) !== JSON.stringify(data)) {
        g.previous_data = data;
        window.Streamlit.setComponentValue(data);
      }
    };
    for (const key in map._layers) {
      const layer = map._layers[key];
      if (layer && typeof layer.on === "function") layer.on("click", send);
    }
  };
})();
"""


_PORTABLE = ("script", "header", "html", "id", "bounds", "zoom", "css_links", "js_links")


class KeptMap:
    """A folium map prepared for the browser once and drawn many times.

    Building the explorer map and turning it into the component's script takes about 1.5 s; a click or a pick only
    changes the selection layer. So the script, header, links and bounds are made here, once, and each draw sends
    them again with the selection layer of that draw. The component key is a hash of the script: the same for every
    draw, so the browser keeps the map (and a click on it) instead of mounting a new one. (The preparation follows
    what ``st_folium`` does for each call; where its helpers are missing, every draw goes through ``st_folium``.)
    """

    def __init__(self, m: folium.Map, parts: dict[str, Any] | None = None) -> None:
        import threading

        self.map = m
        self._lock = threading.Lock()  # one draw at a time: a draw adds and removes a child of the shared map
        self._parts: dict[str, Any] | None = parts
        if parts is None:
            try:
                self._parts = self._prepare(m)
            except (ImportError, AttributeError):
                self._parts = None

    def portable(self) -> dict[str, Any] | None:
        """What the browser gets of this map (script, header, html, bounds, links), for a disk cache; None when the
        map is drawn through ``st_folium``."""
        if self._parts is None:
            return None
        return {k: self._parts[k] for k in _PORTABLE}

    @classmethod
    def from_portable(cls, data: Any) -> KeptMap | None:
        """A kept map from :meth:`portable`'s output (None when it is not one). Each draw's selection layer is made on
        a blank map standing in for the original: its script names the map by the component's own id."""
        if not isinstance(data, dict) or set(data) != set(_PORTABLE):
            return None
        try:
            host = folium.Map(tiles=None)
            return cls(host, {**data, **cls._helpers()})
        except (ImportError, AttributeError):
            return None

    @staticmethod
    def _helpers() -> dict[str, Any]:
        import streamlit_folium as sf

        return {
            "component": sf._component_func,
            "feature_group_string": sf._get_feature_group_string,
            "hash": sf.generate_js_hash,
            "keys": {},  # component key -> its hash key (the hash of the ~1.4 MB script, made once per key)
        }

    @classmethod
    def _prepare(cls, m: folium.Map) -> dict[str, Any]:
        import branca
        import streamlit_folium as sf

        m.get_root().render()
        m.render()
        html_part, header = sf._get_html(m), sf._get_header(m)  # before the script: making it alters the map
        script = sf._get_map_string(m) + CLICK_AT_ONCE_JS
        (s, w), (n, e) = m.get_bounds()
        css: list[str] = []
        js: list[str] = []
        stack: list[Any] = [m]
        while stack:
            elem = stack.pop(0)
            if isinstance(elem, branca.colormap.ColorMap):
                raise AttributeError("colour maps need extra scripts: draw through st_folium")
            css += [href for _, href in getattr(elem, "default_css", [])]
            js += [src for _, src in getattr(elem, "default_js", [])]
            stack += list(getattr(elem, "_children", {}).values())
        return {
            "script": script,
            "header": header,
            "html": html_part,
            "id": sf.get_full_id(m),
            "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
            "zoom": m.options.get("zoom"),
            "css_links": list(dict.fromkeys(css)),
            "js_links": list(dict.fromkeys(js)),
            **cls._helpers(),
        }

    def show(
        self,
        *,
        key: str,
        height: int,
        returned_objects: list[str],
        feature_group: folium.FeatureGroup | None = None,
        center: tuple[float, float] | None = None,
        zoom: float | None = None,
        on_change: Any = None,
        drawn: bool = False,
    ) -> Any:
        """Draw the map with ``feature_group`` (the selection) and view. With ``drawn`` (the browser shows this map
        already, e.g. in a fragment's rerun) the script, header and links are left out: the component uses them only
        to make a new map, and a message of a few KB instead of 1.4 MB is sent."""
        import streamlit as st

        parts = self._parts
        with self._lock:
            before = set(self.map._children)
            try:
                if parts is None:
                    from streamlit_folium import st_folium

                    return st_folium(
                        self.map,
                        key=key,
                        height=height,
                        use_container_width=True,
                        returned_objects=returned_objects,
                        feature_group_to_add=feature_group,
                        center=center,
                        zoom=zoom,
                        on_change=on_change,
                    )
                group = None if feature_group is None else parts["feature_group_string"](feature_group, self.map, 0)
            finally:
                for name in set(self.map._children) - before:  # the selection layer, added for this draw
                    del self.map._children[name]
        keys = parts["keys"]
        if key not in keys:
            keys[key] = parts["hash"](parts["script"], key, False)
        hash_key = keys[key]
        page = {k: ("" if drawn else parts[k]) for k in ("script", "header", "html")}

        def changed() -> None:
            st.session_state[key] = st.session_state.get(hash_key, {})
            if on_change is not None:
                on_change()

        defaults = {"last_object_clicked": None, "bounds": parts["bounds"], "zoom": parts["zoom"]}
        return parts["component"](
            script=page["script"],
            header=page["header"],
            html=page["html"],
            id=parts["id"],
            key=hash_key,
            height=height,
            width=None,
            returned_objects=returned_objects,
            default={k: v for k, v in defaults.items() if k in returned_objects},
            zoom=zoom,
            center=center,
            feature_group=group,
            return_on_hover=False,
            layer_control=None,
            pixelated=False,
            css_links=[] if drawn else parts["css_links"],
            js_links=[] if drawn else parts["js_links"],
            on_change=changed,
            wrap_longitude=False,
        )


def register_component() -> None:
    """Register streamlit-folium's component with this server (once per process). The package registers it when it
    is first imported in a script run; imported by the warm-up at server start (:mod:`transfer_app.serve`), it was
    not, and the browser could not load the map."""
    import streamlit_folium as sf
    from streamlit import runtime
    from streamlit.components.v1.component_registry import ComponentRegistry

    if not runtime.exists():
        return
    component = sf._component_func
    registry = ComponentRegistry.instance()
    if registry.get_component(component.name) is None:
        registry.register_component(component)


def map_html_size_bytes(m: folium.Map) -> int:
    """Size of the map's rendered HTML (what the browser receives) in bytes."""
    return len(m.get_root().render().encode("utf-8"))


def legend_chips(lang: str) -> str:
    """HTML legend of hub and zone colours (labels escaped) shown under the map."""

    def chip(colour: str, label: str, *, round_: bool = True) -> str:
        radius = "50%" if round_ else "2px"
        return (
            f'<span style="display:inline-block;width:11px;height:11px;border-radius:{radius};background:{colour};'
            f'border:1px solid #333;margin:0 4px 0 10px;vertical-align:middle"></span>{html_text(label)}'
        )

    hubs = "".join(chip(HUB_STYLE[h][0], tr(f"hub.{h}", lang)) for h in C.HUB_TYPES if h in HUB_STYLE)
    zones = "".join(chip(c, tr(f"zone.{z}", lang)) for z, c in ZONE_STYLE.items())
    extra = chip(RESTRICTED_COLOUR, tr("layer.restricted", lang), round_=False) + chip(
        LABOUR_COLOUR, tr("layer.labour_pool", lang)
    )
    return (
        f'<div style="font-size:0.8rem;line-height:1.6"><b>{html_text(tr("map.legend_hubs", lang))}</b>{hubs}<br>'
        f"<b>{html_text(tr('map.legend_zones', lang))}</b>{zones}<br>{extra}</div>"
    )
