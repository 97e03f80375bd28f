"""Exports: flat tables, CSV, XLSX, GeoJSON, a static SVG map and a printable one-page HTML brief."""

from __future__ import annotations

import html
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from transfer import _basemap
from transfer import columns as C
from transfer.errors import LayerError
from transfer.i18n import criterion_label, t
from transfer.industries import CRITERION_IDS
from transfer.mapview import NO_DATA, class_breaks, colour_for

__all__ = [
    "CONTRIB_PREFIX",
    "HIGHLIGHT_COLOUR",
    "brief_html",
    "shortlist_table",
    "static_map_svg",
    "to_csv_bytes",
    "to_geojson_bytes",
    "to_xlsx_bytes",
]

# prefix of the per-criterion contribution columns in flat exports (contrib_<criterion id>)
CONTRIB_PREFIX = "contrib_"
# outline of shortlisted sites, the same red as the interactive map
HIGHLIGHT_COLOUR = "#d62728"
REASON_SEP = "; "
# a strength as transfer.scoring.ScoreResult.explain writes it in either language, "(0.87 × weight 0.20 = +0.175)"
# or "（0.87 × 权重 0.20 = +0.175）"; the brief shows strengths as contribution chips already
_STRENGTH = re.compile(r"×\s*(?:weight|权重)\s*[\d.]+\s*=\s*\+")
README_SHEET = "说明 README"
_LEAD_COLUMNS = (
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
)
# Latin fonts first, then CJK (the usual order on Chinese government and news sites); all local, none fetched
_FONT_STACK = (
    '"Helvetica Neue", Arial, "Liberation Sans", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif'
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_XLSX_BAD = re.compile(r"[\[\]:*?/\\]")


# flat tables -----------------------------------------------------------------------------------------


def shortlist_table(df: pd.DataFrame) -> pd.DataFrame:
    """Flat export form of a shortlist or site profile.

    Reasons (a list per row) are joined with ``"; "``; contributions (a dict per row) become one column
    per criterion, ``contrib_<criterion id>``, in the order of :data:`transfer.industries.CRITERION_IDS`.
    Columns come in a stable order: rank, industry, adcode, names, province, region, score, eligible,
    reasons, any others, then the contributions. A flat frame passes through unchanged in content.

    Parameters
    ----------
    df
        A frame from ``ScoreResult.shortlist`` or ``ScoreResult.site_profile`` (or its flat form).
    """
    out = df.copy()
    if "reasons" in out:
        out["reasons"] = [_join_reasons(v) for v in out["reasons"]]
    contrib_cols: list[str] = [c for c in out.columns if str(c).startswith(CONTRIB_PREFIX)]
    if "contributions" in out:
        dicts = [v if isinstance(v, Mapping) else {} for v in out["contributions"]]
        keys = [c for c in CRITERION_IDS if any(c in d for d in dicts)]
        keys += sorted({k for d in dicts for k in d} - set(keys))
        for k in keys:
            out[CONTRIB_PREFIX + k] = [float(d[k]) if k in d else np.nan for d in dicts]
        out = out.drop(columns="contributions")
        contrib_cols = [CONTRIB_PREFIX + k for k in keys] + [c for c in contrib_cols if c[8:] not in keys]
    lead = [c for c in _LEAD_COLUMNS if c in out.columns]
    rest = [c for c in out.columns if c not in lead and c not in contrib_cols]
    return out[lead + rest + contrib_cols].reset_index(drop=True)


def _join_reasons(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return REASON_SEP.join(str(v) for v in value)


def _split_reasons(value: Any) -> list[str]:
    if isinstance(value, str):
        return [r for r in value.split(REASON_SEP) if r]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [str(v) for v in value]


def _is_text(col: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)


def _flat_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Lists become "; "-joined text and dicts JSON, so every cell is a scalar."""
    out = df.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = [
                _join_reasons(v)
                if isinstance(v, (list, tuple))
                else json.dumps(v, ensure_ascii=False)
                if isinstance(v, Mapping)
                else v
                for v in out[col]
            ]
    return out


def _defuse_formula(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (plain numbers stay)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def to_csv_bytes(df: pd.DataFrame, *, escape_formulas: bool = True) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.

    Parameters
    ----------
    df
        Any frame; list cells are joined with "; " and dict cells written as JSON.
    escape_formulas
        Prefix text cells starting with ``= + - @`` (other than plain numbers) with ``'`` so a
        spreadsheet shows names from uploaded files as text instead of running them as formulas.
    """
    flat = _flat_cells(df)
    if escape_formulas:
        for col in flat.columns:
            if _is_text(flat[col]):
                flat[col] = [_defuse_formula(v) for v in flat[col]]
    return flat.to_csv(index=False).encode("utf-8-sig")


# XLSX ------------------------------------------------------------------------------------------------


def _sheet_names(names: Sequence[str]) -> list[str]:
    used: set[str] = {README_SHEET.lower()}
    out = []
    for name in names:
        base = _XLSX_BAD.sub("_", str(name)).strip("'") or "Sheet"
        cand = base[:31]
        n = 2
        while cand.lower() in used:
            suffix = f" ({n})"
            cand = base[: 31 - len(suffix)] + suffix
            n += 1
        used.add(cand.lower())
        out.append(cand)
    return out


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _write_sheet(ws: Any, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF2")
    columns = [str(c) for c in frame.columns]
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=name)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center")
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            if cell.data_type == "f":
                # text from data that looks like a formula is kept as text, never run
                cell.data_type = "s"
    for j, name in enumerate(columns, start=1):
        sample = [name, *(str(v) for v in frame.iloc[:200, j - 1].tolist() if v is not None)]
        width = max(_display_width(s) for s in sample) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), 60)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 1)}"


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], *, meta: Mapping[str, str] | None = None) -> bytes:
    """An Excel workbook: a "说明 README" sheet first, then one sheet per frame.

    Each data sheet has a bold, frozen header row with a filter and column widths fitted to the content
    (CJK characters count double). List and dict cells are written as text; text that looks like a
    formula stays text.

    Parameters
    ----------
    sheets
        Sheet name -> frame. Names are cut to Excel's 31 characters, characters Excel forbids become "_".
    meta
        Lines for the README sheet: scenario, date, data sources, notes ... (key -> text).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    names = _sheet_names(list(sheets))
    rows: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (meta or {}).items()]
    for n, df in zip(names, sheets.values(), strict=True):
        rows.append((f"sheet · 工作表 {n}", f"{len(df)} rows · 行"))
    readme.cell(row=1, column=1, value="项目 Item").font = Font(bold=True)
    readme.cell(row=1, column=2, value="内容 Value").font = Font(bold=True)
    for i, (k, v) in enumerate(rows, start=2):
        readme.cell(row=i, column=1, value=k).font = Font(bold=True)
        cell = readme.cell(row=i, column=2, value=v)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if cell.data_type == "f":
            cell.data_type = "s"
    readme.column_dimensions["A"].width = min(max([_display_width(k) for k, _ in rows] + [10]) + 2, 40)
    readme.column_dimensions["B"].width = 100
    readme.freeze_panes = "A2"
    for name, frame in zip(names, sheets.values(), strict=True):
        _write_sheet(wb.create_sheet(title=name), _flat_cells(frame))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# GeoJSON ---------------------------------------------------------------------------------------------


def _sites_by_adcode(sites_gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if C.ADCODE in sites_gdf.columns:
        g = sites_gdf.set_index(C.ADCODE)
    elif sites_gdf.index.name == C.ADCODE:
        g = sites_gdf
    else:
        raise LayerError(
            "the site layer has no adcode column or index",
            where="sites",
            fix="pass the site layer with its 'adcode' column (transfer.layers.load_default().sites)",
        )
    if g.crs is None:
        raise LayerError(
            "the site layer has no coordinate reference system",
            where="sites",
            fix="set one, e.g. gdf.set_crs('EPSG:4326') for longitude/latitude degrees",
        )
    g = g.to_crs(C.WGS84)
    g.index = g.index.astype("int64")
    return g[~g.index.duplicated()]


def _orient_ccw(geoms: np.ndarray) -> np.ndarray:
    """Exterior rings counterclockwise, holes clockwise (RFC 7946 section 3.1.6)."""
    if hasattr(shapely, "orient_polygons"):
        return np.asarray(shapely.orient_polygons(geoms, exterior_cw=False))
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.geometry.polygon import orient

    out = []
    for g in geoms:
        if isinstance(g, Polygon):
            g = orient(g, 1.0)
        elif isinstance(g, MultiPolygon):
            g = MultiPolygon([orient(p, 1.0) for p in g.geoms])
        out.append(g)
    return np.asarray(out, dtype=object)


def _json_value(value: Any) -> Any:
    v = _cell_value(value)
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def to_geojson_bytes(df: pd.DataFrame, sites_gdf: gpd.GeoDataFrame, *, decimals: int = 6) -> bytes:
    """Shortlist rows joined to site geometry (polygons or points) as an RFC 7946 FeatureCollection.

    Coordinates are WGS84 longitude/latitude (no ``crs`` member), rounded to ``decimals``; polygon
    exterior rings run counterclockwise. Rows whose adcode is not in ``sites_gdf`` get
    ``"geometry": null``. Properties are the columns of :func:`shortlist_table`.

    Parameters
    ----------
    df
        A shortlist (``ScoreResult.shortlist``) or its flat form; needs an ``adcode`` column.
    sites_gdf
        Site geometries with an ``adcode`` column or index and a CRS (any; converted to WGS84).
    decimals
        Decimal places of the coordinates (6 = about 0.1 m).
    """
    if C.ADCODE not in df.columns:
        raise LayerError("the table has no adcode column", where="export", fix="export a shortlist of sites")
    flat = shortlist_table(df)
    sites = _sites_by_adcode(sites_gdf)
    codes = pd.to_numeric(flat[C.ADCODE], errors="coerce")
    geoms = np.asarray([sites.geometry.get(int(a)) if pd.notna(a) else None for a in codes], dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms])
    if present.any():
        fixed = shapely.transform(geoms[present], lambda xy: np.round(xy, decimals))
        geoms[present] = _orient_ccw(np.asarray(fixed, dtype=object))
    features = []
    for rec, geom in zip(flat.to_dict(orient="records"), geoms, strict=True):
        props = {str(k): _json_value(v) for k, v in rec.items()}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": shapely.geometry.mapping(geom) if geom is not None and not geom.is_empty else None,
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


# static SVG map --------------------------------------------------------------------------------------


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
        f'role="img" class="static-map" font-family="{html.escape(_FONT_STACK, quote=True)}">',
        f"<title>{html.escape(legend_title or t('legend.score', lang))}</title>",
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
        out.append(f'<path d="{d}" fill="{fill}"><title>{html.escape(shown)}</title></path>')
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
            label = html.escape(str(sites.at[code, name_col]) if name_col else str(code))
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
        f'<text x="{x + 8:.1f}" y="{y + 15:.1f}" font-weight="700">{html.escape(title)}</text>',
    ]
    for i, (fill, stroke, label) in enumerate(rows):
        yy = y + 22 + i * line
        sw = "1.6" if stroke != "none" else "0"
        parts.append(
            f'<rect x="{x + 8:.1f}" y="{yy + 1:.1f}" width="14" height="10" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{sw}"/><text x="{x + 28:.1f}" y="{yy + 10:.1f}">{html.escape(label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


# one-page brief ----------------------------------------------------------------------------------------

_CSS = """
@page { size: A4 portrait; margin: 11mm 12mm 12mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #e9ecef; color: #1d2327; font-family: __FONT__;
       font-size: 9pt; line-height: 1.35; }
.page { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 11mm 12mm 12mm; background: #fff;
        box-shadow: 0 1px 6px rgba(0,0,0,.18); }
header { border-bottom: 2.5px solid #2a788e; padding-bottom: 2.5mm; margin-bottom: 3mm; display: flex;
         justify-content: space-between; align-items: flex-end; gap: 6mm; }
header h1 { font-size: 16pt; margin: 0 0 1mm; font-weight: 700; color: #13343b; letter-spacing: .02em; }
header .subtitle { font-size: 9pt; color: #4a5a60; margin: 0; }
header .mark { font-size: 7.5pt; color: #6b7a80; text-align: right; white-space: nowrap; }
h2 { font-size: 10.5pt; margin: 3mm 0 1.5mm; color: #13343b; border-left: 3px solid #2a788e;
     padding-left: 2mm; }
.map { margin: 0; text-align: center; break-inside: avoid; page-break-inside: avoid; }
.map svg { width: 100%; height: auto; max-height: 92mm; display: block; margin: 0 auto; }
.map iframe { width: 100%; height: 110mm; border: 1px solid #d0d7da; }
table { width: 100%; border-collapse: collapse; font-size: 8pt; }
thead { display: table-header-group; }
th { background: #e8eef2; color: #13343b; text-align: left; font-weight: 700; padding: 1.2mm 1.5mm;
     border-bottom: 1px solid #9fb3bb; white-space: nowrap; }
td { padding: 1mm 1.5mm; border-bottom: .5px solid #dde3e6; vertical-align: top; }
tr { break-inside: avoid; page-break-inside: avoid; }
tbody tr:nth-child(even) td { background: #f7f9fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.rank { text-align: center; font-weight: 700; color: #2a788e; width: 8mm; }
td.name, td.prov { white-space: nowrap; }
td.name .alt { display: block; color: #6b7a80; font-size: 7pt; }
td.reasons { font-size: 7pt; color: #3a474c; }
td.reasons ul { margin: 0; padding-left: 3mm; }
.chip { display: inline-block; white-space: nowrap; margin: 0 1mm .4mm 0; padding: 0 1.2mm;
        border-radius: 2px; background: #e4f1ef; color: #184e44; font-size: 7pt; }
.bar { display: inline-block; height: 2mm; background: #2a788e; vertical-align: middle; margin-left: 1mm; }
.inel { color: #b42318; font-weight: 700; }
footer { margin-top: 3mm; border-top: 1px solid #c8d2d6; padding-top: 1.5mm; font-size: 7pt; color: #4a5a60;
         display: grid; grid-template-columns: 1fr 1fr; gap: 4mm;
         break-inside: avoid; page-break-inside: avoid; }
footer h3 { font-size: 7.5pt; margin: 0 0 .8mm; color: #13343b; }
footer ul { margin: 0; padding-left: 3.5mm; }
footer li { margin-bottom: .4mm; }
.common { font-size: 7pt; color: #3a474c; margin-top: 1.2mm; }
.common ul { display: inline; margin: 0; padding: 0; list-style: none; }
.common li { display: inline; margin-left: 1.5mm; }
.empty { color: #6b7a80; font-style: italic; }
@media print {
  body { background: #fff; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
""".replace("__FONT__", _FONT_STACK)


def _top_contributions(row: Mapping[str, Any], lang: str, n: int) -> list[tuple[str, float]]:
    contrib: dict[str, float] = {}
    raw = row.get("contributions")
    if isinstance(raw, Mapping):
        contrib = {str(k): float(v) for k, v in raw.items()}
    else:
        for k, v in row.items():
            if str(k).startswith(CONTRIB_PREFIX) and v is not None and np.isfinite(float(v)):
                contrib[str(k)[len(CONTRIB_PREFIX) :]] = float(v)
    ranked = sorted(((v, k) for k, v in contrib.items() if v > 0), reverse=True)[:n]
    return [(criterion_label(k, lang, short=True), v) for v, k in ranked]


def _row_reasons(table: pd.DataFrame, *, skip_strengths: bool) -> tuple[list[list[str]], list[str]]:
    """Reasons per row, and the reasons shared by every row (shown once, under the table)."""
    per_row = [_split_reasons(v) for v in table["reasons"]] if "reasons" in table.columns else []
    shared: list[str] = []
    common: set[str] = set()
    if len(per_row) > 1:
        common = set(per_row[0]).intersection(*per_row[1:])
        shared = [r for r in per_row[0] if r in common]
        if skip_strengths:
            shared = [r for r in shared if not _STRENGTH.search(r)]
    out = []
    for reasons in per_row:
        kept = [r for r in reasons if r not in common] if len(per_row) > 1 else list(reasons)
        if skip_strengths:
            # strengths are shown as the contribution chips already
            kept = [r for r in kept if not _STRENGTH.search(r)]
        out.append(kept)
    return out, shared


def _table_html(
    table: pd.DataFrame,
    *,
    lang: str,
    max_rows: int,
    reasons_per_row: int,
    industry_names: Mapping[str, str],
) -> str:
    if table.empty:
        return f'<p class="empty">{html.escape(t("brief.no_rows", lang))}</p>'
    by_site = C.NAME_ZH in table.columns or C.NAME_EN in table.columns
    primary, secondary = (C.NAME_ZH, C.NAME_EN) if lang == "zh" else (C.NAME_EN, C.NAME_ZH)
    has_contrib = "contributions" in table.columns or any(str(c).startswith(CONTRIB_PREFIX) for c in table.columns)
    table = table.head(max_rows).reset_index(drop=True)
    row_reasons, shared = _row_reasons(table, skip_strengths=has_contrib)
    show_reasons = any(row_reasons)
    scores = pd.to_numeric(table.get("score", pd.Series(dtype=float)), errors="coerce")
    top_score = float(scores.max()) if scores.notna().any() else 1.0
    head = [
        f'<th class="num">{html.escape(t("col.rank", lang))}</th>',
        f"<th>{html.escape(t('col.site' if by_site else 'col.industry', lang))}</th>",
    ]
    if by_site and C.PROVINCE in table.columns:
        head.append(f"<th>{html.escape(t('col.province', lang))}</th>")
    head.append(f'<th class="num">{html.escape(t("col.score", lang))}</th>')
    if has_contrib:
        head.append(f"<th>{html.escape(t('col.top_contributions', lang))}</th>")
    if show_reasons:
        head.append(f"<th>{html.escape(t('col.reasons', lang))}</th>")
    body = []
    for k, (_, row) in enumerate(table.iterrows(), start=1):
        rec = row.to_dict()
        rank = rec.get("rank", k)
        cells = [f'<td class="rank">{html.escape(str(rank))}</td>']
        if by_site:
            main = rec.get(primary) or rec.get(secondary) or rec.get(C.ADCODE, "")
            alt = rec.get(secondary) if rec.get(primary) else ""
            alt_html = f'<span class="alt">{html.escape(str(alt))}</span>' if alt and alt == alt else ""
            cells.append(f'<td class="name">{html.escape(str(main))}{alt_html}</td>')
            if C.PROVINCE in table.columns:
                cells.append(f'<td class="prov">{html.escape(str(rec.get(C.PROVINCE) or ""))}</td>')
        else:
            ind = str(rec.get("industry", ""))
            alt_html = f'<span class="alt">{html.escape(ind)}</span>' if ind in industry_names else ""
            cells.append(f'<td class="name">{html.escape(industry_names.get(ind, ind))}{alt_html}</td>')
        sc = pd.to_numeric(pd.Series([rec.get("score")]), errors="coerce").iloc[0]
        mark = "" if rec.get("eligible", True) in (True, np.True_) else ' <span class="inel">✕</span>'
        bar = (
            f'<span class="bar" style="width:{max(0.0, min(1.0, sc / top_score)) * 9:.1f}mm"></span>'
            if np.isfinite(sc) and top_score > 0
            else ""
        )
        sc_txt = f"{sc:.3f}" if np.isfinite(sc) else "–"
        cells.append(f'<td class="num">{sc_txt}{bar}{mark}</td>')
        if has_contrib:
            chips = "".join(
                f'<span class="chip">{html.escape(label)} +{value:.3f}</span>'
                for label, value in _top_contributions(rec, lang, 3)
            )
            cells.append(f"<td>{chips}</td>")
        if show_reasons:
            items = "".join(f"<li>{html.escape(r)}</li>" for r in row_reasons[k - 1][:reasons_per_row])
            cells.append(f'<td class="reasons"><ul>{items}</ul></td>' if items else "<td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    common = ""
    if shared:
        items = "".join(f"<li>{html.escape(r)}</li>" for r in shared)
        common = f'<div class="common"><b>{html.escape(t("brief.all_rows", lang))}</b><ul>{items}</ul></div>'
    return "<table><thead><tr>" + "".join(head) + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>" + common


def brief_html(
    *,
    title: str,
    subtitle: str,
    table: pd.DataFrame,
    map_html: str | None,
    static_map_svg: str | None,
    sources: Sequence[str],
    notes: Sequence[str],
    lang: str = "zh",
    max_rows: int = 12,
    reasons_per_row: int = 2,
    mark: str = "",
    industry_names: Mapping[str, str] | None = None,
) -> str:
    """A printable one-page brief (A4 portrait): header, map, shortlist table, sources and notes.

    Every text from data is HTML-escaped; the page loads nothing from outside (no external fonts, scripts or
    images), so it opens and prints offline.

    Parameters
    ----------
    title, subtitle
        Heading lines (e.g. industry and scenario, date).
    table
        A shortlist (``ScoreResult.shortlist``), a site profile, or their flat form (:func:`shortlist_table`).
    map_html
        A self-contained map page (:func:`transfer.mapview.standalone_html`), shown in a sandboxed
        frame when no static map is given. Interactive maps print less reliably than the static one.
    static_map_svg
        An SVG map from :func:`static_map_svg` (preferred for print); trusted markup, inserted as is.
    sources
        Data sources, one line each.
    notes
        Caveats and method notes, one line each.
    lang
        "zh" or "en": language of the fixed labels.
    max_rows
        At most this many table rows (to keep to one page).
    reasons_per_row
        At most this many reasons per row.
    mark
        Small text at the top right (e.g. the tool name and version).
    industry_names
        Industry id -> display name, for a site profile table (whose rows are industries).
    """
    esc = html.escape
    if static_map_svg:
        map_part = f'<figure class="map">{static_map_svg}</figure>'
    elif map_html:
        map_part = (
            f'<figure class="map"><iframe sandbox="allow-scripts" title="{esc(t("brief.map", lang))}" '
            f'srcdoc="{esc(map_html, quote=True)}"></iframe></figure>'
        )
    else:
        map_part = ""
    src_items = "".join(f"<li>{esc(s)}</li>" for s in sources) or "<li>–</li>"
    note_items = "".join(f"<li>{esc(s)}</li>" for s in notes) or "<li>–</li>"
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><style>{_CSS}</style></head><body><div class="page">'
        f'<header><div><h1>{esc(title)}</h1><p class="subtitle">{esc(subtitle)}</p></div>'
        f'<div class="mark">{esc(mark)}</div></header>'
        + (f"<h2>{esc(t('brief.map', lang))}</h2>{map_part}" if map_part else "")
        + f"<h2>{esc(t('brief.table', lang))}</h2>"
        + _table_html(
            table,
            lang=lang,
            max_rows=max_rows,
            reasons_per_row=reasons_per_row,
            industry_names=industry_names or {},
        )
        + f"<footer><div><h3>{esc(t('brief.sources', lang))}</h3><ul>{src_items}</ul></div>"
        f"<div><h3>{esc(t('brief.notes', lang))}</h3><ul>{note_items}</ul></div></footer>"
        "</div></body></html>\n"
    )
