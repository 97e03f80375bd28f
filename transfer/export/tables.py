"""Flat exports of a shortlist: the flat table, CSV, XLSX and GeoJSON."""

from __future__ import annotations

import csv
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

from transfer import columns as C
from transfer.errors import LayerError
from transfer.export.context import ExportContext
from transfer.i18n import criterion_label, t
from transfer.industries import CRITERION_IDS

__all__ = [
    "CONTRIB_PREFIX",
    "GEOJSON_METADATA",
    "HEADER_KEYS",
    "README_SHEET",
    "defused",
    "header_names",
    "rows_to_xlsx_bytes",
    "shortlist_table",
    "to_csv_bytes",
    "to_geojson_bytes",
    "to_xlsx_bytes",
]

# prefix of the per-criterion contribution columns in flat exports (contrib_<criterion id>)
CONTRIB_PREFIX = "contrib_"
REASON_SEP = "; "
README_SHEET = "说明 README"  # the first sheet of a workbook made without a context (in both languages)
GEOJSON_METADATA = "metadata"  # top-level member of a GeoJSON export holding its context
# translation key of each column's header in exports (a column not listed keeps its name)
HEADER_KEYS: dict[str, str] = {
    "rank": "col.rank",
    "industry": "col.industry",
    C.ADCODE: "col.adcode",
    C.NAME_ZH: "col.name_zh",
    C.NAME_EN: "col.name_en",
    C.PROVINCE: "col.province",
    C.REGION: "col.region",
    "score": "col.score",
    "eligible": "col.eligible",
    "reasons": "col.reasons",
    "position_rank": "col.position",
    "n_eligible": "col.n_eligible",
    "percentile": "col.percentile",
    "cluster_fit": "col.cluster_fit",
    "position_score": "col.position_score",
}
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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_XLSX_BAD = re.compile(r"[\[\]:*?/\\]")


# flat tables -----------------------------------------------------------------------------------------


def shortlist_table(df: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """Flat export form of a shortlist or site profile.

    Reasons (a list per row) are joined with ``"; "``; contributions (a dict per row) become one column
    per criterion, ``contrib_<criterion id>``, in the order of :data:`transfer.industries.CRITERION_IDS`.
    Columns come in a stable order: rank, industry, adcode, names, province, region, score, eligible,
    reasons, any others, then the contributions. A flat frame passes through unchanged in content.

    Parameters
    ----------
    df
        A frame from ``ScoreResult.shortlist`` or ``ScoreResult.site_profile`` (or its flat form).
    lang
        "zh" or "en": column headers in that language (:func:`header_names`); None keeps the column ids.
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
    out = out[lead + rest + contrib_cols].reset_index(drop=True)
    return out if lang is None else out.rename(columns=header_names(out.columns, lang))


def header_names(columns: Sequence[Any], lang: str) -> dict[Any, str]:
    """Column id -> header in ``lang`` for the columns of :func:`shortlist_table` (``contrib_<criterion>`` becomes
    "contribution: <criterion label>"); other columns keep their names."""
    out: dict[Any, str] = {}
    for col in columns:
        name = str(col)
        if name in HEADER_KEYS:
            out[col] = t(HEADER_KEYS[name], lang)
        elif name.startswith(CONTRIB_PREFIX) and name[len(CONTRIB_PREFIX) :] in CRITERION_IDS:
            label = criterion_label(name[len(CONTRIB_PREFIX) :], lang, short=True)
            out[col] = t("col.contribution_of", lang, criterion=label)
    return out


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


def defused(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as every CSV writer of the project writes it: list cells joined, dict cells as JSON, and text that a
    spreadsheet would run as a formula (``= + - @``, not a plain number) prefixed with an apostrophe."""
    flat = _flat_cells(df)
    for col in flat.columns:
        if _is_text(flat[col]):
            flat[col] = [_defuse_formula(v) for v in flat[col]]
    return flat


def _comment_line(label: str, value: Any) -> str:
    """``# label: value`` on one line; a piece after a comma that a spreadsheet would run as a formula (or open as a
    quoted field) is prefixed with an apostrophe, since spreadsheets split the line at its commas."""
    first, *rest = " ".join(f"{label}: {value}".split()).split(",")
    risky = (*_FORMULA_START, '"')
    return "# " + ",".join([first, *(("'" + p) if p.lstrip()[:1] in risky else p for p in rest)])


def to_csv_bytes(df: pd.DataFrame, *, escape_formulas: bool = True, context: ExportContext | None = None) -> bytes:
    """CSV as UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.

    With a ``context`` the file starts with lines ``# label: value`` (scenario, filters, weights ..., in the
    context's language) and every text field is quoted (so a "#" in a name is not taken for a comment); read it
    back with ``pd.read_csv(path, comment="#", encoding="utf-8-sig")``. Without one the CSV is plain.

    Parameters
    ----------
    df
        Any frame; list cells are joined with "; " and dict cells written as JSON.
    escape_formulas
        Prefix text cells starting with ``= + - @`` (other than plain numbers) with ``'`` so a
        spreadsheet shows names from uploaded files as text instead of running them as formulas.
    context
        What the export was made with (:class:`transfer.export.ExportContext`).
    """
    flat = defused(df) if escape_formulas else _flat_cells(df)
    if context is None:
        return flat.to_csv(index=False).encode("utf-8-sig")
    head = "".join(_comment_line(label, value) + "\n" for label, value in context.rows())
    return (head + flat.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)).encode("utf-8-sig")


# XLSX ------------------------------------------------------------------------------------------------


def _sheet_names(names: Sequence[str], taken: str) -> list[str]:
    used: set[str] = {taken.lower()}
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


def _text_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text that looks like a formula (``=...``) is kept as text, never run."""
    cell = ws.cell(row=row, column=column, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def _write_sheet(ws: Any, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF2")
    columns = [str(c) for c in frame.columns]
    for j, name in enumerate(columns, start=1):
        cell = _text_cell(ws, 1, j, name)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center")
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            _text_cell(ws, i, j, _cell_value(value))
    for j, name in enumerate(columns, start=1):
        sample = [name, *(str(v) for v in frame.iloc[:200, j - 1].tolist() if v is not None)]
        width = max(_display_width(s) for s in sample) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), 60)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 1)}"


def _about_rows(context: ExportContext | None, sheets: Mapping[str, pd.DataFrame], names: Sequence[str]) -> list[Any]:
    """Header and rows of the first sheet: the context, then each data sheet with its number of rows."""
    counts = [(n, len(df)) for n, df in zip(names, sheets.values(), strict=True)]
    if context is None:
        return [("项目 Item", "内容 Value"), *((f"sheet · 工作表 {n}", f"{k} rows · 行") for n, k in counts)]
    lang = context.lang
    return [
        (t("export.item", lang), t("export.value", lang)),
        *context.rows(),
        *((t("export.sheet", lang, name=n), t("export.rows", lang, n=k)) for n, k in counts),
    ]


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], *, context: ExportContext | None = None) -> bytes:
    """An Excel workbook: an about sheet first, then one sheet per frame.

    The about sheet ("说明" / "About" in the context's language; "说明 README" in both without a context) lists
    what the export was made with (scenario, filters, weights ...) and the data sheets with their number of rows.
    Each data sheet has a bold, frozen header row with a filter and column widths fitted to the content
    (CJK characters count double). List and dict cells are written as text; text that looks like a
    formula stays text.

    Parameters
    ----------
    sheets
        Sheet name -> frame. Names are cut to Excel's 31 characters, characters Excel forbids become "_".
    context
        What the export was made with (:class:`transfer.export.ExportContext`).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET if context is None else t("export.about", context.lang)
    names = _sheet_names(list(sheets), readme.title)
    (item, value), *rows = _about_rows(context, sheets, names)
    _text_cell(readme, 1, 1, item).font = Font(bold=True)
    _text_cell(readme, 1, 2, value).font = Font(bold=True)
    for i, (k, v) in enumerate(rows, start=2):
        _text_cell(readme, i, 1, k).font = Font(bold=True)
        _text_cell(readme, i, 2, v).alignment = Alignment(wrap_text=True, vertical="top")
    readme.column_dimensions["A"].width = min(max([_display_width(k) for k, _ in rows] + [10]) + 2, 40)
    readme.column_dimensions["B"].width = 100
    readme.freeze_panes = "A2"
    for name, frame in zip(names, sheets.values(), strict=True):
        _write_sheet(wb.create_sheet(title=name), _flat_cells(frame))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rows_to_xlsx_bytes(
    sheets: Mapping[str, Sequence[Sequence[Any]]],
    *,
    bold_rows: int = 1,
    freeze: Mapping[str, str] | None = None,
) -> bytes:
    """A workbook of plain rows, for forms such as the monitoring template (a frame has one header row; a form
    may have two). The first ``bold_rows`` rows of each sheet are bold; ``freeze`` maps sheet name -> cell.
    Text that looks like a formula stays text; column widths fit the content (CJK characters count double)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(title=name)
        widths: dict[int, int] = {}
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row, start=1):
                cell = _text_cell(ws, i, j, _cell_value(value))
                if i <= bold_rows:
                    cell.font = Font(bold=True)
                if value is not None:
                    widths[j] = max(widths.get(j, 0), _display_width(str(value)))
        for j, width in widths.items():
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 10), 60)
        if freeze and name in freeze:
            ws.freeze_panes = freeze[name]
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


def to_geojson_bytes(
    df: pd.DataFrame,
    sites_gdf: gpd.GeoDataFrame,
    *,
    decimals: int = 6,
    context: ExportContext | None = None,
    lang: str | None = None,
) -> bytes:
    """Shortlist rows joined to site geometry (polygons or points) as an RFC 7946 FeatureCollection.

    Coordinates are WGS84 longitude/latitude (no ``crs`` member), rounded to ``decimals``; polygon
    exterior rings run counterclockwise. Rows whose adcode is not in ``sites_gdf`` get
    ``"geometry": null``. Properties are the columns of :func:`shortlist_table`. With a ``context`` the collection
    has a top-level member ``"metadata"`` (a foreign member, RFC 7946 section 6.1; GIS tools ignore it) with
    :meth:`ExportContext.as_dict`.

    Parameters
    ----------
    df
        A shortlist (``ScoreResult.shortlist``) or its flat form; needs an ``adcode`` column.
    sites_gdf
        Site geometries with an ``adcode`` column or index and a CRS (any; converted to WGS84).
    decimals
        Decimal places of the coordinates (6 = about 0.1 m).
    context
        What the export was made with (:class:`transfer.export.ExportContext`).
    lang
        "zh" or "en": property names in that language (as the headers of :func:`shortlist_table`); None keeps the
        column ids.
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
    if lang is not None:
        flat = flat.rename(columns=header_names(flat.columns, lang))
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
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if context is not None:
        doc[GEOJSON_METADATA] = context.as_dict()
    doc["features"] = features
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
