"""The scenario workshop page: weight sliders that re-score at once, a scenario editor, a side-by-side compare."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import transfer_app_core as core
import transfer_app_map as amap
from transfer import columns as C
from transfer.errors import TransferError
from transfer.industries import CRITERION_IDS
from transfer.scenarios import parse_scenario, scenario_yaml
from transfer.store import Workspace
from transfer_app_state import (
    DEFAULT_KEY,
    EDITED_KEY,
    SCENARIO_DIR,
    Ctx,
    display_table,
    industry_name,
    remember_choice,
    restore_choice,
    run_for,
    scenario_files,
    scenario_label,
    scenario_options,
)

tr = core.tr


# --- scenario workshop --------------------------------------------------------------------------------------------


def _on_weight(industry: str) -> None:
    store = dict(st.session_state.get("weights", {}))
    store[industry] = {c: float(st.session_state.get(f"w_{industry}_{c}", 0.0)) for c in CRITERION_IDS}
    st.session_state["weights"] = store


def _reset_weights(industry: str, defaults: dict[str, float]) -> None:
    """Back to the scenario's weights: the slider overrides go, and every slider is set to its default value (a
    removed key alone would leave the slider drawn where it was)."""
    store = dict(st.session_state.get("weights", {}))
    store.pop(industry, None)
    st.session_state["weights"] = store
    for c in CRITERION_IDS:
        st.session_state[f"w_{industry}_{c}"] = float(round(defaults.get(c, 0.0), 2))


def _apply_yaml() -> None:
    text = st.session_state.get("yaml_editor", "")
    try:
        scn = parse_scenario(text, where="editor", base_dir=SCENARIO_DIR)
    except TransferError as exc:
        st.session_state["yaml_error"] = str(exc)
        return
    st.session_state["yaml_error"] = ""
    st.session_state["edited_yaml"] = text
    st.session_state["edited_name"] = scn.name
    st.session_state["scenario"] = EDITED_KEY


def _load_into_editor() -> None:
    key = st.session_state.get("ws_pick_file")
    text = ""
    if key and key.startswith("file:"):
        text = (SCENARIO_DIR / key.removeprefix("file:")).read_text(encoding="utf-8")
    elif key and key.startswith("ws:"):
        _, name, version = key.split(":", 2)
        with Workspace.open() as ws:
            text = ws.get_scenario(name, int(version)).yaml_text
    elif key == DEFAULT_KEY:
        text = "name: my_scenario\ndescription: ''\nweights:\n  '*': {}\n"
    st.session_state["yaml_editor"] = text
    st.session_state["_keep_yaml_editor"] = text


def page_workshop(ctx: Ctx, rescore_ms: float | None) -> None:
    """Weight sliders that re-score at once, a scenario editor with save, and a side-by-side comparison."""
    lang = ctx.lang
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader(f"{tr('workshop.weights', lang)} · {industry_name(ctx, ctx.industry)}")
        current = core.effective_weights(ctx.result, ctx.industry)
        defaults = core.effective_weights(ctx.run.scores, ctx.industry)  # the scenario's, without the sliders
        stored = st.session_state.get("weights", {}).get(ctx.industry, {})
        for c in CRITERION_IDS:
            key = f"w_{ctx.industry}_{c}"
            if key not in st.session_state:
                st.session_state[key] = float(round(stored.get(c, current[c]), 2))
            st.slider(
                tr(f"criterion.{c}", lang),
                0.0,
                1.0,
                step=0.01,
                key=key,
                on_change=_on_weight,
                args=(ctx.industry,),
            )
        st.button(
            tr("workshop.reset_weights", lang),
            on_click=_reset_weights,
            args=(ctx.industry, {c: float(defaults[c]) for c in CRITERION_IDS}),
        )
        if rescore_ms is not None:
            st.caption(tr("workshop.rescore_ms", lang, ms=rescore_ms))
    with right:
        st.subheader(tr("brief.table", lang))
        df = core.shortlist_frame(ctx.result, ctx.industry, top=ctx.top_n, lang=ctx.lang)
        st.dataframe(
            display_table(df[["rank", C.NAME_ZH, C.PROVINCE, "score", "reasons"]], ctx),
            hide_index=True,
            width="stretch",
            height=420,
        )
        _scenario_editor(ctx)
    st.divider()
    _compare(ctx)


def _scenario_editor(ctx: Ctx) -> None:
    lang = ctx.lang
    st.subheader(tr("workshop.edit_yaml", lang))
    st.caption(tr("workshop.active", lang, name=ctx.scn.name))
    picks = [DEFAULT_KEY] + [f"file:{p.name}" for p in scenario_files()]
    try:
        with Workspace.open() as ws:
            saved = ws.list_scenarios()
    except TransferError as exc:
        st.error(str(exc))
        saved = []
    picks += [f"ws:{r.name}:{r.version}" for r in saved]
    st.selectbox(
        tr("workshop.pick", lang),
        picks,
        format_func=lambda k: scenario_label(k, lang) if not k.startswith("ws:") else f"⛁ {k[3:]}",
        key="ws_pick_file",
        on_change=_load_into_editor,
    )
    # the editor's text outlives a tab switch (an unrendered widget loses its state): keep it under a shadow key
    restore_choice("yaml_editor", scenario_yaml(ctx.scn))
    st.text_area("YAML", key="yaml_editor", height=240)
    remember_choice("yaml_editor")
    st.button(tr("workshop.apply_yaml", lang), on_click=_apply_yaml, type="primary")
    if st.session_state.get("yaml_error"):
        st.error(st.session_state["yaml_error"])
    with st.form("save_scenario"):
        name = st.text_input(tr("workshop.scenario_name", lang), value=ctx.scn.name)
        with_w = st.checkbox(tr("workshop.with_weights", lang), value=True)
        if st.form_submit_button(tr("workspace.save", lang)):
            overrides = st.session_state.get("weights", {}) if with_w else {}
            scn = ctx.scn.model_copy(update={"name": name, "weights": core.merged_weights(ctx.scn, overrides)})
            try:
                with Workspace.open() as ws:
                    rec = ws.save_scenario(name, scenario_yaml(scn), comment="saved from the app")
                st.success(tr("workspace.saved", lang, name=f"{rec.name} v{rec.version}"))
            except TransferError as exc:
                st.error(str(exc))
    if saved:
        with st.expander(tr("workshop.saved_versions", lang)):
            st.dataframe(
                pd.DataFrame([{"name": r.name, "version": r.version, "saved": r.created_at} for r in saved]),
                hide_index=True,
            )


def _compare(ctx: Ctx) -> None:
    lang = ctx.lang
    st.subheader(tr("compare.title", lang))
    opts = scenario_options()
    c1, c2 = st.columns(2)
    key_a = c1.selectbox(tr("compare.base", lang), opts, format_func=lambda k: scenario_label(k, lang), key="cmp_a")
    key_b = c2.selectbox(
        tr("compare.alternative", lang),
        opts,
        index=min(1, len(opts) - 1),
        format_func=lambda k: scenario_label(k, lang),
        key="cmp_b",
    )
    if key_a == key_b:
        st.info(tr("compare.same", lang))
        return
    if not st.toggle(tr("compare.run", lang), key="cmp_on"):
        return
    try:
        with st.spinner(tr("app.loading", lang)):
            run_a = run_for(ctx.base, ctx.base_token, key_a)
            run_b = run_for(ctx.base, ctx.base_token, key_b)
    except TransferError as exc:
        st.error(str(exc))
        return
    try:
        from transfer.compare import compare as compare_runs
    except ImportError:
        st.info(tr("compare.not_available", lang))
        return
    try:
        comp = compare_runs(run_a, run_b, top=10)
    except TransferError as exc:
        st.error(str(exc))
        return
    label_a, label_b = scenario_label(key_a, lang), scenario_label(key_b, lang)
    summ = comp.summary
    changes = comp.shortlist_changes[comp.shortlist_changes["industry"] == ctx.industry]
    m1, m2, m3, m4 = st.columns(4)
    # the headline counts the chosen industry, like the table below it (the summary counts every industry)
    m1.metric(
        tr("compare.entering", lang),
        int((changes["status"] == "entering").sum()),
        help=tr("compare.all_industries", lang, n=summ.get("entering", 0)),
    )
    m2.metric(
        tr("compare.leaving", lang),
        int((changes["status"] == "leaving").sum()),
        help=tr("compare.all_industries", lang, n=summ.get("leaving", 0)),
    )
    cw_a, cw_b = summ.get("share_central_western_a"), summ.get("share_central_western_b")
    m3.metric(
        tr("compare.share_central_western", lang),
        "—" if cw_b is None else f"{cw_b:.0%}",
        None if cw_a is None or cw_b is None else f"{(cw_b - cw_a) * 100:+.1f} pp",
    )
    un_a, un_b = int(summ.get("unmatched_jobs_a", 0)), int(summ.get("unmatched_jobs_b", 0))
    m4.metric(tr("compare.unmatched", lang), f"{un_b:,}", f"{un_b - un_a:+,}", delta_color="inverse")
    st.markdown(f"**{tr('compare.rank_change', lang)}** — {industry_name(ctx, ctx.industry)} (top {comp.top})")
    shown = changes.drop(columns=["industry"]).copy()
    shown["status"] = shown["status"].map(
        lambda v: tr(f"compare.{v}", lang) if v in ("entering", "leaving") else ("=" if v == "stayed" else v)
    )
    rank = tr("col.rank", lang)
    st.dataframe(
        shown.rename(
            columns={
                "rank_a": f"{rank} A",
                "rank_b": f"{rank} B",
                "score_delta": tr("compare.score_change", lang),
                C.NAME_ZH: tr("col.site", lang),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('compare.jobs_by_region', lang)}**")
        reg = comp.flows_region.set_index(C.REGION)[["jobs_a", "jobs_b"]]
        reg.index = [tr(f"region.{r}", lang) for r in reg.index]
        reg.columns = [f"A · {label_a}", f"B · {label_b}"]
        if float(reg.to_numpy().sum()) > 0:
            st.bar_chart(reg, stack=False, height=280)
        for note in comp.notes:
            st.caption(note)
        if len(comp.flows_province):
            st.dataframe(comp.flows_province, hide_index=True, width="stretch", height=240)
    with right:
        st.markdown(f"**{tr('compare.change_map', lang)}** — {tr('legend.score_change', lang)}")
        delta = run_b.scores.scores.loc[ctx.industry] - run_a.scores.scores.loc[ctx.industry]
        unchanged = float(delta.abs().max()) < 0.0005  # nothing to colour: say so, not a ramp over "-0.00 – -0.00"
        if unchanged:
            st.info(tr("compare.no_score_change", lang))
        else:
            m = amap.make_map(
                run_b,
                run_b.scores,
                ctx.industry,
                lang,
                provinces=ctx.provinces,
                map_sites=ctx.map_sites,
                value=delta,
                value_label=tr("legend.score_change", lang),
                highlight=[int(a) for a in changes.loc[changes["status"] == "entering", C.ADCODE]],
            )
            st_folium(m, key="change_map", height=460, use_container_width=True, returned_objects=[])
    with st.expander(tr("compare.score_change", lang)):
        d = comp.score_deltas[comp.score_deltas["industry"] == ctx.industry]
        st.dataframe(d.drop(columns=["industry"]), hide_index=True, width="stretch")
