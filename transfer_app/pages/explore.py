"""The map explorer: the suitability map with its layers; a click (or a pick) opens the site's profile."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import geopandas as gpd
import pandas as pd
import streamlit as st

from transfer.escape import markdown_text
from transfer.pipeline import RunResult
from transfer.scenarios import Scenario
from transfer.scoring import robustness
from transfer_app import core, maps
from transfer_app.session import Key
from transfer_app.state import (
    ROBUSTNESS_K,
    Ctx,
    cached_route,
    disk_cached,
    display_table,
    industry_name,
    place_names_en,
    scenario_network,
    scenario_text,
    site_labels,
    site_name,
)

__all__ = ["EXPLORER_KEY", "MapInputs", "cached_map", "explorer", "map_look", "render", "site_profile"]

tr = core.tr
# the map and its legend fit a 1366 x 768 screen (about 625 px of page below the browser's bars, 60 px of it under
# the page links)
MAP_HEIGHT_PX = 420


# --- map explorer --------------------------------------------------------------------------------------------------


def _routes(ctx: Ctx, adcode: int) -> list[tuple[str, str, Any, str]]:
    """(title, colour, route or None, error) to the nearest sea gateway and to the chosen origin."""
    net = scenario_network(ctx.base, ctx.run)
    if net is None:
        return []
    token = f"{ctx.base_token}|{scenario_text(ctx.scn)}"
    out = []
    access = ctx.run.access
    gateway = None
    if access is not None and adcode in access.index:
        gateway = access.at[adcode, "nearest_sea_gateway"] if "nearest_sea_gateway" in access else None
    if isinstance(gateway, str) and gateway:
        r, err = cached_route(net, token, str(adcode), gateway)
        out.append((tr("profile.route_to_sea", ctx.lang), "#0072B2", r, err))
    r, err = cached_route(net, token, str(adcode), str(ctx.origin))
    out.append((tr("profile.route_to_origin", ctx.lang), "#D55E00", r, err))
    return out


EXPLORER_KEY = "explorer"
# the explorer of another page: not seen and taking no room, at its full size (Leaflet keeps what it drew)
_HIDDEN_CSS = (
    f"<style>.st-key-{EXPLORER_KEY} {{visibility: hidden; flex: none !important; height: 0 !important; "
    "min-height: 0 !important; overflow: hidden !important}"
    f'[data-testid="stLayoutWrapper"]:has(> .st-key-{EXPLORER_KEY}) {{margin-bottom: -1rem}}</style>'
)


def render(ctx: Ctx) -> None:
    """The map page: its explorer is drawn before every page by the app's script (:func:`explorer`)."""


def explorer(ctx: Ctx, *, shown: bool) -> Callable[[], None]:
    """The map explorer, drawn by the app's script before every page: shown on the map page, hidden on the others.
    An element of the app's script (not of a page) stays in the browser when the page changes, so coming back to the
    map shows the map already drawn instead of making it again (about 1 s in the browser). Hidden, the map is kept
    only while it is the one the browser holds: another look (new weights on the workshop page, say) is neither
    built nor sent until the map page shows it.

    Places the explorer (its place on the page stays the same on every page) and returns the function that draws
    it there: the app calls it before the map page, and after another page, so that page is sent first."""
    st.html("<style></style>" if shown else _HIDDEN_CSS)  # style only: no room on the page
    sent = ctx.session.store.pop(Key.MAP_SENT, None)  # what the last run left in the browser
    slot = st.container(key=EXPLORER_KEY)

    def draw() -> None:
        with slot:
            if shown or sent == map_look(ctx.base_token, ctx.scn, ctx.industry, ctx.lang):
                _explorer(ctx, shown, sent)

    return draw


@st.fragment
def _explorer(ctx: Ctx, shown: bool, sent: str | None) -> None:
    """The map and the profile as one fragment: a click on the map or a pick reruns only this part of the page (the
    sidebar and the run it reads do not depend on the selected site). Hidden, only the map is drawn."""
    selected = ctx.session.site
    routes = []
    if selected is not None:
        with st.spinner(tr("profile.loading_routes", ctx.lang)):
            routes = _routes(ctx, int(selected))
    lines = [(r.geometry, colour, title) for title, colour, r, _err in routes if r is not None]
    left, right = st.columns([5, 4], gap="medium")
    with left:
        st.caption(f"{tr('map.colour_by', ctx.lang)}: {industry_name(ctx, ctx.industry)}")
        # a new container key draws a new map (industry, weights, scenario, language, data); a selection only adds
        # its outline and routes to the drawn map. The map object of a look is built once and kept (cached_map).
        look = map_look(ctx.base_token, ctx.scn, ctx.industry, ctx.lang)
        inputs = MapInputs(ctx.run, ctx.industry, ctx.lang, ctx.provinces, ctx.map_sites, ctx.base_token)
        kept = cached_map(look, inputs)
        center, zoom = maps.view_for(ctx.map_sites, selected, lines)
        with st.container(key="map_" + hashlib.sha1(look.encode()).hexdigest()[:12]):
            out = kept.show(
                key="site_map",
                height=MAP_HEIGHT_PX,
                returned_objects=["last_object_clicked"],
                feature_group=maps.selection_layer(ctx.map_sites, selected, lines, ctx.lang),
                center=center,
                zoom=zoom,
                on_change=partial(_on_map_click, ctx),
                drawn=_fragment_rerun() or sent == look,
            )
        ctx.session.store[Key.MAP_SENT] = look
        st.markdown(maps.legend_chips(ctx.lang), unsafe_allow_html=True)
    del out  # a click is read by _on_map_click before this run, so it opens the profile in the same run
    if not shown:
        return
    with right:
        order = ctx.result.scores.loc[ctx.industry].sort_values(ascending=False).index
        labels = site_labels(ctx)
        ctx.session.set(Key.SITE_PICK, int(selected) if selected is not None else None)
        st.selectbox(
            tr("map.pick_site", ctx.lang),
            [None, *[int(c) for c in order]],
            format_func=lambda c: tr("map.none", ctx.lang) if c is None else labels[c],
            key=Key.SITE_PICK,
            on_change=_on_pick,
            args=(ctx,),
            placeholder=tr("map.none", ctx.lang),
        )
        if selected is None:
            st.info(tr("profile.click_hint", ctx.lang))
        else:
            site_profile(ctx, int(selected), routes)


def _fragment_rerun() -> bool:
    """Whether this run reruns the explorer fragment only (a click or a pick): the browser keeps the map drawn by
    the fragment's last run then, so only the selection and the view need to be sent."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    return bool(run is not None and run.fragment_ids_this_run)


MAPS_KEPT_ON_DISK = 16


class MapInputs(NamedTuple):
    """What the explorer map of one look is drawn from."""

    run: RunResult
    industry: str
    lang: str
    provinces: gpd.GeoDataFrame | None
    map_sites: gpd.GeoDataFrame
    base_token: str


def map_look(base_token: str, scn: Scenario, industry: str, lang: str) -> str:
    """The key of one look of the explorer map: data, scenario (with its weights), industry and language."""
    return f"{base_token}|{scenario_text(scn)}|{industry}|{lang}"


@st.cache_resource(show_spinner=False, max_entries=8)
def cached_map(look: str, _inputs: MapInputs) -> maps.KeptMap:
    """The explorer map of one look, built once (about 1.5 s) and drawn again with only the selection changing. What
    the browser gets of a look of the default data is also kept on disk, so a new process does not build it again."""
    inputs = _inputs

    def build() -> maps.KeptMap:
        m = maps.make_map(
            inputs.run,
            inputs.run.scores,
            inputs.industry,
            inputs.lang,
            provinces=inputs.provinces,
            map_sites=inputs.map_sites,
        )
        return maps.KeptMap(m)

    if inputs.base_token != "default":  # an uploaded data set: this session's only
        return build()
    made: list[maps.KeptMap] = []

    def portable() -> dict[str, Any]:
        made.append(build())
        return made[0].portable() or {}

    data = disk_cached("map", look, portable, dict, keep=MAPS_KEPT_ON_DISK)
    return made[0] if made else (maps.KeptMap.from_portable(data) or build())


def _on_map_click(ctx: Ctx) -> None:
    """A click on the map selects the site under it (one run, not a run and a rerun)."""
    value = ctx.session.get("site_map")
    click = value.get("last_object_clicked") if isinstance(value, dict) else None
    if not click or click == ctx.session.get(Key.LAST_CLICK):
        return
    ctx.session.set(Key.LAST_CLICK, click)
    code = maps.site_at(ctx.map_sites, click["lat"], click["lng"])
    if code is not None:
        ctx.session.site = code


def _on_pick(ctx: Ctx) -> None:
    ctx.session.site = ctx.session.get(Key.SITE_PICK)


def site_profile(ctx: Ctx, adcode: int, routes: list[tuple[str, str, Any, str]]) -> None:
    """Profile of one site: score, rank, robustness, reasons, key figures, criteria, contributions, routes."""
    lang, ind, res = ctx.lang, ctx.industry, ctx.result
    st.subheader(tr("profile.title", lang, name=site_name(ctx, adcode)))
    sc = res.scores.loc[ind]
    el = res.eligible.loc[ind]
    eligible = bool(el[adcode])
    rank = int((sc[el] > sc[adcode]).sum()) + 1 if eligible else None
    share = float(robustness(res, ind, k=ROBUSTNESS_K).get(adcode, 0.0))
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("profile.score", lang), f"{sc[adcode]:.3f}")
    c2.metric(tr("profile.rank_of", lang, n=int(el.sum())), str(rank) if rank else "—")
    c3.metric(
        tr("profile.robustness", lang),
        f"{share:.0%}",
        help=tr("profile.robustness_help", lang, k=ROBUSTNESS_K),
    )
    st.markdown(f"**{tr('profile.eligibility', lang)}** — {markdown_text(industry_name(ctx, ind))}")
    reasons = res.explain(ind, adcode, lang=lang)
    (st.success if eligible else st.error)(tr("profile.eligible_yes" if eligible else "profile.eligible_no", lang))
    for r in reasons:
        st.markdown(f"- {markdown_text(r)}")
    # criteria and contributions as labelled bars in a table: every criterion is named (a bar chart skips labels)
    st.markdown(f"**{tr('profile.criteria', lang)}**")
    norm = res.normalised_frame(ind).loc[adcode]
    weights = core.effective_weights(res, ind)
    contrib = res.contributions_frame(ind).loc[adcode]
    shown = [c for c in norm.index if weights.get(c, 0) > 0]
    value_col, contrib_col = tr("profile.value", lang), tr("col.contributions", lang)
    table = pd.DataFrame(
        {
            tr("col.criterion", lang): [tr(f"criterion_short.{c}", lang) for c in shown],
            value_col: [None if pd.isna(norm[c]) else float(norm[c]) for c in shown],
            contrib_col: [float(contrib[c]) for c in shown],
        }
    ).sort_values(contrib_col, ascending=False)
    top = float(table[contrib_col].max()) if len(table) else 1.0
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={  # narrow bars, so every column fits the profile's half of the page
            value_col: st.column_config.ProgressColumn(
                value_col, min_value=0.0, max_value=1.0, format="%.2f", width="small"
            ),
            contrib_col: st.column_config.ProgressColumn(
                contrib_col, min_value=0.0, max_value=max(top, 1e-9), format="%.3f", width="small"
            ),
        },
    )
    st.caption(tr("profile.criteria_note", lang))
    with st.expander(tr("profile.key_figures", lang), expanded=True):
        # a static table wraps its text: the source column stays readable in the profile's half of a 1366 px page
        st.table(core.key_figures(ctx.run, adcode, lang), hide_index=True)
    if not routes:
        st.caption(tr("profile.no_network", lang))
    for title, _colour, r, err in routes:
        st.markdown(f"**{title}**")
        if r is None:
            st.warning(tr("profile.no_route", lang, message=err))
            continue
        st.caption(f"{r.distance_km:,.0f} km · {r.time_h:,.1f} h · {r.cost_cny_teu:,.0f} {tr('unit.CNY/TEU', lang)}")
        names = place_names_en(ctx.base, ctx.base_token) if lang == "en" else None
        st.markdown("\n".join(f"1. {markdown_text(line)}" for line in core.legs_lines(r.legs, lang, names)))
    _what_it_takes(ctx, adcode, rank)
    st.markdown(f"**{tr('profile.industries', lang)}**")
    prof = res.site_profile(adcode, top=5, lang=lang)
    compact = prof[["industry", "position_rank", "n_eligible", "score"]]
    st.dataframe(display_table(compact, ctx), hide_index=True, width="stretch")
    st.caption(tr("profile.industries_note", lang))


WHAT_K = 10


def _what_it_takes(ctx: Ctx, adcode: int, rank: int | None) -> None:
    """The smallest single change that brings the site into the top 10 of the chosen industry (on request)."""
    lang, ind = ctx.lang, ctx.industry
    st.markdown(f"**{tr('profile.what_it_takes', lang, k=WHAT_K)}**")
    if rank is not None and rank <= WHAT_K:
        st.caption(tr("profile.in_top", lang, k=WHAT_K, rank=rank))
        return
    key = f"what:{ctx.base_token}:{ctx.run.scenario.name}:{ind}:{adcode}:{hash(str(ctx.run.scenario.weights))}"
    cache = ctx.session.store.setdefault(Key.WHAT_CACHE, {})
    if key not in cache:
        st.caption(tr("profile.what_it_takes_help", lang, k=WHAT_K))
        if not st.button(tr("profile.what_button", lang), key=f"what_go_{adcode}_{ind}"):
            return
        with st.spinner(tr("profile.what_running", lang)):
            cache[key] = core.what_it_takes_table(ctx.run, ctx.base, ctx.result, ind, adcode, WHAT_K, lang)
    table, possible = cache[key]
    if not possible:
        st.warning(tr("profile.no_single_change", lang, k=WHAT_K))
    st.dataframe(table, hide_index=True, width="stretch")
