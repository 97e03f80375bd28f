"""Pure helpers of the Streamlit app (no streamlit import): labels, re-scoring, map layers, exports, sources."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from transfer import columns as C
from transfer.errors import LayerError
from transfer.export import ExportContext
from transfer.i18n import provenance_label, t
from transfer.industries import CRITERIA, CRITERION_IDS
from transfer.pipeline import Base, RunResult
from transfer.scenarios import Scenario
from transfer.scoring import INDUSTRY_SPECIFIC, ScoreResult
from transfer.sitetable import SiteTable

__all__ = [
    "MAX_UPLOAD_MB",
    "check_upload_size",
    "effective_weights",
    "firms_template_csv",
    "fmt_number",
    "key_figures",
    "layer_inventory",
    "shortlist_frame",
    "sources_sections",
    "table_bytes",
    "tr",
]

MAX_UPLOAD_MB = 20.0


def tr(key: str, lang: str, **fmt: Any) -> str:
    """The label of ``key`` from the one translation table (:data:`transfer.i18n.STRINGS`), else the key."""
    return t(key, lang, **fmt)


def check_upload_size(size_bytes: int, lang: str, *, limit_mb: float = MAX_UPLOAD_MB) -> str | None:
    """A message when an upload is over the limit, else None."""
    size_mb = size_bytes / 1e6
    if size_mb > limit_mb:
        return tr("upload.too_large", lang, size_mb=size_mb, limit_mb=limit_mb)
    return None


# --- scoring ---------------------------------------------------------------------------------------------------


def merged_weights(scn: Scenario, overrides: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """The scenario's weight overrides with the slider overrides laid on top (a new dict)."""
    out = {k: dict(v) for k, v in scn.weights.items()}
    for key, ws in overrides.items():
        out.setdefault(key, {}).update({c: float(w) for c, w in ws.items()})
    return out


def effective_weights(result: ScoreResult, industry: str) -> dict[str, float]:
    """Normalised weights of one industry in a score result (criterion -> weight, summing to 1)."""
    i = result.industries.index(industry)
    return {c: float(result.weights[i, k]) for k, c in enumerate(result.criteria)}


def shortlist_frame(
    result: ScoreResult,
    industry: str,
    *,
    top: int,
    provinces: Sequence[str] = (),
    regions: Sequence[str] = (),
    min_score: float = 0.0,
    bonded_zone_only: bool = False,
    lang: str = "en",
) -> pd.DataFrame:
    """The filtered shortlist of one industry (rank renumbered after filtering), reasons as lists in ``lang``."""
    sc = result.scores.loc[industry]
    el = result.eligible.loc[industry]
    sites = result.sites
    keep = el & (sc >= min_score)
    if provinces:
        keep &= sites[C.PROVINCE].reindex(sc.index).isin(list(provinces))
    if regions:
        keep &= sites[C.REGION].reindex(sc.index).isin(list(regions))
    if bonded_zone_only:
        keep &= sites["has_full_bonded_zone"].reindex(sc.index).astype(bool)
    ids = list(sc[keep].sort_values(ascending=False).index[:top])
    return result.rows(industry, ids, lang=lang)


def fmt_number(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if not np.isfinite(v) else f"{v:,.0f}"


# --- site profile ------------------------------------------------------------------------------------------------


def key_figures(run: RunResult, adcode: int, lang: str) -> pd.DataFrame:
    """Key figures of one site: criterion, raw value, unit and its source (from the site table's provenance)."""
    vals = run.table.values.loc[adcode]
    rows = []
    units = {c.id: c.unit for c in CRITERIA}
    for c in CRITERION_IDS:
        if c in INDUSTRY_SPECIFIC:
            continue
        v = vals.get(c, np.nan)
        shown = "" if pd.isna(v) else (f"{v:,.2f}" if abs(float(v)) < 100 else f"{v:,.0f}")
        rows.append(
            {
                tr("profile.figure", lang): tr(f"criterion_short.{c}", lang),
                tr("profile.value", lang): f"{shown} {unit_label(units.get(c, ''), lang)}".strip() if shown else "—",
                tr("col.source", lang): provenance_label(c, run.table.provenance.get(c, ""), lang),
            }
        )
    s = run.table.sites.loc[adcode]
    zones = s.get("bonded_zones", "")
    bz = run.layers.bonded_zones
    if lang != "zh" and C.NAME_EN in bz and "city_adcode" in bz:
        en = bz.loc[pd.to_numeric(bz["city_adcode"], errors="coerce") == adcode, C.NAME_EN].dropna().astype(str)
        zones = ", ".join(n for n in en if n.strip()) or zones
    extras = [
        ("layer.bonded_zones", zones, "", "curated/bonded_zones.csv"),
        ("col.region", tr(f"region.{s.get(C.REGION)}", lang), "", "transfer/regions.py"),
    ]
    if "population_2020" in s and pd.notna(s.get("population_2020")):
        extras.append(
            (
                "legend.labour_pool",
                fmt_number(s["population_2020"]),
                "persons",
                "census.csv (2020 census)",
            )
        )
    for key, v, unit, src in extras:
        rows.append(
            {
                tr("profile.figure", lang): tr(key, lang),
                tr("profile.value", lang): f"{v} {unit_label(unit, lang)}".strip(),
                tr("col.source", lang): src,
            }
        )
    return pd.DataFrame(rows)


def _mode_label(mode: str, lang: str) -> str:
    label = tr(f"mode.{mode}", lang)
    return mode if label == f"mode.{mode}" else label


def place_names_en(base: Base) -> dict[str, str]:
    """Chinese place name -> English name, for sites, origins, hubs and reference cities."""
    out: dict[str, str] = {}
    layers = base.layers
    frames = [layers.sites, layers.origins, layers.hubs]
    if layers.cities is not None:
        frames.append(layers.cities)
    for frame in frames:
        if C.NAME_ZH in frame and C.NAME_EN in frame:
            for zh, en in zip(frame[C.NAME_ZH], frame[C.NAME_EN], strict=True):
                if isinstance(zh, str) and isinstance(en, str) and en.strip():
                    out.setdefault(zh, en)
    # Yangtze river ports are named by the waterway table (宜昌, 武汉, 上海(吴淞口) ...)
    water = (layers.data_dir / "curated" / "waterway_yangtze.csv") if layers.data_dir is not None else None
    if water is not None and water.exists():
        ports = pd.read_csv(water)
        if {"port_zh", "port_en"} <= set(ports.columns):
            for zh, en in zip(ports["port_zh"], ports["port_en"], strict=True):
                if isinstance(zh, str) and isinstance(en, str) and en.strip():
                    out.setdefault(zh, en)
    return out


def legs_lines(legs: pd.DataFrame, lang: str, names_en: Mapping[str, str] | None = None) -> list[str]:
    """Route legs as one short line each (mode, places, km, hours, cost), readable in a narrow column; a change of
    mode happens at one place and is named once."""

    def place(n: Any) -> str:
        return names_en.get(str(n), str(n)) if lang == "en" and names_en else str(n)

    unit = tr("unit.CNY/TEU", lang)
    out = []
    for leg in legs.to_dict("records"):
        a, b = place(leg["from"]), place(leg["to"])
        where = a if a == b or leg["mode"] == "transfer" else f"{a} → {b}"
        out.append(
            f"{_mode_label(str(leg['mode']), lang)} · {where} · {leg['km']:,.0f} km · {leg['hours']:,.1f} h · "
            f"{leg['cost_cny_teu']:,.0f} {unit}"
        )
    return out


# --- exports -----------------------------------------------------------------------------------------------------


def flat_shortlist(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A shortlist with list/dict cells turned into text (for CSV, XLSX and tables); with ``lang``, criterion ids in
    the contributions become short labels in that language."""
    from transfer.i18n import criterion_label

    out = df.copy()
    if "reasons" in out:
        out["reasons"] = out["reasons"].map(lambda r: "; ".join(r) if isinstance(r, (list, tuple)) else str(r))

    def label(k: str) -> str:
        return criterion_label(k, lang, short=True) if lang else k

    if "contributions" in out:
        out["contributions"] = out["contributions"].map(
            lambda d: (
                ", ".join(f"{label(k)} {v:.4f}" for k, v in sorted(d.items(), key=lambda kv: -kv[1]) if v > 0)
                if isinstance(d, dict)
                else str(d)
            )
        )
    return out


def table_bytes(
    df: pd.DataFrame, fmt: str, *, sites: gpd.GeoDataFrame | None = None, context: ExportContext | None = None
) -> bytes:
    """CSV (UTF-8 with BOM, formulas defused), XLSX or GeoJSON (joined to site polygons) bytes of a table; with a
    ``context``, the file records the scenario, filters and weights it was made with, in the context's language."""
    from transfer import export

    lang = context.lang if context is not None else None
    flat = export.shortlist_table(df, lang=lang) if "contributions" in df or "reasons" in df else df
    if fmt == "csv":
        return export.to_csv_bytes(flat, context=context)
    if fmt == "xlsx":
        return export.to_xlsx_bytes({tr("export.sheet_name", lang or "zh"): flat}, context=context)
    if fmt == "geojson":
        if sites is None or C.ADCODE not in df:
            raise LayerError("a GeoJSON export needs site adcodes", where="export", fix="export CSV instead")
        return export.to_geojson_bytes(df, sites, context=context, lang=lang)
    raise LayerError(f"unknown export format {fmt!r}", where="export", fix="use csv, xlsx or geojson")


def firms_template_csv() -> bytes:
    """The firms template: the columns load_firms reads, with two example rows marked as examples."""
    df = pd.DataFrame(
        [
            {
                "name": "示例企业A (example)",
                "industry": "electronics_assembly",
                "origin": "深圳",
                "jobs": 1000,
                "land_ha": "",
                "needs_bonded_zone": "yes",
            },
            {
                "name": "示例企业B (example)",
                "industry": "textiles_garments",
                "origin": "苏州",
                "jobs": 500,
                "land_ha": "",
                "needs_bonded_zone": "no",
            },
        ]
    )
    from transfer import export

    return export.to_csv_bytes(df)


# --- data and sources ------------------------------------------------------------------------------------------


def sources_sections(path: Path) -> tuple[str, dict[str, str]]:
    """The licence table and one text section per layer file (``### `file` — title``) of SOURCES.md."""
    if not path.exists():
        return "", {}
    text = path.read_text(encoding="utf-8")
    lic = ""
    m = re.search(r"## Licences and attribution\n(.*?)(?=\n## )", text, flags=re.S)
    if m:
        lic = m.group(1).strip()
    sections: dict[str, str] = {}
    for part in re.split(r"\n(?=### )", text):
        head = re.match(r"### `([^`]+)`", part)
        if head:
            sections[head.group(1)] = part.strip()
    return lic, sections


def unit_label(unit: str, lang: str) -> str:
    """A criterion's unit in the page language (the unit id itself when no translation exists)."""
    if not unit:
        return ""
    label = tr(f"unit.{unit}", lang)
    return unit if label == f"unit.{unit}" else label


def what_it_takes_table(
    run: RunResult, base: Base, result: ScoreResult, industry: str, adcode: int, k: int, lang: str
) -> tuple[pd.DataFrame, bool]:
    """The levers of :func:`transfer.explain.explain` as a translated table, and whether any single one works."""
    from transfer.explain import explain, format_value

    ex = explain(run.table, result, base.catalogue, industry, adcode, top_k=k, lang=lang)
    rows = []
    for lv in ex.what_it_takes:
        change = (
            ("+" if (lv.change or 0) >= 0 else "−")
            + format_value(abs(lv.change or 0), lv.unit)
            + f" {unit_label(lv.unit, lang)}"
            if lv.feasible
            else ""
        )
        note = (
            tr(f"lever.{lv.note_code}", lang)
            if lv.note_code
            else ("" if lv.feasible else tr("profile.not_enough", lang))
        )
        rows.append(
            {
                tr("col.criterion", lang): tr(f"criterion_short.{lv.criterion}", lang),
                tr("col.change", lang): change
                + (
                    f" ({format_value(lv.current, lv.unit)} → {format_value(lv.needed, lv.unit)})"
                    if lv.feasible
                    else ""
                ),
                tr("col.new_rank", lang): "" if lv.new_rank is None else str(lv.new_rank),
                tr("col.note", lang): note,
            }
        )
    frame = pd.DataFrame(rows)
    if len(frame):
        feasible = [lv.feasible for lv in ex.what_it_takes]
        frame = pd.concat([frame[feasible], frame[[not f for f in feasible]]])
    return frame, ex.single_change_possible


def criteria_coverage_table(table: SiteTable, lang: str) -> pd.DataFrame:
    """Per criterion: sites known (share), how many by data quality, and the source, with translated headers."""
    from transfer.sitetable import QUALITY_LEVELS, criteria_coverage

    cov = criteria_coverage(table)
    out = pd.DataFrame(
        {
            tr("col.criterion", lang): [tr(f"criterion.{c}", lang) for c in cov["criterion"]],
            tr("data.known_share", lang): [f"{v:.0%}" for v in cov["known_share"]],
            **{tr(f"quality.{q}", lang): cov[q] for q in QUALITY_LEVELS},
            tr("col.source", lang): [
                provenance_label(c, str(v), lang) for c, v in zip(cov["criterion"], cov["source"], strict=True)
            ],
        }
    )
    return out


def layer_label(kind: str, lang: str) -> str:
    """Translated name of a layer kind, with the id in brackets (the id is what a replacement file is for)."""
    label = tr(f"layer.{kind}", lang)
    return f"{label} ({kind})" if label != f"layer.{kind}" else kind


def layer_inventory(base: Base, lang: str) -> pd.DataFrame:
    """One row per layer: file, rows, source years, distinct sources and flagged rows (from the layer itself)."""
    layers = base.layers
    rows = []
    for kind, n in layers.counts().items():
        frame = getattr(layers, kind)
        years = ""
        if C.SOURCE_YEAR in frame:
            ys = sorted({int(y) for y in pd.to_numeric(frame[C.SOURCE_YEAR], errors="coerce").dropna()})
            years = ", ".join(map(str, ys[:6])) + (" …" if len(ys) > 6 else "")
        n_src = int(frame[C.SOURCE].nunique()) if C.SOURCE in frame else 0
        flagged = int(frame[C.FLAG].fillna("").astype(str).str.strip().ne("").sum()) if C.FLAG in frame else 0
        rows.append(
            {
                tr("data.layer", lang): layer_label(kind, lang),
                tr("data.file", lang): layers.files.get(kind, "curated/corridors.yaml" if kind == "corridors" else ""),
                tr("data.rows", lang): n,
                tr("data.sources_years", lang): years,
                tr("data.n_sources", lang): n_src,
                tr("data.flagged", lang): flagged,
            }
        )
    return pd.DataFrame(rows)
