"""Streamlit pages of the app: map explorer with site profiles, shortlists, firms, data and sources."""

from __future__ import annotations

import hashlib
import html
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import transfer_app_core as core
import transfer_app_map as amap
from transfer import columns as C
from transfer.errors import TransferError
from transfer.industries import CRITERION_IDS
from transfer.layers import KINDS, replace_layer
from transfer.pipeline import RunResult, base_with_layers, load_firms
from transfer.scoring import robustness
from transfer.store import Workspace
from transfer_app_state import (
    ROBUSTNESS_K,
    SOURCES_MD,
    Ctx,
    cached_firm_run,
    cached_route,
    display_table,
    industry_name,
    place_names_en,
    province_label,
    scenario_network,
    scenario_text,
    site_name,
    site_province,
    tmp_copy,
    too_large,
)

tr = core.tr


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


def page_map(ctx: Ctx) -> None:
    """Map explorer: the suitability map, toggleable layers, a click (or pick) opens a site's profile."""
    selected = st.session_state.get("site")
    routes = []
    if selected is not None:
        with st.spinner(tr("profile.loading_routes", ctx.lang)):
            routes = _routes(ctx, int(selected))
    lines = [(r.geometry, colour, title) for title, colour, r, _err in routes if r is not None]
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(f"{tr('map.colour_by', ctx.lang)}: {industry_name(ctx, ctx.industry)}")
        # a new container key draws a new map (industry, weights, scenario, language); a selection only adds
        # its outline and routes to the drawn map. (A kept map object cannot be reused: st_folium renames its
        # elements on every render, which would change the component key and lose the click.)
        look = f"{ctx.base_token}|{scenario_text(ctx.scn)}|{ctx.industry}|{ctx.lang}|{ctx.result.weights.tobytes()!r}"
        m = amap.make_map(ctx.run, ctx.result, ctx.industry, ctx.lang, provinces=ctx.provinces, map_sites=ctx.map_sites)
        center, zoom = amap.view_for(ctx.map_sites, selected, lines)
        with st.container(key="map_" + hashlib.sha1(look.encode()).hexdigest()[:12]):
            out = st_folium(
                m,
                key="site_map",
                height=600,
                use_container_width=True,
                returned_objects=["last_object_clicked"],
                feature_group_to_add=amap.selection_layer(ctx.map_sites, selected, lines, ctx.lang),
                center=center,
                zoom=zoom,
            )
        st.markdown(amap.legend_chips(ctx.lang), unsafe_allow_html=True)
    click = (out or {}).get("last_object_clicked") if isinstance(out, dict) else None
    if click and click != st.session_state.get("last_click"):
        st.session_state["last_click"] = click
        code = amap.site_at(ctx.map_sites, click["lat"], click["lng"])
        if code is not None and code != selected:
            st.session_state["site"] = code
            st.rerun()
    with right:
        order = ctx.result.scores.loc[ctx.industry].sort_values(ascending=False).index
        st.session_state["site_pick"] = int(selected) if selected is not None else None
        st.selectbox(
            tr("map.pick_site", ctx.lang),
            [None, *[int(c) for c in order]],
            format_func=lambda c: (
                tr("map.none", ctx.lang) if c is None else f"{site_name(ctx, c)} · {site_province(ctx, c)}"
            ),
            key="site_pick",
            on_change=_on_pick,
            placeholder=tr("map.none", ctx.lang),
        )
        if selected is None:
            st.info(tr("profile.click_hint", ctx.lang))
        else:
            site_profile(ctx, int(selected), routes)


def _on_pick() -> None:
    st.session_state["site"] = st.session_state.get("site_pick")


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
    c2.metric(tr("profile.rank", lang), f"{rank} / {int(el.sum())}" if rank else "—")
    c3.metric(
        tr("profile.robustness", lang),
        f"{share:.0%}",
        help=tr("profile.robustness_help", lang, k=ROBUSTNESS_K),
    )
    st.markdown(f"**{tr('profile.eligibility', lang)}** — {industry_name(ctx, ind)}")
    reasons = res.explain(ind, adcode, lang=lang)
    (st.success if eligible else st.error)(tr("profile.eligible_yes" if eligible else "profile.eligible_no", lang))
    for r in reasons:
        st.markdown(f"- {html.escape(r)}")
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
        column_config={
            value_col: st.column_config.ProgressColumn(value_col, min_value=0.0, max_value=1.0, format="%.2f"),
            contrib_col: st.column_config.ProgressColumn(
                contrib_col, min_value=0.0, max_value=max(top, 1e-9), format="%.3f"
            ),
        },
    )
    st.caption(tr("profile.criteria_note", lang))
    with st.expander(tr("profile.key_figures", lang), expanded=True):
        st.dataframe(core.key_figures(ctx.run, adcode, lang), hide_index=True, width="stretch")
    if not routes:
        st.caption(tr("profile.no_network", lang))
    for title, _colour, r, err in routes:
        st.markdown(f"**{title}**")
        if r is None:
            st.warning(tr("profile.no_route", lang, message=err))
            continue
        st.caption(f"{r.distance_km:,.0f} km · {r.time_h:,.1f} h · {r.cost_cny_teu:,.0f} CNY/TEU")
        st.dataframe(
            core.legs_frame(r.legs, lang, place_names_en(ctx.base, ctx.base_token) if lang == "en" else None),
            hide_index=True,
            width="stretch",
        )
    _what_it_takes(ctx, adcode, rank)
    st.markdown(f"**{tr('profile.industries', lang)}**")
    prof = res.site_profile(adcode, top=5, lang=lang)
    compact = prof[["rank", "industry", "position_rank", "n_eligible", "cluster_fit", "score"]]
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
    cache = st.session_state.setdefault("what_it_takes", {})
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


# --- shortlists ---------------------------------------------------------------------------------------------------


def _brief(ctx: Ctx, df: pd.DataFrame, title: str) -> bytes:
    """The printable one-page brief: static SVG map, table, reasons, sources and notes."""
    from transfer import report

    lang = ctx.lang
    sources = [ctx.run.table.provenance[c] for c in CRITERION_IDS if ctx.run.table.provenance.get(c)]
    values = ctx.result.scores.loc[ctx.industry].where(ctx.result.eligible.loc[ctx.industry])
    svg = report.static_map_svg(ctx.map_sites, values, [int(a) for a in df[C.ADCODE]], ctx.provinces, lang=lang)
    page = report.brief_html(
        title=title,
        subtitle=" · ".join(
            [
                tr("brief.scenario", lang, scenario=ctx.scn.name),
                tr("brief.generated", lang, date=date.today().isoformat()),
            ]
        ),
        table=df,
        map_html=None,
        static_map_svg=svg,
        sources=sources,
        notes=list(ctx.run.notes),
        lang=lang,
    )
    return page.encode("utf-8")


def _downloads(ctx: Ctx, df: pd.DataFrame, stem: str, *, geo: bool, brief_title: str | None) -> None:
    """Download buttons; the files are made only when a button is clicked."""
    lang = ctx.lang
    cols = st.columns(4)
    cols[0].download_button(
        tr("download.csv", lang), partial(core.table_bytes, df, "csv"), f"{stem}.csv", "text/csv", on_click="ignore"
    )
    cols[1].download_button(
        tr("download.xlsx", lang),
        partial(core.table_bytes, df, "xlsx", meta={"scenario": ctx.scn.name}),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    if geo:
        cols[2].download_button(
            tr("download.geojson", lang),
            partial(core.table_bytes, df, "geojson", sites=ctx.run.layers.sites),
            f"{stem}.geojson",
            "application/geo+json",
            on_click="ignore",
        )
    if brief_title is not None:
        cols[3].download_button(
            tr("download.brief", lang),
            partial(_brief, ctx, df, brief_title),
            f"{stem}.html",
            "text/html",
            on_click="ignore",
        )


def _save_shortlist(ctx: Ctx, df: pd.DataFrame, kind: str, default_name: str) -> None:
    with st.form(f"save_{kind}"):
        name = st.text_input(tr("shortlist.name", ctx.lang), value=default_name)
        if st.form_submit_button(tr("shortlist.save", ctx.lang)):
            try:
                with Workspace.open() as ws:
                    ws.save_shortlist(name, kind, core.flat_shortlist(df).to_dict(orient="records"))  # type: ignore[arg-type]
                st.success(tr("workspace.saved", ctx.lang, name=name))
            except TransferError as exc:
                st.error(str(exc))


def page_shortlists(ctx: Ctx) -> None:
    """Shortlists both ways: industry -> sites with filters, and site -> industries."""
    lang = ctx.lang
    direction = st.radio(
        tr("sidebar.direction", lang),
        ["industry_to_sites", "site_to_industries"],
        format_func=lambda d: tr(f"sidebar.{d}", lang),
        horizontal=True,
        key="sl_direction",
    )
    sites = ctx.run.table.sites
    if direction == "industry_to_sites":
        c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
        provs = c1.multiselect(
            tr("sidebar.province_filter", lang),
            sorted(sites[C.PROVINCE].unique()),
            format_func=lambda p: province_label(ctx, p),
            key="sl_prov",
            placeholder=tr("sidebar.all", lang),
        )
        regions = c2.multiselect(
            tr("sidebar.region_filter", lang),
            list(C.REGIONS),
            format_func=lambda r: tr(f"region.{r}", lang),
            key="sl_region",
            placeholder=tr("sidebar.all", lang),
        )
        min_score = c3.slider(tr("sidebar.min_score", lang), 0.0, 1.0, 0.0, 0.01, key="sl_min")
        bonded = c4.checkbox(tr("sidebar.must_have_bonded_zone", lang), key="sl_bonded")
        df = core.shortlist_frame(
            ctx.result,
            ctx.industry,
            top=ctx.top_n,
            provinces=provs,
            regions=regions,
            min_score=min_score,
            bonded_zone_only=bonded,
            lang=lang,
        )
        title = tr("brief.title", lang, industry=industry_name(ctx, ctx.industry))
        st.subheader(title)
        if df.empty:
            st.warning(tr("shortlist.empty", lang))
            return
        st.dataframe(display_table(df.drop(columns=["industry"]), ctx), hide_index=True, width="stretch")
        _downloads(ctx, df, f"shortlist_{ctx.industry}", geo=True, brief_title=title)
        _save_shortlist(ctx, df, "industry_to_sites", f"{ctx.industry} · {ctx.scn.name}")
    else:
        order = sites.sort_values([C.PROVINCE, C.ADCODE]).index
        site = st.selectbox(
            tr("sidebar.site", lang),
            [int(c) for c in order],
            format_func=lambda c: f"{site_name(ctx, c)} · {site_province(ctx, c)}",
            key="sl_site",
        )
        df = ctx.result.site_profile(int(site), lang=lang)
        st.subheader(f"{site_name(ctx, site)} → {tr('profile.industries', lang)}")
        st.dataframe(display_table(df.drop(columns=[C.ADCODE]), ctx), hide_index=True, width="stretch")
        _downloads(ctx, df, f"industries_{site}", geo=False, brief_title=None)
        _save_shortlist(ctx, df, "site_to_industries", f"{site_name(ctx, site)} · {ctx.scn.name}")


# --- firms --------------------------------------------------------------------------------------------------------


def page_firms(ctx: Ctx) -> None:
    """Upload firms, see per-firm matches and the joint assignment, download them; a template to start from."""
    lang = ctx.lang
    st.download_button(tr("firms.template", lang), core.firms_template_csv(), "firms_template.csv", "text/csv")
    up = st.file_uploader(tr("firms.upload", lang), type=["csv", "xlsx"], key="firms_file")
    if up is None:
        st.info(tr("firms.none", lang))
        return
    if too_large(up, lang):
        return
    try:
        firms = load_firms(tmp_copy(up), ctx.base.catalogue, ctx.run.layers)
        digest = hashlib.sha256(up.getvalue()).hexdigest()
        r = cached_firm_run(ctx.base, ctx.base_token, scenario_text(ctx.scn), ctx.scn, digest, firms)
    except TransferError as exc:
        st.error(str(exc))
        return
    st.success(
        tr("upload.loaded_ok", lang, rows=len(firms), name=up.name) + " " + tr("firms.count", lang, n=len(firms))
    )
    _firm_results(ctx, r, firms)


def _firm_results(ctx: Ctx, r: RunResult, firms: pd.DataFrame) -> None:
    lang = ctx.lang
    sites = r.table.sites
    names = sites[C.NAME_ZH] if lang == "zh" else sites[C.NAME_EN]
    st.subheader(tr("firms.per_firm_matches", lang))
    n = 3
    rows = []
    scores = r.demand_scores
    if scores is not None:
        for firm in firms["name"]:
            row = scores.loc[str(firm)]
            ind = firms.loc[firms["name"] == firm, "industry"].iloc[0]
            el = r.scores.eligible.loc[ind]
            best = row[el.reindex(row.index).fillna(False).astype(bool)].sort_values(ascending=False).head(n)
            rows.append(
                {
                    tr("col.firm", lang): firm,
                    tr("col.industry", lang): industry_name(ctx, ind),
                    tr("firms.top_sites", lang, n=n): " · ".join(f"{names[s]} ({v:.2f})" for s, v in best.items()),
                }
            )
    per_firm = pd.DataFrame(rows)
    st.dataframe(per_firm, hide_index=True, width="stretch")
    st.subheader(tr("firms.joint_assignment", lang))
    a = r.assignment
    if a is None:
        return
    table = a.assignment.copy()
    table = table[table["demand_id"].isin(set(firms["name"].astype(str)))]
    table.insert(2, tr("col.site", lang), table["site_id"].map(lambda s: names.get(int(s), s)))
    table.insert(
        3,
        tr("col.province", lang),
        table["site_id"].map(lambda s: site_province(ctx, int(s)) if int(s) in sites.index else ""),
    )
    table = table.rename(
        columns={
            "demand_id": tr("col.firm", lang),
            "jobs": tr("col.jobs", lang),
            "score": tr("col.score", lang),
            "site_id": tr("col.adcode", lang),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    c1, c2, c3 = st.columns(3)
    c1.download_button(tr("download.csv", lang), core.table_bytes(table, "csv"), "assignment.csv", "text/csv")
    c2.download_button(
        tr("download.xlsx", lang),
        core.table_bytes(table, "xlsx"),
        "assignment.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    c3.download_button(
        tr("firms.per_firm_matches", lang) + " (CSV)", core.table_bytes(per_firm, "csv"), "per_firm.csv", "text/csv"
    )
    if len(a.unmatched):
        st.warning(f"{tr('firms.unmatched', lang)}: {int(a.unmatched['jobs'].sum()):,}")
        st.dataframe(a.unmatched, hide_index=True)
    with st.expander(tr("firms.site_load", lang)):
        load = a.site_load[a.site_load["jobs"] > 0].copy()
        load.insert(1, tr("col.site", lang), load["site_id"].map(lambda s: names.get(int(s), s)))
        st.dataframe(load, hide_index=True, width="stretch")


# --- data and sources ---------------------------------------------------------------------------------------------


def _replace_layer(ctx: Ctx, kind: str, up: Any) -> None:
    lang = ctx.lang
    if too_large(up, lang):
        return
    try:
        path = tmp_copy(up)
        new_layers = replace_layer(ctx.base.layers, kind, path)
        new_base = base_with_layers(ctx.base, new_layers, recompute_access=kind in ("sites", "origins"))
    except TransferError as exc:
        st.error(tr("upload.validation_failed", lang, message=str(exc)))
        return
    digest = hashlib.sha256(up.getvalue()).hexdigest()[:16]
    st.session_state["custom_base"] = new_base
    st.session_state["base_token"] = f"{ctx.base_token}+{kind}:{digest}"
    st.session_state["site"] = None
    st.session_state["replace_msg"] = tr(
        "data.replaced", lang, kind=kind, name=up.name, rows=len(getattr(new_layers, kind))
    )
    st.rerun()


def page_data(ctx: Ctx) -> None:
    """Every layer with source, licence, year and counts; replace a layer with your own file."""
    lang = ctx.lang
    lic, sections = core.sources_sections(SOURCES_MD)
    st.subheader(tr("tab.data", lang))
    st.dataframe(core.layer_inventory(ctx.base, lang), hide_index=True, width="stretch")
    st.markdown(f"**{tr('data.coverage', lang)}**")
    st.dataframe(core.criteria_coverage_table(ctx.run.table, lang), hide_index=True, width="stretch")
    st.caption(tr("data.coverage_note", lang))
    if lic:
        with st.expander(tr("data.licences", lang), expanded=True):
            st.markdown(lic)
    files = dict(ctx.base.layers.files)
    files.setdefault("corridors", "curated/corridors.yaml")
    for kind, file in files.items():
        text = sections.get(Path(file).name) or sections.get(file)
        if text is None:
            text = next((v for k, v in sections.items() if k.startswith(file)), None)
        with st.expander(
            f"{tr(f'layer.{kind}', lang) if tr(f'layer.{kind}', lang) != f'layer.{kind}' else kind} · `{file}`"
        ):
            st.markdown(text or "—")
    st.info(tr("data.crs_note", lang))
    st.subheader(tr("upload.replace_layer", lang))
    if st.session_state.get("replace_msg"):
        st.success(st.session_state["replace_msg"])
    kind = st.selectbox(
        tr("data.replace_kind", lang), list(KINDS), key="replace_kind", format_func=lambda k: core.layer_label(k, lang)
    )
    up = st.file_uploader(
        tr("upload.prompt", lang), type=["csv", "xlsx", "geojson", "json", "gpkg", "zip"], key="layer_file"
    )
    c1, c2 = st.columns(2)
    if c1.button(tr("upload.replace_layer", lang), disabled=up is None, key="replace_go") and up is not None:
        _replace_layer(ctx, kind, up)
    if st.session_state.get("custom_base") is not None and c2.button(tr("data.reset", lang), key="replace_reset"):
        st.session_state["custom_base"] = None
        st.session_state["base_token"] = "default"
        st.session_state["replace_msg"] = ""
        st.session_state["site"] = None
        st.rerun()
    if ctx.run.notes:
        with st.expander(tr("data.notes", lang)):
            for note in ctx.run.notes:
                st.markdown(f"- {html.escape(note)}")
    st.caption(f"{tr('brief.generated', lang, date=date.today().isoformat())}")
