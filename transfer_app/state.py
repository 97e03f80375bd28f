"""Shared state of the app pages: the per-run context, cached engine calls, scenario options, table helpers."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from transfer import columns as C
from transfer.errors import TransferError
from transfer.industries import IndustryCatalogue
from transfer.pipeline import Base, RunResult, get_network, run
from transfer.scenarios import Scenario, load_scenario, parse_scenario, scenario_yaml
from transfer.scoring import ScoreResult
from transfer_app import core
from transfer_app.login import open_ws
from transfer_app.session import DEFAULT_SCENARIO, Filters, Key, Session

tr = core.tr
REPO = Path(__file__).resolve().parent.parent
SCENARIO_DIR = REPO / "scenarios"
SOURCES_MD = REPO / "geodata" / "SOURCES.md"
DEFAULT_KEY = DEFAULT_SCENARIO
CURRENT_KEY = "current"  # the sidebar scenario with the slider weights (compare only)
ROBUSTNESS_K = 10
T = TypeVar("T")


@dataclass(frozen=True)
class Ctx:
    """What every page needs for one script run (read-only)."""

    session: Session
    lang: str
    base: Base
    base_token: str
    run: RunResult  # the one run every page reads: the chosen scenario with the slider weights laid on top
    scn: Scenario  # that scenario (weights merged)
    scn_plain: Scenario  # the chosen scenario without slider weights
    scn_key: str
    industry: str
    origin: int
    top_n: int
    provinces: gpd.GeoDataFrame | None
    map_sites: gpd.GeoDataFrame
    run_ms: float | None = None  # engine time of this run when it was not cached
    saved: tuple[Any, ...] = ()  # the workspace's scenario versions, read once per run

    @property
    def result(self) -> ScoreResult:
        return self.run.scores

    @property
    def weights_edited(self) -> bool:
        return bool(self.session.weights)

    @property
    def filters(self) -> Filters:
        return self.session.filters


# --- cached engine calls ------------------------------------------------------------------------------------------


def scenario_text(scn: Scenario) -> str:
    """A cache key for a scenario: its resolved YAML plus where it came from."""
    return f"{scn.source_path}\n{scenario_yaml(scn)}"


def cached_run(_base: Base, base_token: str, scn_text: str, _scn: Scenario) -> RunResult:
    return cached_timed_run(_base, base_token, scn_text, _scn)[0]


@st.cache_resource(show_spinner=False, max_entries=24)
def cached_timed_run(
    _base: Base, base_token: str, scn_text: str, _scn: Scenario, _reuse: RunResult | None = None
) -> tuple[RunResult, float]:
    t0 = time.perf_counter()
    r = run(_base, _scn, reuse=_reuse)
    return r, (time.perf_counter() - t0) * 1000


@st.cache_resource(show_spinner=False, max_entries=8)
def place_names_en(_base: Base, base_token: str) -> dict[str, str]:
    """English place names for route tables, read once per data set (not at every profile render)."""
    return core.place_names_en(_base)


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_firm_run(
    _base: Base, base_token: str, scn_text: str, _scn: Scenario, digest: str, _firms: pd.DataFrame
) -> RunResult:
    return run(_base, _scn, firms=_firms)


@st.cache_resource(show_spinner=False)
def default_digest() -> str:
    """The disk-cache digest of the default data folder and the engine's code (made once per process, as the default
    base is loaded once per process)."""
    from transfer.basecache import data_digest

    return data_digest()


@st.cache_resource(show_spinner=False)
def app_digest() -> str:
    """Digest of the app's own code and the map libraries (what a cached prepared map also depends on)."""
    from transfer.basecache import source_digest

    return source_digest(Path(__file__).resolve().parent, ("folium", "branca", "streamlit-folium", "streamlit"))


def disk_cached(kind: str, key: str, make: Callable[[], T], of: type[T], *, keep: int = 4) -> T:
    """``make()`` for the default data, kept in the disk cache (transfer.basecache) under ``kind`` and a digest of
    ``key``, the data and the code, so a new process reads it instead of making it again (an empty value, such as
    the titles of a file that does not load, is made again each time)."""
    from transfer.basecache import read_cached, write_cached

    disk_key = hashlib.blake2b(f"{key}|{default_digest()}|{app_digest()}".encode(), digest_size=20).hexdigest()
    hit = read_cached(kind, disk_key)
    if isinstance(hit, of):
        return hit
    value = make()
    if value is not None and (len(value) if hasattr(value, "__len__") else 1):  # nothing made is not kept
        write_cached(kind, disk_key, value, keep=keep)
    return value


_NETWORK_LOCK = threading.Lock()  # the network is loaded once, by the warm-up or by the first route


def base_network(base: Base) -> Any:
    """The base logistics network (about 10 s to load the first time in a process), or None without one."""
    with _NETWORK_LOCK:
        try:
            return get_network(base)
        except TransferError:
            return None


def warm_network(base: Base) -> None:
    """Load the network in the background after the first page is drawn, so the first click on a site does not
    wait for it (the server's warm-up loads the default data's already)."""
    threading.Thread(target=base_network, args=(base,), name="network-warm-up", daemon=True).start()


def scenario_network(base: Base, run: RunResult) -> Any:
    """The network a run's scenario sees: its own when it edits one, else the base one (loaded on first use)."""
    return run.network if run.network is not None else base_network(base)


@st.cache_resource(show_spinner=False, max_entries=512)
def cached_route(_net: Any, net_token: str, origin_id: str, target_id: str) -> tuple[Any, str]:
    from transfer import network as nw

    try:
        return nw.route(_net, origin_id, target_id), ""
    except TransferError as exc:
        return None, str(exc)


def scenario_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml")) if SCENARIO_DIR.exists() else []


def saved_scenarios() -> list[Any]:
    """Scenario versions saved in the workspace (newest version of each name last); [] when it cannot be read."""
    try:
        with open_ws() as ws:
            return list(ws.list_scenarios())
    except TransferError:
        return []


def scenario_options(session: Session, *, saved: list[Any] | None = None) -> list[str]:
    """Every scenario a page can pick: default, files, applied edits and workspace versions."""
    opts = [DEFAULT_KEY] + [f"file:{p.name}" for p in scenario_files()]
    opts += [f"edit:{name}" for name in session.edited]
    opts += [f"ws:{r.name}:{r.version}" for r in (saved_scenarios() if saved is None else saved)]
    return opts


def scenario_label(key: str, lang: str) -> str:
    if key == DEFAULT_KEY:
        return tr("sidebar.default_scenario", lang)
    if key == CURRENT_KEY:
        return tr("compare.current", lang)
    if key.startswith("edit:"):
        return f"✎ {key.removeprefix('edit:')}"
    if key.startswith("ws:"):
        name, _, version = key.removeprefix("ws:").rpartition(":")
        return f"⛁ {name} v{version}"
    path = SCENARIO_DIR / key.removeprefix("file:")
    title = _file_titles(str(path), path.stat().st_mtime if path.exists() else 0.0).get(lang)
    return title or key.removeprefix("file:").removesuffix(".yaml")


@st.cache_data(show_spinner=False, max_entries=64)
def _file_titles(path: str, mtime: float) -> dict[str, str]:
    """The titles of a scenario file per language (read once per file version, kept on disk by the file's contents;
    none for a file that does not load)."""

    def titles() -> dict[str, str]:
        try:
            scn = load_scenario(path)
        except TransferError:
            return {}
        return {lang: scn.label(lang) for lang in ("zh", "en")}

    try:
        text = Path(path).read_bytes()
    except OSError:
        return titles()
    content = hashlib.blake2b(text, digest_size=20).hexdigest()
    return disk_cached("titles", f"{path}|{content}", titles, dict, keep=64)


def scenario_about(key: str, scn: Scenario, lang: str) -> str:
    """What the chosen scenario is, in ``lang`` (the default scenario explains itself)."""
    if key == DEFAULT_KEY:
        return tr("sidebar.default_about", lang)
    return scn.about(lang)


def resolve_scenario(key: str, session: Session) -> Scenario:
    """The scenario behind an option key (raises TransferError for a bad file or a missing version)."""
    if key.startswith("edit:") and key.removeprefix("edit:") in session.edited:
        return parse_scenario(session.edited[key.removeprefix("edit:")], where="editor", base_dir=SCENARIO_DIR)
    if key.startswith("file:"):
        return load_scenario(SCENARIO_DIR / key.removeprefix("file:"))
    if key.startswith("ws:"):
        name, _, version = key.removeprefix("ws:").rpartition(":")
        with open_ws() as ws:
            text = ws.get_scenario(name, int(version)).yaml_text
        return parse_scenario(text, where=f"workspace scenario {name} v{version}", base_dir=SCENARIO_DIR)
    return Scenario(name="default")


def with_weights(scn: Scenario, overrides: dict[str, dict[str, float]]) -> Scenario:
    """The scenario with slider weights as an override (the scenario itself when there are none)."""
    if not overrides:
        return scn
    return scn.model_copy(update={"weights": core.merged_weights(scn, overrides)})


def run_for(base: Base, base_token: str, key: str, session: Session) -> RunResult:
    scn = resolve_scenario(key, session)
    return cached_run(base, base_token, scenario_text(scn), scn)


def timed_run(base: Base, base_token: str, scn: Scenario, *, plain: Scenario | None = None) -> tuple[RunResult, float]:
    """The cached run of a scenario, and the engine time in ms it took when it was computed. With ``plain`` (the
    same scenario without slider weights) the site table of its run is reused: a slider only re-scores."""
    reuse = None if plain is None or plain is scn else cached_run(base, base_token, scenario_text(plain), plain)
    return cached_timed_run(base, base_token, scenario_text(scn), scn, reuse)


def tmp_copy(uploaded: Any) -> Path:
    """Write an upload to a private temporary file that keeps its name (the engine names it in messages).

    The folder is named after the content, so the reruns of one upload reuse one file instead of writing new ones.
    """
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / f"transfer_upload_{os.getuid() if hasattr(os, 'getuid') else 0}_{digest}"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / Path(uploaded.name).name
    if not path.exists() or path.stat().st_size != len(data):
        path.write_bytes(data)
    return path


def choose_sheet(path: Path, lang: str, *, key: str) -> str | None:
    """For a workbook with several sheets, a selector of the sheet to read (the first by default); else None."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    from transfer._validate import xlsx_sheets

    try:
        names = xlsx_sheets(path)
    except TransferError:
        return None  # the reader itself says what is wrong with the file
    if len(names) < 2:
        return None
    return str(st.selectbox(tr("upload.sheet", lang), names, key=key))


def too_large(uploaded: Any, lang: str) -> bool:
    msg = core.check_upload_size(len(uploaded.getvalue()), lang)
    if msg:
        st.error(msg)
        return True
    return False


def industry_name(ctx: Ctx, industry: str) -> str:
    p = ctx.base.catalogue.get(industry)
    return p.name_zh if ctx.lang == "zh" else p.name_en


def origin_name(ctx: Ctx) -> str:
    """The chosen origin's name in the page language."""
    o = ctx.base.layers.origins
    hit = o.loc[o["adcode"].astype(int) == int(ctx.origin), C.NAME_ZH if ctx.lang == "zh" else C.NAME_EN]
    return str(hit.iloc[0]) if len(hit) else str(ctx.origin)


def site_labels(ctx: Ctx) -> dict[int, str]:
    """'name · province' of every site in the page language (for pickers), made once per data set and language."""
    return _site_labels(ctx.base_token, ctx.lang, ctx.run.table.sites)


@st.cache_data(show_spinner=False, max_entries=8)
def _site_labels(base_token: str, lang: str, _sites: pd.DataFrame) -> dict[int, str]:
    name = _sites[C.NAME_ZH if lang == "zh" else C.NAME_EN].astype(str)
    prov = _sites[C.PROVINCE].astype(str)
    if lang != "zh" and C.PROVINCE_EN in _sites:
        prov = _sites[C.PROVINCE_EN].fillna(_sites[C.PROVINCE]).astype(str)
    return {int(a): f"{n} · {p}" for a, n, p in zip(_sites.index, name, prov, strict=True)}


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


def industry_changed(session: Session, catalogue: IndustryCatalogue, origin_codes: list[int]) -> None:
    """The origin follows the industry's main origin cluster until the user picks one: a new industry brings its own
    main origin, unless the chosen origin is one of its origins already."""
    ind = session.industry
    if ind not in catalogue.ids:
        return
    main = [int(o) for o in catalogue.get(ind).main_origins if int(o) in origin_codes]
    if not main:
        return
    if not session.origin_picked or session.origin not in main:
        session.set_origin(main[0], picked=False)


def origin_changed(session: Session) -> None:
    session.set_origin(int(session.get(Key.ORIGIN)), picked=True)


def display_table(df: pd.DataFrame, ctx: Ctx) -> pd.DataFrame:
    """A shortlist as shown: translated headers, region labels, reasons as text."""
    flat = core.flat_shortlist(df, ctx.lang)
    if ctx.lang != "zh" and C.NAME_EN in flat and C.NAME_ZH in flat:  # the site column in the page language
        flat[C.NAME_ZH] = flat[C.NAME_EN].where(flat[C.NAME_EN].astype(str).str.strip() != "", flat[C.NAME_ZH])
        flat = flat.drop(columns=[C.NAME_EN])
    elif C.NAME_ZH in flat and C.NAME_EN in flat:
        flat = flat.drop(columns=[C.NAME_EN])
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
