"""Validation where data enters: readers for user files and checks that name file, row and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from transfer import columns as C
from transfer.errors import LayerError
from transfer.names import did_you_mean

__all__ = [
    "CHINA_BOUNDS",
    "LayerSchema",
    "check_crs",
    "coerce_numeric",
    "range_problem",
    "read_any",
    "validate_frame",
    "xlsx_sheets",
]

# lon_min, lat_min, lon_max, lat_max: mainland China with a margin
CHINA_BOUNDS = (73.0, 17.5, 135.5, 54.0)
_MAX_LISTED = 5


@dataclass(frozen=True)
class LayerSchema:
    """What a layer kind must contain."""

    kind: str
    required: tuple[str, ...]
    id_column: str | None = None
    numeric: tuple[str, ...] = ()
    integer: tuple[str, ...] = ()
    geometry: str | None = None  # "point", "polygon" or None (table)
    adcode_refs: tuple[str, ...] = ()  # columns that must name a known adcode
    vocab: dict[str, tuple[str, ...]] = field(default_factory=dict)
    signed: tuple[str, ...] = ()  # numeric columns that may be negative (all others must be >= 0)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # explicit [low, high] per column
    # optional columns filled when a file lacks them: a column name (copy that column) or None (empty)
    optional: dict[str, str | None] = field(default_factory=dict)

    def range_of(self, col: str) -> tuple[float, float]:
        """The closed range a numeric column must lie in (shares and rates 0..1, years 1949..2100, counts >= 0)."""
        if col in self.ranges:
            return self.ranges[col]
        if col in (C.LON, C.LAT):
            return (-180.0, 180.0)
        low = -MAX_MAGNITUDE if col in self.signed else 0.0
        if "share" in col or "_rate" in col:
            return (-1.0 if col in self.signed else 0.0, 1.0)
        if col == "year" or (col.endswith("_year") and "cny" not in col):  # not a wage per year
            return (1949.0, 2100.0)
        return (low, MAX_MAGNITUDE)


# no count, area, wage or population the tool reads comes near this; integers stay exact in float64 below it
MAX_MAGNITUDE = float(2**53)


def _cell_error(
    what: str,
    fix: str,
    code: str,
    *,
    where: str,
    rows: Any = None,
    offset: int = 2,
    field: str | None = None,
    **params: Any,
) -> LayerError:
    """A LayerError naming file, rows and field, with a code and values so the app can say it in Chinese too."""
    shown = [int(i) + offset for i in rows] if rows is not None else []
    at = where
    if shown:
        at += f", {_rows(rows, header_offset=offset)}"
    if field is not None:
        at += f", field {field!r}"
    values = {"file": where, "rows": shown, "field": field, **params}
    return LayerError(what, where=at, fix=fix, code=code, params=values)


def _rows(index: Iterable[int], *, header_offset: int) -> str:
    idx = [int(i) + header_offset for i in index]
    shown = ", ".join(str(i) for i in idx[:_MAX_LISTED])
    more = f" and {len(idx) - _MAX_LISTED} more" if len(idx) > _MAX_LISTED else ""
    return f"row{'s' if len(idx) > 1 else ''} {shown}{more}"


def read_any(path: Path, *, lon: str = C.LON, lat: str = C.LAT, sheet: str | None = None) -> tuple[pd.DataFrame, int]:
    """Read a GeoJSON, GeoPackage, Shapefile, CSV (UTF-8 or GBK) or XLSX file.

    Returns the frame and the offset from a 0-based frame index to the row number a user sees in the file
    (2 for CSV/XLSX with one header line, 1 for features counted from 1). For a workbook, ``sheet`` (or a
    ``file.xlsx#sheet`` suffix on the path) chooses the sheet; the first one is read otherwise, and the name of
    the sheet read is in ``frame.attrs["sheet"]``.
    """
    path = Path(path)
    if sheet is None and not path.exists() and "#" in path.name:
        stem, _, sheet = path.name.rpartition("#")
        path = path.with_name(stem)
    if path.is_dir():
        raise LayerError("this is a folder, not a file", where=str(path), fix="choose the layer file itself")
    if not path.exists():
        raise LayerError(f"file {path} does not exist", where=str(path), fix="check the path and file name")
    if path.stat().st_size == 0:
        raise LayerError("the file is empty", where=str(path), fix="export the layer again")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return _read_csv(path), 2
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, sheet), 2
    if suffix == ".shp":
        missing = [ext for ext in (".dbf", ".shx") if not _sidecar(path, ext).exists()]
        if missing:
            raise LayerError(
                f"the Shapefile's {' and '.join(missing)} file{'s are' if len(missing) > 1 else ' is'} missing",
                where=str(path),
                fix=f"put {', '.join(path.stem + m for m in missing)} beside {path.name} "
                "(a Shapefile is several files), or send the layer as one GeoPackage or zip",
            )
    if suffix in {".geojson", ".json", ".gpkg", ".shp", ".zip"}:
        try:
            gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as exc:  # pyogrio.errors.DataSourceError and friends
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise LayerError(
                f"cannot read the file as a vector layer ({msg})",
                where=str(path),
                fix="check that it is valid GeoJSON / GeoPackage / Shapefile (e.g. open it in QGIS), "
                "and for a Shapefile that the .shx, .dbf and .prj files lie beside it",
            ) from None
        return gdf, 1
    raise LayerError(
        f"unsupported file type {suffix!r}",
        where=str(path),
        fix="use GeoJSON, GeoPackage, Shapefile, CSV with lon/lat columns, or XLSX",
    )


def _sidecar(path: Path, ext: str) -> Path:
    """A Shapefile's companion file, in lower or upper case."""
    lower = path.with_suffix(ext)
    return lower if lower.exists() else path.with_suffix(ext.upper())


def xlsx_sheets(path: Path) -> list[str]:
    """The sheet names of a workbook, in order."""
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise LayerError(
            f"cannot read the Excel file ({type(exc).__name__}: {exc})",
            where=str(path),
            fix="open it in Excel or LibreOffice and save it again as .xlsx",
        ) from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    names = xlsx_sheets(path)
    chosen = names[0] if sheet is None else sheet
    if chosen not in names:
        raise LayerError(
            f"the workbook has no sheet {chosen!r}{did_you_mean(chosen, names)}",
            where=str(path),
            fix=f"choose one of its sheets: {', '.join(names)}",
        )
    where = f"{path.name}, sheet {chosen!r}"
    try:
        df = pd.read_excel(path, sheet_name=chosen, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for broken files
        raise LayerError(
            f"cannot read the Excel sheet ({type(exc).__name__}: {exc})",
            where=where,
            fix="open it in Excel or LibreOffice and save it again as .xlsx",
        ) from None
    df = df.dropna(how="all")
    if len(df) == 0 or len(df.columns) == 0:
        others = [n for n in names if n != chosen]
        hint = f"; the workbook also has the sheet(s) {', '.join(others)}" if others else ""
        raise LayerError(
            f"the sheet read ({chosen!r}, {names.index(chosen) + 1} of {len(names)}) has no rows{hint}",
            code="sheet.empty",
            params={
                "file": path.name,
                "sheet": chosen,
                "n": names.index(chosen) + 1,
                "of": len(names),
                "others": ", ".join(others),
            },
            where=where,
            fix="put the table on the first sheet, or choose its sheet (file.xlsx#sheet on the command line, "
            "the sheet selector in the app)",
        )
    df.attrs["sheet"] = chosen
    return df


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        from io import StringIO

        if not text.strip(" \t\r\n,;"):
            raise LayerError(
                "the CSV has no header and no rows",
                where=str(path),
                fix="export the table again with its header line (e.g. 'CSV UTF-8' from Excel)",
            )
        try:
            return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            raise LayerError(
                "the CSV has no header and no rows", where=str(path), fix="export the table again with its header line"
            ) from None
        except pd.errors.ParserError as exc:
            raise LayerError(
                f"the CSV is malformed ({str(exc).strip()})",
                where=str(path),
                fix="check quoting and that every row has the same number of commas",
            ) from None
    raise LayerError(
        "the CSV is neither UTF-8 nor GBK/GB18030 text",
        where=str(path),
        fix="save it as 'CSV UTF-8' from Excel",
    )


def check_crs(gdf: gpd.GeoDataFrame, *, where: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326; a missing CRS is an error, another CRS is transformed."""
    if gdf.crs is None:
        raise LayerError(
            "the layer has no coordinate reference system (CRS)",
            where=where,
            fix="set the CRS when exporting (EPSG:4326 WGS84 is expected; for a Shapefile add the .prj file)",
        )
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        return gdf
    try:
        return gdf.to_crs(C.WGS84)
    except Exception as exc:  # pyproj.exceptions.CRSError etc.
        raise LayerError(
            f"cannot transform from {crs.to_string()} to EPSG:4326 ({exc})",
            where=where,
            fix="export the layer in EPSG:4326 (WGS84)",
        ) from None


def coerce_numeric(df: pd.DataFrame, schema: LayerSchema, *, where: str, offset: int) -> pd.DataFrame:
    out = df.copy()
    for col in schema.numeric + schema.integer:
        if col not in out.columns:
            continue
        raw = out[col]
        as_text = raw.astype("string").str.strip().str.replace(",", "", regex=False)
        values = pd.to_numeric(as_text, errors="coerce")
        bad = values.isna() & as_text.notna() & (as_text != "")
        if bad.any():
            examples = ", ".join(repr(v) for v in as_text[bad].head(3))
            raise _cell_error(
                f"not a number: {examples}",
                f"write plain numbers in {col!r} (no units or text); leave the cell empty when unknown",
                "value.not_number",
                where=where,
                rows=np.flatnonzero(bad.to_numpy()),
                offset=offset,
                field=col,
                examples=examples,
            )
        _check_range(values, col, schema, where=where, offset=offset)
        if col in schema.integer:
            frac = values.notna() & (values % 1 != 0)
            if frac.any():
                raise _cell_error(
                    "a whole number is expected",
                    f"write {col!r} without decimals",
                    "value.not_integer",
                    where=where,
                    rows=np.flatnonzero(frac.to_numpy()),
                    offset=offset,
                    field=col,
                )
            out[col] = values.astype("Int64")
        else:
            out[col] = values.astype(float)
    return out


def _check_range(values: pd.Series, col: str, schema: LayerSchema, *, where: str, offset: int) -> None:
    """Refuse inf/NaN written as text, and values outside the column's range, naming rows and the fix."""
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(arr)
    if inf.any():
        raise _cell_error(
            "the value is infinite",
            f"write a finite number in {col!r}, or leave the cell empty when unknown",
            "value.infinite",
            where=where,
            rows=np.flatnonzero(inf),
            offset=offset,
            field=col,
        )
    low, high = schema.range_of(col)
    with np.errstate(invalid="ignore"):
        out = ~np.isnan(arr) & ((arr < low) | (arr > high))
    if out.any():
        first = arr[np.flatnonzero(out)[0]]
        what = range_problem(first, low, high)
        unit = " (a share is written 0.35, not 35 %)" if high == 1.0 else ""
        raise _cell_error(
            what,
            f"correct {col!r}{unit}; leave the cell empty when unknown",
            "value.range",
            where=where,
            rows=np.flatnonzero(out),
            offset=offset,
            field=col,
            value=_num(first),
            low=_num(low),
            high=_num(high),
            share=high == 1.0,
            too_large=bool(high >= MAX_MAGNITUDE and first > high),
        )


def _num(x: float) -> str:
    return f"{x:,.10g}"


def range_problem(value: float, low: float, high: float) -> str:
    """What is wrong with ``value`` outside ``low..high``, in words."""
    if low == 0 and value < 0:
        return f"the value must not be negative (found {_num(value)})"
    if high >= MAX_MAGNITUDE and value > high:
        return f"the value is too large to be real (found {value:g})"
    return f"the value must lie between {_num(low)} and {_num(high)} (found {_num(value)})"


def _points_from_lonlat(df: pd.DataFrame, *, where: str, offset: int) -> gpd.GeoDataFrame:
    lower = {c.lower(): c for c in df.columns}
    lon_col = next((lower[k] for k in ("lon", "lng", "longitude", "经度", "x") if k in lower), None)
    lat_col = next((lower[k] for k in ("lat", "latitude", "纬度", "y") if k in lower), None)
    if lon_col is None or lat_col is None:
        raise LayerError(
            "a table layer needs coordinate columns 'lon' and 'lat' (WGS84 degrees)",
            where=where,
            fix="add columns named lon and lat (or longitude/latitude, 经度/纬度)",
        )
    tmp = coerce_numeric(
        df.rename(columns={lon_col: C.LON, lat_col: C.LAT}),
        LayerSchema("points", (), numeric=(C.LON, C.LAT)),
        where=where,
        offset=offset,
    )
    missing = tmp[C.LON].isna() | tmp[C.LAT].isna()
    if missing.any():
        raise _cell_error(
            "lon/lat is empty",
            "fill in both coordinates or remove the row",
            "coords.empty",
            where=where,
            rows=np.flatnonzero(missing.to_numpy()),
            offset=offset,
        )
    return gpd.GeoDataFrame(tmp, geometry=gpd.points_from_xy(tmp[C.LON], tmp[C.LAT]), crs=C.WGS84)


def _check_bounds(gdf: gpd.GeoDataFrame, *, where: str, offset: int) -> None:
    b = gdf.geometry.bounds
    x0, y0, x1, y1 = CHINA_BOUNDS
    outside = (b["minx"] < x0) | (b["maxx"] > x1) | (b["miny"] < y0) | (b["maxy"] > y1)
    if not outside.any():
        return
    rows = gdf.index[outside.to_numpy()].to_numpy()
    cx = (b["minx"] + b["maxx"]) / 2
    cy = (b["miny"] + b["maxy"]) / 2
    swapped = ((cy >= x0) & (cy <= x1) & (cx >= y0) & (cx <= y1))[outside]
    if bool(swapped.all()):
        raise _cell_error(
            "coordinates lie outside China; longitude and latitude look swapped",
            "swap the lon and lat columns (longitude is 73-135 E, latitude 18-54 N)",
            "coords.swapped",
            where=where,
            rows=rows,
            offset=offset,
        )
    first = int(np.flatnonzero(outside.to_numpy())[0])
    raise _cell_error(
        f"coordinates lie outside China (e.g. lon {cx.iloc[first]:.4f}, lat {cy.iloc[first]:.4f})",
        "check the coordinates and the CRS: EPSG:4326 degrees are expected (projected metres need a .prj/CRS)",
        "coords.outside",
        where=where,
        rows=rows,
        offset=offset,
        lon=f"{cx.iloc[first]:.4f}",
        lat=f"{cy.iloc[first]:.4f}",
    )


def validate_frame(
    df: pd.DataFrame,
    schema: LayerSchema,
    *,
    where: str,
    offset: int = 2,
    known_adcodes: set[int] | None = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Check and coerce one layer; raise :class:`LayerError` naming file, row and field.

    Parameters
    ----------
    df
        The raw frame as read.
    schema
        The layer kind's schema.
    where
        File name (or layer name) used in messages.
    offset
        Added to the 0-based index to get the row number a user sees.
    known_adcodes
        Valid adcodes for ``schema.adcode_refs`` (and the id of site layers); None skips that check.
    """
    if len(df) == 0:
        raise _cell_error("the layer has no rows", "add at least one feature", "layer.no_rows", where=where)
    df = df.reset_index(drop=True)
    # tolerate case and surrounding blanks in headers
    rename = {c: str(c).strip() for c in df.columns}
    lower_map = {str(c).strip().lower(): c for c in df.columns}
    for req in schema.required:
        if req not in rename.values() and req.lower() in lower_map:
            rename[lower_map[req.lower()]] = req
    df = df.rename(columns=rename)
    missing = [c for c in schema.required if c not in df.columns]
    if missing:
        hints = "; ".join(f"{m!r}{did_you_mean(m, df.columns, cutoff=0.5)}" for m in missing)
        raise _cell_error(
            f"missing required column(s): {hints}",
            f"the {schema.kind} layer needs the columns {', '.join(schema.required)}",
            "layer.missing_columns",
            where=where,
            hints=hints,
            kind=schema.kind,
            required=", ".join(schema.required),
        )
    if schema.geometry is not None:
        if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
            gdf = check_crs(df, where=where)
        else:
            gdf = _points_from_lonlat(df, where=where, offset=offset)
        geoms = gdf.geometry
        empty = geoms.isna() | geoms.is_empty
        if empty.any():
            raise LayerError(
                "empty or missing geometry",
                where=f"{where}, {_rows(np.flatnonzero(empty.to_numpy()), header_offset=offset)}",
                fix="draw the feature again or remove the row",
            )
        invalid = ~geoms.is_valid
        if invalid.any():
            first = int(np.flatnonzero(invalid.to_numpy())[0])
            reason = shapely.is_valid_reason(geoms.iloc[first])
            raise LayerError(
                f"invalid geometry ({reason})",
                where=f"{where}, {_rows(np.flatnonzero(invalid.to_numpy()), header_offset=offset)}",
                fix="repair it (QGIS: Fix geometries; or shapely.make_valid) and save again",
            )
        kinds = set(geoms.geom_type)
        allowed = {"point": {"Point"}, "polygon": {"Polygon", "MultiPolygon"}}[schema.geometry]
        if not kinds <= allowed:
            raise LayerError(
                f"geometry type {sorted(kinds - allowed)} is not allowed for a {schema.kind} layer",
                where=where,
                fix=f"a {schema.kind} layer needs {schema.geometry} geometries",
            )
        _check_bounds(gdf, where=where, offset=offset)
        df = gdf
    df = coerce_numeric(df, schema, where=where, offset=offset)
    for col, source in schema.optional.items():
        if col not in df.columns:
            df[col] = df[source] if source is not None else None
        elif source is not None:  # a blank English name falls back to the Chinese one
            blank = df[col].isna() | (df[col].astype("string").str.strip() == "")
            df.loc[blank, col] = df.loc[blank, source]
    if schema.geometry is None and C.LON in df.columns and C.LAT in df.columns:
        # optional coordinates in a table layer: check the rows that have them
        has = df[C.LON].notna() & df[C.LAT].notna()
        if has.any():
            pts = gpd.GeoDataFrame(
                geometry=gpd.points_from_xy(df.loc[has, C.LON], df.loc[has, C.LAT]), index=df.index[has], crs=C.WGS84
            )
            _check_bounds(pts, where=where, offset=offset)
    for col, allowed_values in schema.vocab.items():
        if col not in df.columns:
            continue
        vals = df[col].astype("string")
        bad = vals.notna() & ~vals.isin(allowed_values)
        if bad.any():
            first_value = str(vals[bad].iloc[0])
            hint = did_you_mean(first_value, allowed_values, cutoff=0.5)
            raise _cell_error(
                f"field {col!r} has the unknown value {first_value!r}{hint}",
                f"use one of {', '.join(allowed_values)}",
                "value.unknown",
                where=where,
                rows=np.flatnonzero(bad.to_numpy()),
                offset=offset,
                column=col,
                value=first_value,
                hint=hint,
                allowed=", ".join(allowed_values),
            )
    if schema.id_column is not None:
        ids = df[schema.id_column]
        empty_id = ids.isna() | (ids.astype("string").str.strip() == "")
        if empty_id.any():
            raise _cell_error(
                f"field {schema.id_column!r} is empty",
                f"every row needs a unique {schema.id_column}",
                "id.empty",
                where=where,
                rows=np.flatnonzero(empty_id.to_numpy()),
                offset=offset,
                column=schema.id_column,
            )
        dup = ids.duplicated(keep=False)
        if dup.any():
            vals = ", ".join(str(v) for v in pd.unique(ids[dup])[:_MAX_LISTED])
            raise _cell_error(
                f"duplicate {schema.id_column} values: {vals}",
                f"each {schema.id_column} may appear once; merge or renumber the rows",
                "id.duplicate",
                where=where,
                rows=np.flatnonzero(dup.to_numpy()),
                offset=offset,
                column=schema.id_column,
                values=vals,
            )
    for col in schema.adcode_refs:
        codes = df[col]
        bad_format = codes.notna() & ((codes < 100000) | (codes > 999999))
        if bad_format.any():
            raise _cell_error(
                f"field {col!r} must be a 6-digit administrative code (adcode), e.g. 410100 for 郑州市",
                "use the 6-digit GB/T 2260 code of the prefecture (not a 12-digit statistical code)",
                "adcode.format",
                where=where,
                rows=np.flatnonzero(bad_format.to_numpy()),
                offset=offset,
                column=col,
            )
        if known_adcodes is not None:
            unknown = codes.notna() & ~codes.isin(list(known_adcodes))
            if unknown.any():
                vals = ", ".join(str(v) for v in pd.unique(codes[unknown])[:_MAX_LISTED])
                raise _cell_error(
                    f"unknown adcode(s) in {col!r}: {vals}",
                    "use the adcode of a site or origin city (see `transfer sites`); prefecture codes end in 00",
                    "adcode.unknown",
                    where=where,
                    rows=np.flatnonzero(unknown.to_numpy()),
                    offset=offset,
                    column=col,
                    values=vals,
                )
    return df
