"""Shared state of the app pages: the per-run context, cached engine calls, scenario options, table helpers."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

import transfer_app_core as core
from transfer import columns as C
from transfer.errors import TransferError
from transfer.industries import IndustryCatalogue
from transfer.pipeline import Base, RunResult, get_network, run
from transfer.scenarios import Scenario, load_scenario, parse_scenario, scenario_yaml
from transfer.scoring import ScoreResult

tr = core.tr
REPO = Path(__file__).resolve().parent
SCENARIO_DIR = REPO / "scenarios"
SOURCES_MD = REPO / "geodata" / "SOURCES.md"
DEFAULT_KEY = "default"
EDITED_KEY = "edited"
ROBUSTNESS_K = 10


@dataclass(frozen=True)
class Ctx:
    """What every page needs for one script run (read-only)."""

    lang: str
    base: Base
    base_token: str
    run: RunResult
    result: ScoreResult
    scn: Scenario
    scn_key: str
    industry: str
    origin: int
    top_n: int
    provinces: gpd.GeoDataFrame | None
    map_sites: gpd.GeoDataFrame


# --- cached engine calls ------------------------------------------------------------------------------------------


def scenario_text(scn: Scenario) -> str:
    """A cache key for a scenario: its resolved YAML plus where it came from."""
    return f"{scn.source_path}\n{scenario_yaml(scn)}"


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_run(_base: Base, base_token: str, scn_text: str, _scn: Scenario) -> RunResult:
    return run(_base, _scn)


@st.cache_resource(show_spinner=False, max_entries=8)
def place_names_en(_base: Base, base_token: str) -> dict[str, str]:
    """English place names for route tables, read once per data set (not at every profile render)."""
    return core.place_names_en(_base)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_firm_run(
    _base: Base, base_token: str, scn_text: str, _scn: Scenario, digest: str, _firms: pd.DataFrame
) -> RunResult:
    return run(_base, _scn, firms=_firms)


def scenario_network(base: Base, run: RunResult) -> Any:
    """The network a run's scenario sees: its own when it edits one, else the base one (loaded on first use)."""
    try:
        return run.network if run.network is not None else get_network(base)
    except TransferError:
        return None


@st.cache_resource(show_spinner=False, max_entries=512)
def cached_route(_net: Any, net_token: str, origin_id: str, target_id: str) -> tuple[Any, str]:
    from transfer import network as nw

    try:
        return nw.route(_net, origin_id, target_id), ""
    except TransferError as exc:
        return None, str(exc)


def scenario_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml")) if SCENARIO_DIR.exists() else []


def scenario_options() -> list[str]:
    opts = [DEFAULT_KEY] + [f"file:{p.name}" for p in scenario_files()]
    if st.session_state.get("edited_yaml"):
        opts.append(EDITED_KEY)
    return opts


def scenario_label(key: str, lang: str) -> str:
    if key == DEFAULT_KEY:
        return tr("sidebar.default_scenario", lang)
    if key == EDITED_KEY:
        return f"✎ {st.session_state.get('edited_name') or 'edited'}"
    return key.removeprefix("file:").removesuffix(".yaml")


def resolve_scenario(key: str) -> Scenario:
    """The scenario behind an option key (raises TransferError for a bad file)."""
    if key == EDITED_KEY and st.session_state.get("edited_yaml"):
        return parse_scenario(st.session_state["edited_yaml"], where="editor", base_dir=SCENARIO_DIR)
    if key.startswith("file:"):
        return load_scenario(SCENARIO_DIR / key.removeprefix("file:"))
    return Scenario(name="default")


def run_for(base: Base, base_token: str, key: str) -> RunResult:
    scn = resolve_scenario(key)
    return cached_run(base, base_token, scenario_text(scn), scn)


def tmp_copy(uploaded: Any) -> Path:
    """Write an upload to a private temporary file that keeps its name (the engine names it in messages)."""
    folder = Path(tempfile.mkdtemp(prefix="transfer_upload_"))
    path = folder / Path(uploaded.name).name
    path.write_bytes(uploaded.getvalue())
    return path


def too_large(uploaded: Any, lang: str) -> bool:
    msg = core.check_upload_size(len(uploaded.getvalue()), lang)
    if msg:
        st.error(msg)
        return True
    return False


def industry_name(ctx: Ctx, industry: str) -> str:
    p = ctx.base.catalogue.get(industry)
    return p.name_zh if ctx.lang == "zh" else p.name_en


def site_name(ctx: Ctx, adcode: int) -> str:
    s = ctx.run.table.sites.loc[int(adcode)]
    return str(s[C.NAME_ZH] if ctx.lang == "zh" else s[C.NAME_EN])


def province_label(ctx: Ctx, province_zh: str) -> str:
    """A province name in the page language."""
    if ctx.lang == "zh" or C.PROVINCE_EN not in ctx.run.table.sites:
        return str(province_zh)
    sites = ctx.run.table.sites
    names = dict(zip(sites[C.PROVINCE], sites[C.PROVINCE_EN], strict=False))
    return str(names.get(province_zh) or province_zh)


def site_province(ctx: Ctx, adcode: int) -> str:
    return province_label(ctx, str(ctx.run.table.sites.at[int(adcode), C.PROVINCE]))


# --- sidebar choices that survive a language switch ---------------------------------------------------------------
# A widget whose label changes (the language switch relabels every widget) is a new widget to Streamlit, which then
# drops the old one's value at the next rerun. Each choice is therefore also kept under a shadow key that no widget
# owns, and put back before the widget is drawn.


def restore_choice(key: str, default: Any, *, allowed: list[Any] | None = None) -> None:
    """Put a sidebar choice back from its shadow copy (or the default) before its widget is drawn."""
    shadow = f"_keep_{key}"
    value = st.session_state.get(key, st.session_state.get(shadow, default))
    if allowed is not None and value not in allowed:
        value = st.session_state.get(shadow, default)
        if value not in allowed:
            value = default
    st.session_state[key] = value


def remember_choice(key: str) -> None:
    """Keep the widget's current value under its shadow key."""
    st.session_state[f"_keep_{key}"] = st.session_state.get(key)


def industry_changed(catalogue: IndustryCatalogue, origin_codes: list[int]) -> None:
    """A new industry brings its own main origin, unless the chosen origin is one of its origins already."""
    ind = st.session_state.get("industry")
    if ind not in catalogue.ids:
        return
    main = [int(o) for o in catalogue.get(ind).main_origins if int(o) in origin_codes]
    if main and st.session_state.get("origin") not in main:
        st.session_state["origin"] = main[0]
        st.session_state["_keep_origin"] = main[0]


def display_table(df: pd.DataFrame, ctx: Ctx) -> pd.DataFrame:
    """A shortlist as shown: translated headers, region labels, reasons as text."""
    flat = core.flat_shortlist(df, ctx.lang)
    if C.PROVINCE in flat:
        flat[C.PROVINCE] = flat[C.PROVINCE].map(lambda p: province_label(ctx, p))
    if C.REGION in flat:
        flat[C.REGION] = flat[C.REGION].map(lambda r: tr(f"region.{r}", ctx.lang))
    if "industry" in flat:
        flat["industry"] = flat["industry"].map(lambda i: industry_name(ctx, i))
    if "eligible" in flat:
        flat["eligible"] = flat["eligible"].map(lambda b: tr("value.yes" if b else "value.no", ctx.lang))
    names = {
        "rank": tr("col.rank", ctx.lang),
        "industry": tr("col.industry", ctx.lang),
        C.ADCODE: tr("col.adcode", ctx.lang),
        C.NAME_ZH: tr("col.site", ctx.lang),
        C.NAME_EN: "English",
        C.PROVINCE: tr("col.province", ctx.lang),
        C.REGION: tr("col.region", ctx.lang),
        "score": tr("col.score", ctx.lang),
        "eligible": tr("col.eligible", ctx.lang),
        "reasons": tr("col.reasons", ctx.lang),
        "contributions": tr("col.top_contributions", ctx.lang),
        "cluster_fit": tr("col.cluster_fit", ctx.lang),
        "percentile": tr("col.percentile", ctx.lang),
        "position_score": tr("col.position_score", ctx.lang),
    }
    # the position score only orders the list (it can pass 1 with the cluster bonus): show rank and percentile
    flat = flat.drop(columns=[c for c in ("position_score",) if c in flat])
    if "percentile" in flat:
        flat["percentile"] = flat["percentile"].map(lambda v: "—" if v is None or pd.isna(v) else f"{float(v):.3f}")
    if "position_rank" in flat and "n_eligible" in flat:
        pos = [
            f"{int(r)} / {int(n)}" if pd.notna(r) else f"— / {int(n)}"
            for r, n in zip(flat["position_rank"], flat["n_eligible"], strict=True)
        ]
        flat = flat.drop(columns=["position_rank", "n_eligible"])
        flat.insert(2, tr("col.position", ctx.lang), pos)
    return flat.rename(columns=names)


def timed_rescore(
    ctx_run: RunResult, base: Base, scn: Scenario, overrides: dict[str, dict[str, float]]
) -> tuple[ScoreResult, float]:
    """Re-score with slider weights; returns the result and the engine time in ms."""
    t0 = time.perf_counter()
    res = core.rescore(ctx_run.table, base.catalogue, scn, overrides)
    return res, (time.perf_counter() - t0) * 1000
