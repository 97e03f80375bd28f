"""Compare any two scenarios side by side: shortlist entries and exits, job flows by region, a change map."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from transfer import columns as C
from transfer.compare import Comparison
from transfer.compare import compare as compare_runs
from transfer.errors import TransferError
from transfer.escape import markdown_text
from transfer.i18n import criterion_label
from transfer.pipeline import RunResult
from transfer_app import core, maps
from transfer_app.session import Key
from transfer_app.state import (
    CURRENT_KEY,
    Ctx,
    industry_name,
    province_label,
    run_for,
    scenario_label,
    scenario_options,
    site_name,
)

__all__ = ["changes_table", "render"]

tr = core.tr


def _run(ctx: Ctx, key: str) -> RunResult:
    return ctx.run if key == CURRENT_KEY else run_for(ctx.base, ctx.base_token, key, ctx.session)


def _drivers(text: str, lang: str) -> str:
    """'labour_pool +0.031, wage -0.010' with criterion ids -> the same with criterion labels in ``lang``."""
    parts = []
    for part in str(text or "").split(", "):
        crit, _, delta = part.partition(" ")
        if crit:
            parts.append(f"{criterion_label(crit, lang, short=True)} {delta}".strip())
    return ", ".join(parts)


def changes_table(
    ctx: Ctx, comp: Comparison, run_a: RunResult, run_b: RunResult, industries: list[str]
) -> pd.DataFrame:
    """The shortlist changes of ``industries`` as shown: translated headers, statuses, drivers and notes."""
    lang = ctx.lang
    ch = comp.shortlist_changes[comp.shortlist_changes["industry"].isin(industries)]
    rank = tr("col.rank", lang)

    def note(row: pd.Series) -> str:
        if pd.isna(row["rank_b"]):
            return "; ".join(run_b.scores.explain(row["industry"], int(row[C.ADCODE]), lang=lang)[:1])
        if pd.isna(row["rank_a"]):
            why = "; ".join(run_a.scores.explain(row["industry"], int(row[C.ADCODE]), lang=lang)[:1])
            return tr("compare.was_excluded", lang, why=why)
        return ""

    def status(v: str) -> str:
        return tr(f"compare.{v}", lang) if v in ("entering", "leaving") else tr("compare.stayed", lang)

    out = pd.DataFrame(
        {
            tr("col.site", lang): [site_name(ctx, int(a)) for a in ch[C.ADCODE]],
            tr("col.province", lang): [province_label(ctx, p) for p in ch[C.PROVINCE]],
            tr("compare.status", lang): ch["status"].map(status),
            f"{rank} A": ch["rank_a"],
            f"{rank} B": ch["rank_b"],
            tr("compare.rank_move", lang): ch["rank_move"],
            tr("compare.score_change", lang): ch["score_delta"],
            tr("compare.drivers", lang): ch["drivers"].map(lambda d: _drivers(d, lang)),
            tr("col.note", lang): [note(r) for _, r in ch.iterrows()],
        }
    )
    if len(industries) > 1:
        out.insert(0, tr("col.industry", lang), [industry_name(ctx, i) for i in ch["industry"]])
    return out


def render(ctx: Ctx) -> None:
    lang, session = ctx.lang, ctx.session
    st.subheader(tr("compare.title", lang))
    opts = [CURRENT_KEY, *scenario_options(session, saved=list(ctx.saved))]
    # by default: the sidebar scenario without and with the slider weights, else the first two scenarios
    default_a = ctx.scn_key if ctx.scn_key in opts else opts[1]
    default_b = CURRENT_KEY if ctx.weights_edited else next((o for o in opts[1:] if o != default_a), CURRENT_KEY)
    for key, default in ((Key.COMPARE_A, default_a), (Key.COMPARE_B, default_b)):
        session.restore(key, default, allowed=opts)
    c1, c2 = st.columns(2)
    key_a = c1.selectbox(
        tr("compare.base", lang), opts, format_func=lambda k: scenario_label(k, lang), key=Key.COMPARE_A
    )
    key_b = c2.selectbox(
        tr("compare.alternative", lang), opts, format_func=lambda k: scenario_label(k, lang), key=Key.COMPARE_B
    )
    session.remember(Key.COMPARE_A)
    session.remember(Key.COMPARE_B)
    label_a, label_b = scenario_label(key_a, lang), scenario_label(key_b, lang)
    if key_a == key_b or (CURRENT_KEY in (key_a, key_b) and not ctx.weights_edited and ctx.scn_key in (key_a, key_b)):
        st.info(tr("compare.same", lang))
        return
    # runs the sidebar already made (its scenario, with and without the sliders) compare at once; another scenario
    # may rebuild the network (seconds), so it runs on request
    cheap = {CURRENT_KEY, ctx.scn_key}
    session.restore(Key.COMPARE_ON, False)
    if not ({key_a, key_b} <= cheap) and not st.toggle(tr("compare.run", lang), key=Key.COMPARE_ON):
        st.caption(tr("compare.run_help", lang))
        return
    try:
        with st.spinner(tr("app.loading", lang)):
            run_a, run_b = _run(ctx, key_a), _run(ctx, key_b)
            comp = compare_runs(run_a, run_b, top=ctx.top_n)
    except TransferError as exc:
        st.error(str(exc))
        return
    all_industries = st.toggle(tr("compare.all_switch", lang), key=Key.COMPARE_ALL)
    scope = list(run_a.scores.industries) if all_industries else [ctx.industry]
    changes = comp.shortlist_changes[comp.shortlist_changes["industry"].isin(scope)]
    summ = comp.summary
    m1, m2, m3, m4 = st.columns(4)
    # the headline counts the same scope as the table below it: the chosen industry, or all with the switch
    m1.metric(tr("compare.entering", lang), int((changes["status"] == "entering").sum()))
    m2.metric(tr("compare.leaving", lang), int((changes["status"] == "leaving").sum()))
    cw_a, cw_b = summ.get("share_central_western_a"), summ.get("share_central_western_b")
    m3.metric(
        tr("compare.share_central_western", lang),
        "—" if cw_b is None else f"{cw_b:.0%}",
        None if cw_a is None or cw_b is None else tr("compare.pp", lang, v=(cw_b - cw_a) * 100),
        help=tr("compare.jobs_note", lang),
    )
    un_a, un_b = int(summ.get("unmatched_jobs_a", 0)), int(summ.get("unmatched_jobs_b", 0))
    m4.metric(tr("compare.unmatched", lang), f"{un_b:,}", f"{un_b - un_a:+,}", delta_color="inverse")
    what = (
        tr("compare.all_industries_title", lang) if all_industries else markdown_text(industry_name(ctx, ctx.industry))
    )
    st.markdown(f"**{tr('compare.rank_change', lang)}** — {what} ({tr('compare.top', lang, n=comp.top)})")
    table = changes_table(ctx, comp, run_a, run_b, scope)
    if len(table):
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption(tr("compare.no_shortlist_change", lang))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('compare.jobs_by_region', lang)}**")
        reg = comp.flows_region.set_index(C.REGION)[["jobs_a", "jobs_b"]]
        reg.index = [tr(f"region.{r}", lang) for r in reg.index]
        reg.columns = [f"A · {label_a}", f"B · {label_b}"]
        if float(reg.to_numpy().sum()) > 0:
            st.bar_chart(reg, stack=False, height=280)
        else:
            st.caption(tr("compare.no_flows", lang))
        if len(comp.flows_province):
            prov = comp.flows_province
            st.dataframe(
                pd.DataFrame(
                    {
                        tr("col.region", lang): prov[C.REGION].map(lambda r: tr(f"region.{r}", lang)),
                        tr("col.province", lang): prov[C.PROVINCE].map(lambda p: province_label(ctx, p)),
                        f"{tr('col.jobs', lang)} A": prov["jobs_a"],
                        f"{tr('col.jobs', lang)} B": prov["jobs_b"],
                        tr("compare.change", lang): prov["delta"],
                    }
                ),
                hide_index=True,
                width="stretch",
                height=240,
            )
    with right:
        st.markdown(f"**{tr('compare.change_map', lang)}** — {tr('legend.score_change', lang)}")
        delta = run_b.scores.scores.loc[ctx.industry] - run_a.scores.scores.loc[ctx.industry]
        if float(delta.abs().max()) < 0.0005:  # nothing to colour: say so, not a ramp over "-0.00 – -0.00"
            st.info(tr("compare.no_score_change", lang))
        else:
            m = maps.make_map(
                run_b,
                run_b.scores,
                ctx.industry,
                lang,
                provinces=ctx.provinces,
                map_sites=ctx.map_sites,
                value=delta,
                value_label=tr("legend.score_change", lang),
                highlight=[int(a) for a in changes.loc[changes["status"] == "entering", C.ADCODE]],
                diverging=True,
            )
            st_folium(m, key="change_map", height=460, use_container_width=True, returned_objects=[])
    with st.expander(tr("compare.score_change", lang)):
        d = comp.score_deltas[comp.score_deltas["industry"] == ctx.industry]
        st.dataframe(
            pd.DataFrame(
                {
                    tr("col.site", lang): [site_name(ctx, int(a)) for a in d[C.ADCODE]],
                    f"{tr('col.score', lang)} A": d["score_a"],
                    f"{tr('col.score', lang)} B": d["score_b"],
                    tr("compare.change", lang): d["delta"],
                    tr("compare.drivers", lang): d["drivers"].map(lambda v: _drivers(v, lang)),
                }
            ),
            hide_index=True,
            width="stretch",
        )
