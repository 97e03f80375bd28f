"""Streamlit app: regional transfer site matching (run with `make run`)."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

import transfer_app_core as core
import transfer_app_map as amap
import transfer_app_pages as pages
import transfer_app_state as state
import transfer_app_workshop as workshop
from transfer.errors import TransferError
from transfer.i18n import DEFAULT_LANG, LANGS
from transfer.mapview import vendor_leaflet
from transfer.pipeline import Base, load_base

st.set_page_config(page_title="承接地匹配 · Transfer site matching", layout="wide", page_icon="🗺")

# session state, initialised once per session
_DEFAULTS: dict[str, object] = {
    "lang": DEFAULT_LANG,
    "site": None,
    "weights": {},
    "custom_base": None,
    "base_token": "default",
    "last_click": None,
    "edited_yaml": "",
    "edited_name": "",
    "yaml_error": "",
    "replace_msg": "",
    "page_idx": 0,
    "scenario": state.DEFAULT_KEY,
    # a labour-intensive industry every site may receive, so the first map is coloured everywhere
    "industry": "textiles_garments",
}
for _k, _v in _DEFAULTS.items():
    if _k not in st.session_state:
        st.session_state[_k] = _v


@st.cache_resource(show_spinner=False)
def default_base() -> Base:
    vendor_leaflet()
    return load_base()


@st.cache_resource(show_spinner=False)
def province_shapes(data_dir: str) -> gpd.GeoDataFrame | None:
    path = f"{data_dir}/provinces.geojson"
    try:
        return gpd.read_file(path)
    except Exception:  # the basemap is decoration: without it the map still works
        return None


@st.cache_resource(show_spinner=False, max_entries=8)
def map_sites(_base: Base, base_token: str) -> gpd.GeoDataFrame:
    return amap.simplified_sites(_base.layers.sites)


lang = st.session_state["lang"]
try:
    with st.spinner(core.tr("app.loading", lang)):
        base = st.session_state["custom_base"] or default_base()
except TransferError as exc:
    st.error(str(exc))
    st.stop()
base_token = st.session_state["base_token"]

# --- sidebar ----------------------------------------------------------------------------------------------------
with st.sidebar:
    state.restore_choice("lang", DEFAULT_LANG, allowed=list(LANGS))
    st.radio(
        core.tr("sidebar.language", lang),
        list(LANGS),
        format_func=lambda code: {"zh": "中文", "en": "English"}.get(code, code),
        horizontal=True,
        key="lang",
    )
    state.remember_choice("lang")
    lang = st.session_state["lang"]
    catalogue = base.catalogue
    state.restore_choice("industry", "textiles_garments", allowed=list(catalogue.ids))
    industry = st.selectbox(
        core.tr("sidebar.industry", lang),
        list(catalogue.ids),
        format_func=lambda i: catalogue.get(i).name_zh if lang == "zh" else catalogue.get(i).name_en,
        key="industry",
        on_change=state.industry_changed,
        args=(catalogue, [int(c) for c in base.layers.origins["adcode"]]),
    )
    state.remember_choice("industry")
    options = state.scenario_options()
    if st.session_state["scenario"] not in options:
        st.session_state["scenario"] = state.DEFAULT_KEY
    scn_key = st.selectbox(
        core.tr("sidebar.scenario", lang),
        options,
        format_func=lambda k: state.scenario_label(k, lang),
        key="scenario",
    )
    origins = base.layers.origins
    origin_codes = [int(c) for c in origins["adcode"]]
    main = [o for o in catalogue.get(industry).main_origins if int(o) in origin_codes]
    state.restore_choice("origin", int(main[0]) if main else origin_codes[0], allowed=origin_codes)
    origin = st.selectbox(
        core.tr("sidebar.origin", lang),
        origin_codes,
        format_func=lambda c: str(
            origins.loc[origins["adcode"] == c, "name_zh" if lang == "zh" else "name_en"].iloc[0]
        ),
        key="origin",
    )
    state.remember_choice("origin")
    state.restore_choice("top_n", 10)
    top_n = int(st.number_input(core.tr("sidebar.top_n", lang), 1, 100, key="top_n"))
    state.remember_choice("top_n")
    if st.session_state["custom_base"] is not None:
        st.warning(core.tr("sidebar.data_replaced", lang))
    custom = sorted(k for k, v in st.session_state["weights"].items() if v and k in catalogue.ids)
    if custom:
        names = "、".join(catalogue.get(k).name_zh if lang == "zh" else catalogue.get(k).name_en for k in custom)
        st.info(core.tr("sidebar.custom_weights", lang, industries=names))

st.title(core.tr("app.title", lang))
st.caption(core.tr("app.subtitle", lang))

# --- the run for the chosen scenario, and slider weights re-scored on top -----------------------------------------
try:
    scn = state.resolve_scenario(scn_key)
    with st.spinner(core.tr("app.loading", lang)):
        result_run = state.cached_run(base, base_token, state.scenario_text(scn), scn)
except TransferError as exc:
    st.error(str(exc))
    scn = state.resolve_scenario(state.DEFAULT_KEY)
    result_run = state.cached_run(base, base_token, state.scenario_text(scn), scn)

overrides = {k: v for k, v in st.session_state["weights"].items() if k in catalogue.ids}
rescore_ms = None
result = result_run.scores
if overrides:
    memo_key = (base_token, state.scenario_text(scn), repr(sorted(overrides.items())))
    memo = st.session_state.get("rescore_memo")
    if memo is not None and memo[0] == memo_key:
        result, rescore_ms = memo[1], memo[2]
    else:
        try:
            result, rescore_ms = state.timed_rescore(result_run, base, scn, overrides)
            st.session_state["rescore_memo"] = (memo_key, result, rescore_ms)
        except TransferError as exc:
            st.error(str(exc))

ctx = state.Ctx(
    lang=lang,
    base=base,
    base_token=base_token,
    run=result_run,
    result=result,
    scn=scn,
    scn_key=scn_key,
    industry=industry,
    origin=int(origin),
    top_n=top_n,
    provinces=province_shapes(str(base.layers.data_dir)),
    map_sites=map_sites(base, base_token),
)

# --- pages: only the open tab runs --------------------------------------------------------------------------------
labels = [core.tr(k, lang) for k in ("tab.map", "tab.shortlists", "tab.workshop", "tab.firms", "tab.data")]
if st.session_state.get("page") not in labels:
    st.session_state["page"] = labels[min(int(st.session_state["page_idx"]), len(labels) - 1)]
tabs = st.tabs(labels, key="page", on_change="rerun")
renderers = (
    pages.page_map,
    pages.page_shortlists,
    lambda c: workshop.page_workshop(c, rescore_ms),
    pages.page_firms,
    pages.page_data,
)
for i, (tab, render) in enumerate(zip(tabs, renderers, strict=True)):
    if tab.open:
        st.session_state["page_idx"] = i
        with tab:
            render(ctx)
