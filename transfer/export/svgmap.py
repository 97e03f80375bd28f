"""The static SVG map of the brief: site polygons coloured by value, shortlisted sites outlined and numbered."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from transfer import _basemap
from transfer import columns as C
from transfer.errors import LayerError
from transfer.escape import html_attr, html_text
from transfer.export.tables import _display_width, _sites_by_adcode
from transfer.i18n import t
from transfer.mapview import NO_DATA, class_breaks, colour_for

__all__ = ["FONT_STACK", "HIGHLIGHT_COLOUR", "static_map_svg"]

# outline of shortlisted sites, the same red as the interactive map
HIGHLIGHT_COLOUR = "#d62728"
# Latin fonts first, then CJK (the usual order on Chinese government and news sites); all local, none fetched
# (family names unquoted, which CSS allows for names made of plain words: the stack goes into an attribute and into
# the brief's style sheet as it is, with nothing to escape)
FONT_STACK = (
    "Helvetica Neue, Arial, Liberation Sans, PingFang SC, Microsoft YaHei, Noto Sans CJK SC, "
    "Source Han Sans SC, Hiragino Sans GB, WenQuanYi Micro Hei, sans-serif"
)


class _Projection:
    """Equirectangular projection with the x axis scaled by cos(mid latitude), fitted to a pixel box."""

    def __init__(self, bounds: Sequence[float], width_px: float, *, pad_frac: float = 0.02) -> None:
        x0, y0, x1, y1 = (float(b) for b in bounds)
        px, py = (x1 - x0) * pad_frac, (y1 - y0) * pad_frac
        self.x0, self.y0, self.x1, self.y1 = x0 - px, y0 - py, x1 + px, y1 + py
        self.kx = math.cos(math.radians((self.y0 + self.y1) / 2))
        self.scale = width_px / ((self.x1 - self.x0) * self.kx)
        self.width = width_px
        self.height = (self.y1 - self.y0) * self.scale

    def xy(self, coords: np.ndarray) -> np.ndarray:
        x = (coords[:, 0] - self.x0) * self.kx * self.scale
        y = (self.y1 - coords[:, 1]) * self.scale
        return np.column_stack([x, y])


def _path_d(geom: Any, proj: _Projection) -> str:
    parts = []
    for poly in shapely.get_parts(geom):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            pts = proj.xy(np.asarray(ring.coords)[:, :2])
            if len(pts) < 3:
                continue
            body = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts[:-1])
            parts.append(f"M{body}Z")
    return "".join(parts)


def _fmt_break(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 100 else f"{value:,.0f}"


def static_map_svg(
    sites_gdf: gpd.GeoDataFrame,
    values: pd.Series,
    highlight: Sequence[int],
    provinces_gdf: gpd.GeoDataFrame | None = None,
    *,
    width_px: int = 760,
    legend_title: str | None = None,
    lang: str = "zh",
    name_column: str | None = None,
    south_china_sea: gpd.GeoDataFrame | None = None,
    inset: bool | None = None,
) -> str:
    """A static map as plain SVG: site polygons coloured by value, shortlisted sites outlined and numbered.

    With a national province layer (all 34 provincial-level units, reaching the South China Sea islands) the map
    shows the whole national frame with the South China Sea dashed line and the customary 南海诸岛 inset in the
    lower right corner; the legend then moves to the lower left.

    The colours and class breaks are those of the interactive map (:mod:`transfer.mapview`); the projection is
    equirectangular with longitudes scaled by the cosine of the middle latitude. Names appear only as escaped
    ``<title>`` text, so markup in a name shows as text.

    Parameters
    ----------
    sites_gdf
        Site polygons with an ``adcode`` column or index and a CRS.
    values
        Value per site, indexed by adcode (e.g. one industry's scores); NaN or absent = no data / ineligible.
    highlight
        Adcodes of shortlisted sites in rank order; each gets its rank as a label.
    provinces_gdf
        Province polygons drawn underneath as a basemap (optional).
    width_px
        Width of the drawing in SVG units; the height follows the projection.
    legend_title
        Legend heading (default: the translated "suitability score").
    lang
        Language of the legend texts.
    name_column
        Site column used in tooltips (default name_zh for "zh", name_en otherwise).
    south_china_sea
        The inset layer (``geodata/south_china_sea.geojson``); default: the packaged file.
    inset
        Draw the national frame, the dashed line and the inset: True, False, or None = when ``provinces_gdf`` is a
        national layer.
    """
    sites = _sites_by_adcode(sites_gdf)
    sites = sites[sites.geometry.notna() & ~sites.geometry.is_empty]
    if sites.empty:
        raise LayerError("the site layer has no geometry to draw", where="sites", fix="pass the site polygons")
    prov = None
    if provinces_gdf is not None and len(provinces_gdf):
        prov = provinces_gdf.to_crs(C.WGS84) if provinces_gdf.crs is not None else provinces_gdf
    national = prov is not None and bool(inset or (inset is None and _basemap.shows_south_china_sea(prov)))
    bounds = sites.total_bounds
    scs = None
    if national:
        scs = south_china_sea if south_china_sea is not None else _basemap.load_south_china_sea()
        mx0, my0, mx1, my1 = _basemap.MAIN_BOUNDS
        bounds = np.array([min(bounds[0], mx0), min(bounds[1], my0), max(bounds[2], mx1), max(bounds[3], my1)])
    proj = _Projection(bounds, width_px, pad_frac=0.0 if national else 0.02)
    tol = 0.6 / (proj.scale * proj.kx)  # about half a pixel, in degrees
    vals = pd.to_numeric(pd.Series(values), errors="coerce")
    vals.index = pd.to_numeric(vals.index, errors="coerce")
    vals = vals[vals.index.notna()]
    vals.index = vals.index.astype("int64")
    site_vals = vals.reindex(sites.index)
    breaks = class_breaks(site_vals)
    name_col = name_column or (C.NAME_ZH if lang == "zh" else C.NAME_EN)
    if name_col not in sites.columns:
        name_col = C.NAME_ZH if C.NAME_ZH in sites.columns else ""
    w, h = proj.width, proj.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" '
        f'width="{w:.0f}" height="{h:.0f}" '
        f'role="img" class="static-map" font-family="{html_attr(FONT_STACK)}">',
        f"<title>{html_text(legend_title or t('legend.score', lang))}</title>",
        f'<rect x="0" y="0" width="{w:.0f}" height="{h:.0f}" fill="#eef3f7"/>',
    ]
    if prov is not None:
        clipped = shapely.clip_by_rect(prov.geometry.to_numpy(), proj.x0, proj.y0, proj.x1, proj.y1)
        simple = shapely.simplify(clipped, tol, preserve_topology=True)
        out.append(
            f'<g fill="{_basemap.LAND_FILL}" stroke="{_basemap.LAND_STROKE}" stroke-width="0.6" '
            'stroke-linejoin="round">'
        )
        dots: list[tuple[float, float]] = []
        for g in simple:
            if g is not None and not g.is_empty:
                d, small = _basemap.polygon_paths([g], proj, dot_px=1.5)
                dots.extend(small)
                if d:
                    out.append(f'<path d="{d}"/>')
        out.append("</g>")
        out.append(_basemap.island_dots_svg(dots, r=0.8))
        if national:
            frame = (proj.x0, proj.y0, proj.x1, proj.y1)
            out.append(_basemap.dash_line_svg(_basemap.dash_line_path(scs, proj, frame), width=1.8))
    simple_sites = shapely.simplify(sites.geometry.to_numpy(), tol, preserve_topology=True)
    out.append('<g stroke="#ffffff" stroke-width="0.4" stroke-linejoin="round" fill-rule="evenodd">')
    for code, geom, v in zip(sites.index, simple_sites, site_vals.to_numpy(), strict=True):
        d = _path_d(geom, proj)
        if not d:
            continue
        fill = colour_for(float(v), breaks) if np.isfinite(v) else NO_DATA
        label = str(sites.at[code, name_col]) if name_col else str(code)
        shown = f"{label}: {v:.3f}" if np.isfinite(v) else label
        out.append(f'<path d="{d}" fill="{fill}"><title>{html_text(shown)}</title></path>')
    out.append("</g>")
    ranks = [int(a) for a in highlight if int(a) in sites.index]
    if ranks:
        out.append(f'<g fill="none" stroke="{HIGHLIGHT_COLOUR}" stroke-width="1.8" stroke-linejoin="round">')
        for code in ranks:
            d = _path_d(shapely.simplify(sites.geometry.at[code], tol, preserve_topology=True), proj)
            if d:
                out.append(f'<path d="{d}"/>')
        out.append("</g>")
        out.append('<g font-size="10" font-weight="700" text-anchor="middle">')
        for r, code in reversed(list(enumerate(ranks, start=1))):
            geom = sites.geometry.at[code]
            pt = proj.xy(np.asarray(geom.representative_point().coords)[:, :2])[0]
            label = html_text(sites.at[code, name_col] if name_col else code)
            out.append(
                f"<g><title>{r}. {label}</title>"
                f'<circle cx="{pt[0]:.1f}" cy="{pt[1]:.1f}" r="7.5" fill="#ffffff" '
                f'stroke="{HIGHLIGHT_COLOUR}" stroke-width="1.5"/>'
                f'<text x="{pt[0]:.1f}" y="{pt[1] + 3.5:.1f}" fill="#1a1a1a">{r}</text></g>'
            )
        out.append("</g>")
    if national and prov is not None:
        iw = round(w * 0.18)
        ih = iw * _basemap.inset_aspect()
        out.append(_basemap.inset_svg(prov, scs, width_px=iw, lang=lang, x=w - iw - 6, y=h - ih - 6))
    out.append(
        _svg_legend(
            breaks,
            w,
            h,
            title=legend_title or t("legend.score", lang),
            lang=lang,
            with_highlight=bool(ranks),
            left=national,
        )
    )
    out.append("</svg>")
    return "".join(out)


def _svg_legend(
    breaks: Sequence[float], w: float, h: float, *, title: str, lang: str, with_highlight: bool, left: bool = False
) -> str:
    rows: list[tuple[str, str, str]] = []  # (fill, stroke, label)
    for i in range(len(breaks) - 1):
        colour = colour_for((breaks[i] + breaks[i + 1]) / 2, breaks)
        rows.append((colour, "none", f"{_fmt_break(breaks[i])} – {_fmt_break(breaks[i + 1])}"))
    rows.append((NO_DATA, "none", t("layer.no_data", lang)))
    if with_highlight:
        rows.append(("#ffffff", HIGHLIGHT_COLOUR, t("legend.shortlisted", lang)))
    line = 15.0
    box_w = 12 + 8 * max(_display_width(title), *(_display_width(r[2]) for r in rows)) * 0.75 + 26
    box_w = min(box_w, w * 0.45)
    box_h = 22 + line * len(rows) + 4
    x, y = (8 if left else w - box_w - 8), h - box_h - 8
    parts = [
        f'<g class="legend" font-size="10.5"><rect x="{x:.1f}" y="{y:.1f}" width="{box_w:.1f}" '
        f'height="{box_h:.1f}" rx="3" fill="#ffffff" fill-opacity="0.94" stroke="#c8c8c8" '
        'stroke-width="0.6"/>',
        f'<text x="{x + 8:.1f}" y="{y + 15:.1f}" font-weight="700">{html_text(title)}</text>',
    ]
    for i, (fill, stroke, label) in enumerate(rows):
        yy = y + 22 + i * line
        sw = "1.6" if stroke != "none" else "0"
        parts.append(
            f'<rect x="{x + 8:.1f}" y="{yy + 1:.1f}" width="14" height="10" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{sw}"/><text x="{x + 28:.1f}" y="{yy + 10:.1f}">{html_text(label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)
