"""The app's script: page set-up, the sidebar's choices, the one run every page reads, and the page navigation."""

from __future__ import annotations

import contextlib
import importlib

import geopandas as gpd
import streamlit as st

from transfer.basecache import cached_load_base
from transfer.errors import TransferError
from transfer.i18n import DEFAULT_LANG, LANGS, error_text
from transfer.mapview import vendor_leaflet
from transfer.pipeline import Base
from transfer_app import core, login, maps, pages, state
from transfer_app.pages import explore
from transfer_app.session import DEFAULT_INDUSTRY, Key, Session

tr = core.tr

# tighter page margins than Streamlit's default, so the map and its legend fit a 1366 x 768 screen; the page starts
# just below the page links of the fixed header (60 px high), none of it under them
_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 4rem; padding-left: 1.5rem; padding-right: 1.5rem;}
[data-testid="stSidebarHeader"] {height: 2rem; margin-bottom: 0;}
</style>"""


_WARMED: dict[int, bool] = {}


@st.cache_resource(show_spinner=False)
def default_base() -> Base:
    vendor_leaflet()
    return cached_load_base(digest=state.default_digest())  # from the disk cache when data and code are unchanged


@st.cache_resource(show_spinner=False)
def folder_base(data_dir: str) -> Base:
    """The base of another data folder ($TRANSFER_DATA, or a team's published layers), loaded once per process."""
    vendor_leaflet()
    return cached_load_base(data_dir)


def session_base(session: Session) -> tuple[Base, str]:
    """The data this session runs on and its cache token: a layer replaced on the Data page, else $TRANSFER_DATA (a
    folder or a team server's published layers, ``postgresql://...?layers=N``), else the embedded default (token
    "default": what the caches of the default data are kept under)."""
    if session.custom_base is not None:
        return session.custom_base, session.base_token
    folder = login.data_folder(session)
    if folder is None:
        return default_base(), session.base_token
    return folder_base(folder), f"data:{folder}"


@st.cache_resource(show_spinner=False)
def province_shapes(data_dir: str) -> gpd.GeoDataFrame | None:
    path = f"{data_dir}/provinces.geojson"
    try:
        return gpd.read_file(path)
    except Exception:  # the basemap is decoration: without it the map still works
        return None


@st.cache_resource(show_spinner=False, max_entries=8)
def map_sites(_base: Base, base_token: str) -> gpd.GeoDataFrame:
    if base_token != "default":
        return maps.simplified_sites(_base.layers.sites)
    return state.disk_cached("map_sites", "", lambda: maps.simplified_sites(_base.layers.sites), gpd.GeoDataFrame)


def warm_caches() -> None:
    """Make what the first page of a new session reads, in the caches its run reads them from: the default data, the
    run of the default scenario, the map shapes and the explorer map of the default industry and language, and the
    freight network a click's routes need (called at server start, see :mod:`transfer_app.serve`)."""
    base = default_base()
    token = Session().base_token
    scn = state.resolve_scenario(state.DEFAULT_KEY, Session())
    run, _ms = state.timed_run(base, token, scn)
    inputs = explore.MapInputs(
        run, DEFAULT_INDUSTRY, DEFAULT_LANG, province_shapes(str(base.layers.data_dir)), map_sites(base, token), token
    )
    explore.cached_map(explore.map_look(token, scn, DEFAULT_INDUSTRY, DEFAULT_LANG), inputs)
    state.base_network(base)  # for the first click's routes (read from the disk cache in about 0.6 s with imports)
    for key in state.scenario_options(Session(), saved=[]):  # the sidebar's scenario titles: each file read once
        for lang in LANGS:
            state.scenario_label(key, lang)
    with contextlib.suppress(ImportError):  # the page icon's check loads Streamlit's emoji table once (0.2 s)
        importlib.import_module("streamlit.emojis")


def _choices(session: Session, base: Base, saved: list[object]) -> tuple[str, int]:
    """The choices every page shares, from the session (or their defaults) before their widgets are drawn (the
    sidebar says what the chosen scenario is, known only once it is resolved). Returns (scenario key, origin)."""
    session.restore(Key.LANG, DEFAULT_LANG, allowed=list(LANGS))
    catalogue = base.catalogue
    origin_codes = [int(c) for c in base.layers.origins["adcode"]]
    session.restore(Key.INDUSTRY, DEFAULT_INDUSTRY, allowed=list(catalogue.ids))
    session.restore(Key.SCENARIO, state.DEFAULT_KEY, allowed=state.scenario_options(session, saved=saved))
    main = [int(o) for o in catalogue.get(session.industry).main_origins if int(o) in origin_codes]
    session.restore(Key.ORIGIN, main[0] if main else origin_codes[0], allowed=origin_codes)
    session.restore(Key.TOP_N, 10)
    return str(session.get(Key.SCENARIO)), int(session.get(Key.ORIGIN))


def _language(session: Session) -> None:
    st.radio(
        tr("sidebar.language", session.lang),
        list(LANGS),
        format_func=lambda code: {"zh": "中文", "en": "English"}.get(code, code),
        horizontal=True,
        key=Key.LANG,
    )
    session.remember(Key.LANG)


def _sidebar(session: Session, base: Base, saved: list[object], about: str) -> None:
    """The widgets of the choices every page shares (language, industry, scenario, origin, top N), read before by
    :func:`_choices`; ``about`` says what the scenario is."""
    lang = session.lang
    st.markdown(f"### {tr('app.title', lang)}")
    st.caption(tr("app.subtitle", lang))
    _language(session)
    login.sidebar_badge(session, st)
    catalogue = base.catalogue
    origins = base.layers.origins
    origin_codes = [int(c) for c in origins["adcode"]]
    st.selectbox(
        tr("sidebar.industry", lang),
        list(catalogue.ids),
        format_func=lambda i: catalogue.get(i).name_zh if lang == "zh" else catalogue.get(i).name_en,
        key=Key.INDUSTRY,
        on_change=state.industry_changed,
        args=(session, catalogue, origin_codes),
    )
    session.remember(Key.INDUSTRY)
    st.selectbox(
        tr("sidebar.scenario", lang),
        state.scenario_options(session, saved=saved),
        format_func=lambda k: state.scenario_label(k, lang),
        key=Key.SCENARIO,
    )
    session.remember(Key.SCENARIO)
    if about:
        st.caption(about)
    names = dict(zip(origins["adcode"].astype(int), origins["name_zh" if lang == "zh" else "name_en"], strict=True))
    st.selectbox(
        tr("sidebar.origin", lang),
        origin_codes,
        format_func=lambda c: str(names.get(c, c)),
        key=Key.ORIGIN,
        on_change=state.origin_changed,
        args=(session,),
    )
    session.remember(Key.ORIGIN)
    st.number_input(tr("sidebar.top_n", lang), 1, 100, key=Key.TOP_N)
    session.remember(Key.TOP_N)
    if session.custom_base is not None:
        st.warning(tr("sidebar.data_replaced", lang))
    elif base.layers.data_dir is not None and (label := login.data_label(base.layers.data_dir, lang)):
        st.caption(label)
    custom = sorted(k for k in session.weights if k in catalogue.ids)
    if custom:
        industries = "、".join(catalogue.get(k).name_zh if lang == "zh" else catalogue.get(k).name_en for k in custom)
        st.info(tr("sidebar.custom_weights", lang, industries=industries))
        st.button(tr("sidebar.reset_all_weights", lang), on_click=session.reset_all_weights, key="reset_all_w")


def main() -> None:
    """The app, behind one boundary: an unexpected error is an error box naming a log file, never a traceback."""
    st.set_page_config(page_title="承接地匹配 · Transfer site matching", layout="wide", page_icon="🗺")
    st.markdown(_CSS, unsafe_allow_html=True)
    try:
        _main()
    except TransferError as exc:  # an expected error that escaped its page: still what, where and how to fix
        if login.session_ended(exc):  # expired or revoked on the team server: log in again
            Session.current().store[Key.SERVER_LOGIN] = None
        st.error(error_text(exc, Session.current().lang))
    except Exception as exc:  # a bug: Streamlit's own rerun/stop signals are BaseException and pass through
        from transfer._crash import write_crash_log

        lang = Session.current().lang
        log = write_crash_log(exc, context="app")
        st.error(
            tr(
                "app.unexpected_error",
                lang,
                kind=type(exc).__name__,
                message=str(exc)[:200],
                log=str(log) if log else tr("app.log_unwritable", lang),
            )
        )


def _main() -> None:
    maps.register_component()
    session = Session.current()
    if not login.login_gate(session):  # on a team server: nothing but the login form until logged in
        session.restore(Key.LANG, DEFAULT_LANG, allowed=list(LANGS))
        with st.sidebar:
            st.markdown(f"### {tr('app.title', session.lang)}")
            _language(session)
        return
    lang = session.lang
    try:
        with st.spinner(tr("app.loading", lang)):
            base, base_token = session_base(session)
    except TransferError as exc:
        if login.session_ended(exc):
            session.store[Key.SERVER_LOGIN] = None
        st.error(error_text(exc, lang))
        st.stop()
    saved = state.saved_scenarios()
    scn_key, origin = _choices(session, base, saved)
    lang = session.lang

    # the one run for the chosen scenario, with the slider weights as a scenario override
    try:
        plain = state.resolve_scenario(scn_key, session)
    except TransferError as exc:
        st.error(str(exc))
        scn_key, plain = state.DEFAULT_KEY, state.resolve_scenario(state.DEFAULT_KEY, session)
    about = state.scenario_about(scn_key, plain, lang)
    with st.sidebar:  # early in the run: a widget drawn late could undo a pick the user makes meanwhile
        _sidebar(session, base, saved, about)
    scn = state.with_weights(plain, {k: v for k, v in session.weights.items() if k in base.catalogue.ids})
    try:
        with st.spinner(tr("app.loading", lang)):
            result_run, run_ms = state.timed_run(base, base_token, scn, plain=plain)
    except TransferError as exc:
        st.error(str(exc))
        scn = plain = state.resolve_scenario(state.DEFAULT_KEY, session)
        result_run, run_ms = state.timed_run(base, base_token, scn)

    ctx = state.Ctx(
        session=session,
        lang=lang,
        base=base,
        base_token=base_token,
        run=result_run,
        scn=scn,
        scn_plain=plain,
        scn_key=scn_key,
        industry=session.industry,
        origin=origin,
        top_n=session.top_n,
        provinces=province_shapes(str(base.layers.data_dir)),
        map_sites=map_sites(base, base_token),
        run_ms=run_ms,
        saved=tuple(saved),
    )
    listed = pages.pages(ctx)
    nav = st.navigation(listed, position="top")
    on_map = nav.url_path == listed[0].url_path
    draw_explorer = explore.explorer(ctx, shown=on_map)  # on every page, at one place: the browser keeps the map
    flash = session.take_flash()
    if flash:
        st.toast(flash)
    if on_map:
        draw_explorer()
    try:
        nav.run()
    finally:  # after the page, so it is sent first (and also when the page stops or fails)
        if not on_map:
            draw_explorer()
    if not _WARMED.get(id(base)):  # once per data set and process
        _WARMED[id(base)] = True
        state.warm_network(base)
