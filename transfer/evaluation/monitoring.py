"""Yearly monitoring (监测评价): the XLSX template a commerce department fills per site and year, its validated
import, the census years as the default series, and every year scored against one base year's normalisation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from transfer import columns as C
from transfer.evaluation._io import EvaluationError
from transfer.evaluation.index import IndexSystem, MonitoringIndicator
from transfer.evaluation.methods import critic_weights, entropy_weights, ranks
from transfer.names import city_names, did_you_mean
from transfer.scoring import NEUTRAL

__all__ = [
    "ABOUT_SHEET",
    "DATA_SHEET",
    "LONG_COLUMNS",
    "YearlyEvaluation",
    "census_series",
    "evaluate_years",
    "read_template",
    "template_xlsx",
]

DATA_SHEET = "监测数据"
ABOUT_SHEET = "说明"
LONG_COLUMNS = ("year", C.ADCODE, "indicator", "value", "source")
_FIXED = (("年份", "year"), ("行政区划代码", "adcode"), ("承接地", "site"))
_FIRST_DATA_ROW = 3  # row 1: Chinese headings, row 2: English headings
_YEARS = (1949, 2100)


def _heading(ind: MonitoringIndicator, lang: str) -> str:
    return f"{ind.name_zh} [{ind.unit}]" if lang == "zh" else f"{ind.name_en} [{ind.unit}]"


def census_series(census: pd.DataFrame, system: IndexSystem) -> pd.DataFrame:
    """The indicators that name census columns, one row per (year, site, indicator) with a value: the default
    two-year series from ``geodata/census.csv`` (never a typed number)."""
    rows = []
    for ind in system.monitoring:
        for year, col in ind.census.items():
            if col not in census.columns:
                raise EvaluationError(
                    f"indicator {ind.id!r} names census column {col!r}, which the census table does not have"
                    f"{did_you_mean(col, census.columns)}",
                    where=system.source_path or "index system",
                    fix="name a column of geodata/census.csv",
                )
            v = pd.to_numeric(census[col], errors="coerce")
            for adcode, value in zip(census[C.ADCODE].astype(int), v, strict=True):
                if pd.notna(value):
                    rows.append((int(year), adcode, ind.id, float(value), f"{ind.source} [{col}]"))
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS))


def template_xlsx(system: IndexSystem, sites: pd.DataFrame, *, year: int | None = None) -> bytes:
    """The yearly monitoring template: one row per site (code and name filled in), a column per indicator,
    Chinese headings in row 1 and English ones in row 2, and a sheet that explains it."""
    from transfer.export.tables import rows_to_xlsx_bytes

    zh = [z for z, _ in _FIXED] + [_heading(i, "zh") for i in system.monitoring]
    en = [e for _, e in _FIXED] + [_heading(i, "en") for i in system.monitoring]
    data: list[list[Any]] = [zh, en]
    data += [[year, adcode, name] for adcode, name in zip(sites[C.ADCODE].astype(int), sites[C.NAME_ZH], strict=True)]
    about: list[list[Any]] = [["指标 indicator", "单位 unit", "一级指标 heading", "方向 direction", "说明 note"]]
    for ind in system.monitoring:
        note = f"census years {sorted(ind.census)}: {ind.source}" if ind.census else "filled in by the user"
        direction = "越大越好 higher is better" if ind.direction == "max" else "越小越好 lower is better"
        about.append([f"{ind.name_zh} {ind.name_en}", ind.unit, system.node_name(ind.heading, "zh"), direction, note])
    about.append([])
    about.append(
        [
            "填写说明 How to fill in: one row per site and year; numbers only (no units, no thousands separators); "
            "leave a cell empty when the value is not known (never 0 for unknown); one row per site and year."
        ]
    )
    return rows_to_xlsx_bytes({DATA_SHEET: data, ABOUT_SHEET: about}, bold_rows=2, freeze={DATA_SHEET: "D3"})


def _cell_number(value: object, where: str, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise EvaluationError(f"{label} is {value!r}, not a number", where=where, fix="enter a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        if str(value).lstrip().startswith("="):
            raise EvaluationError(
                f"{label} is the formula {value!r}, not a number",
                where=where,
                fix="enter values, not formulas (copy the cells and paste them as values)",
            )
        try:
            number = float(str(value).strip())
        except ValueError:
            raise EvaluationError(
                f"{label} is {value!r}, not a number",
                where=where,
                fix="enter a plain number (no units or thousands separators); leave it empty when unknown",
            ) from None
    if not math.isfinite(number):
        raise EvaluationError(f"{label} is {value!r}, not a finite number", where=where, fix="enter a real number")
    if number < 0:
        raise EvaluationError(f"{label} is negative ({number:g})", where=where, fix="these counts are >= 0")
    return number


def read_template(path: str | Path, system: IndexSystem, sites: pd.DataFrame) -> pd.DataFrame:
    """Read a filled monitoring template (sheet :data:`DATA_SHEET`) into rows (year, adcode, indicator, value,
    source), checking every cell: the site is known, values are finite numbers >= 0, one row per site and year.
    Empty cells are unknown values and give no row."""
    p = Path(path)
    try:
        wb = load_workbook(p, read_only=True, data_only=False)  # a formula comes as its text and is refused
    except FileNotFoundError:
        raise EvaluationError(f"monitoring file {p} does not exist", where=str(p), fix="check the path") from None
    except Exception as exc:  # openpyxl raises several types for a file that is not XLSX
        raise EvaluationError(
            f"cannot read the file as XLSX ({type(exc).__name__})",
            where=str(p),
            fix="save it as .xlsx (the template of `transfer monitor template`)",
        ) from None
    try:
        if DATA_SHEET not in wb.sheetnames:
            raise EvaluationError(
                f"there is no sheet {DATA_SHEET!r}; the file has {', '.join(map(repr, wb.sheetnames))}",
                where=str(p),
                fix=f"put the data in the sheet {DATA_SHEET!r} of the template",
            )
        rows = list(wb[DATA_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    return _parse_rows(rows, system, sites, where=f"{p}, sheet {DATA_SHEET}")


def _parse_rows(rows: list[tuple[Any, ...]], system: IndexSystem, sites: pd.DataFrame, *, where: str) -> pd.DataFrame:
    if len(rows) < 2:
        raise EvaluationError("the sheet has no heading rows", where=where, fix="start from the template")
    known: dict[str, MonitoringIndicator | None] = {}
    for z, e in _FIXED:
        known[z] = known[e] = None
    for ind in system.monitoring:
        known[_heading(ind, "zh")] = known[_heading(ind, "en")] = ind
    columns: dict[int, MonitoringIndicator] = {}
    for k, (zh, en) in enumerate(zip(rows[0], rows[1], strict=False)):
        text = next((str(v).strip() for v in (zh, en) if v is not None and str(v).strip()), "")
        if not text:
            continue
        if text not in known:
            letter = get_column_letter(k + 1)
            raise EvaluationError(
                f"column {letter} has the unknown heading {text!r}{did_you_mean(text, list(known), cutoff=0.5)}",
                where=f"{where}, row 1, column {letter}",
                fix="keep the template's headings (row 1 in Chinese, row 2 in English)",
            )
        found = known[text]
        if found is not None:
            columns[k] = found
    names = city_names(sites)
    out: list[tuple[int, int, str, float, str]] = []
    seen: dict[tuple[int, int], int] = {}
    for r, row in enumerate(rows[_FIRST_DATA_ROW - 1 :], start=_FIRST_DATA_ROW):
        cells = list(row) + [None] * 3
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        at = f"{where}, row {r}"
        year = _cell_number(cells[0], f"{at}, column A (年份)", "the year")
        if year is None or not year.is_integer() or not _YEARS[0] <= year <= _YEARS[1]:
            raise EvaluationError(
                f"the year is {cells[0]!r}", where=f"{at}, column A (年份)", fix="enter the year, e.g. 2024"
            )
        key = cells[1] if cells[1] is not None and str(cells[1]).strip() else cells[2]
        col = "B (行政区划代码)" if key is cells[1] else "C (承接地)"
        adcode = names.resolve(
            key, where=f"{at}, column {col}", fix="use a site's adcode or Chinese name", error=EvaluationError
        )
        pair = (int(year), int(adcode))
        if pair in seen:
            raise EvaluationError(
                f"site {adcode} has a second row for {int(year)} (first in row {seen[pair]})",
                where=at,
                fix="keep one row per site and year",
            )
        seen[pair] = r
        for k, ind in columns.items():
            letter = get_column_letter(k + 1)
            v = _cell_number(cells[k] if k < len(cells) else None, f"{at}, column {letter}", ind.name_zh)
            if v is not None:
                out.append((int(year), int(adcode), ind.id, v, where))
    return pd.DataFrame(out, columns=list(LONG_COLUMNS))


@dataclass(frozen=True)
class YearlyEvaluation:
    """Every year scored with the base year's normalisation, so scores and ranks compare across years.

    ``scores``: year, adcode, name_zh, name_en, province, score, rank, rank_change (vs the year before; negative =
    moved up), score_change; one sub-score column per heading. ``scales``: per indicator the base year's lower
    and upper bound (after the log for sizes). ``values``: the input rows with their sources.
    """

    base_year: int
    years: tuple[int, ...]
    indicators: tuple[str, ...]
    weights: pd.Series
    scores: pd.DataFrame
    scales: pd.DataFrame
    values: pd.DataFrame
    notes: tuple[str, ...]


def _bounds(v: np.ndarray, *, winsor: float, log: bool) -> tuple[float, float]:
    """The base year's lower and upper bound (the matcher's winsorised min-max rule, frozen)."""
    finite = v[np.isfinite(v)]
    lo = float(np.quantile(finite, winsor)) if winsor > 0 else float(finite.min())
    hi = float(np.quantile(finite, 1 - winsor)) if winsor > 0 and not log else float(finite.max())
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        lo, hi = float(finite.min()), float(finite.max())
    return lo, hi


def _scaled(v: np.ndarray, lo: float, hi: float, direction: str) -> np.ndarray:
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return np.where(np.isfinite(v), NEUTRAL, np.nan)
    n = (np.clip(v, lo, hi) - lo) / (hi - lo)
    return 1.0 - n if direction == "min" else n


def evaluate_years(
    values: pd.DataFrame,
    system: IndexSystem,
    sites: pd.DataFrame,
    *,
    base_year: int | None = None,
    weighting: Literal["equal", "entropy", "critic"] = "equal",
    winsor: float = 0.05,
) -> YearlyEvaluation:
    """Score every year of ``values`` (rows year, adcode, indicator, value) against ``base_year`` (default: the
    first year): each indicator is scaled with the base year's bounds (winsorised at ``winsor``, log for sizes,
    flipped where lower is better, clipped to the base year's range), weights are equal over the indicators known
    in the base year (or entropy / CRITIC from the base year's values), unknown values count 0.5, and a site with
    no known value in a year is not ranked that year."""
    if values.empty:
        raise EvaluationError("there are no monitoring values", where="monitoring", fix="import a filled template")
    years = tuple(sorted(int(y) for y in values["year"].unique()))
    base = years[0] if base_year is None else int(base_year)
    if base not in years:
        raise EvaluationError(
            f"base year {base} has no values; years with values: {', '.join(map(str, years))}",
            where="--base-year",
            fix="choose one of those years",
        )
    by_id = {i.id: i for i in system.monitoring}
    index = pd.Index(sites[C.ADCODE].astype(int), name=C.ADCODE)
    wide = {
        y: values[values["year"] == y].pivot_table(index=C.ADCODE, columns="indicator", values="value", aggfunc="first")
        for y in years
    }
    used = tuple(i.id for i in system.monitoring if i.id in wide[base].columns and wide[base][i.id].notna().any())
    notes = []
    unused = sorted(set(values["indicator"]) - set(used))
    if unused:
        notes.append(f"no values in the base year {base}, not evaluated: {', '.join(unused)}")
    scales, scaled = [], {}
    for y in years:
        scaled[y] = pd.DataFrame(index=index, columns=list(used), dtype=float)
    for ind_id in used:
        ind = by_id[ind_id]

        def prep(y: int, ind: MonitoringIndicator = ind) -> np.ndarray:
            raw = wide[y][ind.id] if ind.id in wide[y] else pd.Series(dtype=float)
            v = raw.reindex(index).to_numpy(dtype=float)
            return np.log1p(np.clip(v, 0.0, None)) if ind.size else v

        lo, hi = _bounds(prep(base), winsor=winsor, log=ind.size)
        scales.append({"indicator": ind_id, "lower": lo, "upper": hi, "log": ind.size, "direction": ind.direction})
        for y in years:
            scaled[y][ind_id] = _scaled(prep(y), lo, hi, ind.direction)
    if weighting == "entropy":
        weights = entropy_weights(scaled[base])
    elif weighting == "critic":
        weights = critic_weights(scaled[base])
    else:
        weights = pd.Series(1.0 / len(used), index=list(used), name="weight")
    frames = []
    meta = sites.set_index(sites[C.ADCODE].astype(int))[[C.NAME_ZH, C.NAME_EN, C.PROVINCE]]
    for y in years:
        m = scaled[y]
        has_any = m.notna().any(axis=1)
        filled = m.where(m.notna(), NEUTRAL)
        sc = (filled * weights).sum(axis=1).where(has_any)
        frame = meta.reindex(index).copy()
        frame.insert(0, "year", y)
        frame["score"] = sc.round(4)
        frame["rank"] = ranks(sc.dropna()).reindex(index).astype("Int64")
        for h in system.headings:
            ids = [i for i in used if by_id[i].heading == h.id]
            if ids:
                w = weights[ids]
                frame[h.id] = ((filled[ids] * w).sum(axis=1) / w.sum()).where(has_any).round(4)
        frames.append(frame.reset_index())
    scores = pd.concat(frames, ignore_index=True).sort_values(["year", "rank", C.ADCODE], na_position="last")
    prev = scores.groupby(C.ADCODE)
    scores["rank_change"] = prev["rank"].diff().astype("Int64")
    scores["score_change"] = prev["score"].diff().round(4)
    if len(used) == 1:
        notes.append(f"only one indicator has values in the base year ({used[0]}): the ranking follows it alone")
    return YearlyEvaluation(
        base_year=base,
        years=years,
        indicators=used,
        weights=weights,
        scores=scores.reset_index(drop=True),
        scales=pd.DataFrame(scales),
        values=values.reset_index(drop=True),
        notes=tuple(notes),
    )
