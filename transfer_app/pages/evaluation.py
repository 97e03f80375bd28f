"""Evaluation and monitoring: rank every site with the index system (weights incl. a live AHP form, a method),
compare methods, a site's sub-scores as a radar, the 2010 → 2020 census monitoring, and exports."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from transfer import columns as C
from transfer.escape import html_text
from transfer.evaluation import (
    MAX_CR,
    WEIGHTINGS,
    Comparison,
    IndexSystem,
    compare_methods,
    consistency,
    evaluate,
    from_comparison,
    load_index,
)
from transfer.evaluation.core import Evaluation
from transfer.evaluation.monitoring import census_series, evaluate_years
from transfer.evaluation.report import report_html, report_xlsx, wide_ranks
from transfer.i18n import criterion_label
from transfer_app import core
from transfer_app.session import Key
from transfer_app.state import Ctx, province_label, site_name

__all__ = ["radar_svg", "render"]

tr = core.tr
SAATY = (-9, -8, -7, -6, -5, -4, -3, -2, 1, 2, 3, 4, 5, 6, 7, 8, 9)  # -x: the second item is x times as important


@st.cache_resource(show_spinner=False)
def _system() -> IndexSystem:
    return load_index()


def _wrap(label: str, width: int = 18) -> list[str]:
    """A label in lines of about ``width`` columns (a CJK character counts two), broken at spaces where there are."""
    lines: list[str] = []
    line = ""
    for word in label.split(" ") if " " in label else list(label):
        sep = " " if " " in label and line else ""
        trial = line + sep + word
        if line and sum(2 if ord(ch) > 0x2E80 else 1 for ch in trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def radar_svg(labels: Sequence[str], values: Sequence[float], *, size: int = 320) -> str:
    """A radar (spider) chart of values in 0..1 as inline SVG that scales to its column; labels are wrapped onto
    up to three lines, placed outside the rings and escaped."""
    n = len(labels)
    pad = 120  # room for the labels left and right of the rings
    width = size + 2 * pad
    cx, cy, r = width / 2, size / 2, size / 2 - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {size}" '
        'style="max-width: 100%; height: auto">'
    ]

    def point(k: int, v: float) -> tuple[float, float]:
        a = -math.pi / 2 + 2 * math.pi * k / n
        return cx + r * v * math.cos(a), cy + r * v * math.sin(a)

    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, ring) for k in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="#d5dbde"/>')
    for k, label in enumerate(labels):
        x, y = point(k, 1.0)
        lx, ly = point(k, 1.12)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        lines = _wrap(label)[:3]
        top = ly - (len(lines) - 1) * 15 if ly < cy - 5 else (ly if ly > cy + 5 else ly - (len(lines) - 1) * 7.5)
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d5dbde"/>')
        spans = "".join(
            f'<tspan x="{lx:.1f}" y="{top + i * 15:.1f}">{html_text(line)}</tspan>' for i, line in enumerate(lines)
        )
        parts.append(f'<text font-size="14" text-anchor="{anchor}" dominant-baseline="middle">{spans}</text>')
    vals = [0.0 if not math.isfinite(v) else min(max(v, 0.0), 1.0) for v in values]
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, v) for k, v in enumerate(vals)))
    parts.append(f'<polygon points="{pts}" fill="#2a788e" fill-opacity="0.35" stroke="#2a788e" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _ahp_form(ctx: Ctx, system: IndexSystem, items: list[str]) -> Comparison | None:
    """Pairwise judgements of the headings with sliders; the consistency ratio is shown as they change."""
    lang = ctx.lang
    st.markdown(f"**{tr('eval.pairwise', lang)}**")
    judgements: dict[tuple[str, str], float] = {}
    cols = st.columns(3)
    for k, (a, b) in enumerate(itertools.combinations(items, 2)):
        na, nb = system.node_name(a, lang), system.node_name(b, lang)

        def fmt(v: int, na: str = na, nb: str = nb) -> str:
            if v == 1:
                return tr("eval.equal", lang)
            return tr("eval.more", lang, name=na if v > 0 else nb, x=abs(v))

        with cols[k % 3]:
            v = st.select_slider(f"{na} ↔ {nb}", SAATY, value=1, format_func=fmt, key=f"{Key.EVAL_AHP}:{a}:{b}")
        judgements[(a, b)] = float(v) if v > 0 else 1.0 / -v
    weights, cr, ((wa, wb), x, implied) = consistency(items, judgements)
    if cr > MAX_CR:
        st.warning(
            tr(
                "eval.cr_bad",
                lang,
                cr=cr,
                a=system.node_name(wa, lang),
                b=system.node_name(wb, lang),
                x=f"{x:.3g}",
                implied=f"{implied:.2g}",
            )
        )
        return None
    st.success(tr("eval.cr_ok", lang, cr=cr))
    return Comparison("form", tuple(items), weights, cr)


def _notes(ev: Evaluation, system: IndexSystem, lang: str) -> None:
    if ev.unavailable:
        items = "、".join(criterion_label(c, lang, short=True) for c in ev.unavailable)
        st.caption(tr("eval.unavailable", lang, items=items if lang == "zh" else items.replace("、", ", ")))
    if ev.empty:
        sep = "、" if lang == "zh" else ", "
        st.caption(tr("eval.empty", lang, items=sep.join(system.node_name(i, lang) for i in ev.empty)))
    if ev.unknown:
        sep = "、" if lang == "zh" else ", "
        items = sep.join(
            tr("eval.sites_n", lang, name=criterion_label(c, lang, short=True), n=n) for c, n in ev.unknown.items()
        )
        st.caption(tr("eval.unknown", lang, items=items))
    if lang == "en":
        for h in system.headings:
            if h.note:
                st.caption(f"{h.name_en}: {h.note}")


def _ranking_view(ctx: Ctx, ev: Evaluation, system: IndexSystem) -> pd.DataFrame:
    lang = ctx.lang
    t = ev.table
    out = pd.DataFrame(
        {
            tr("col.rank", lang): t["rank"],
            tr("col.site", lang): [site_name(ctx, int(a)) for a in t[C.ADCODE]],
            tr("col.province", lang): [province_label(ctx, p) for p in t[C.PROVINCE]],
            tr("eval.score", lang): t["score"],
        }
    )
    for h in system.headings:
        out[system.node_name(h.id, lang)] = t[h.id]
    return out


def _method_comparison(ctx: Ctx, ev: Evaluation) -> None:
    lang = ctx.lang
    cmp = compare_methods(ev)
    name = {m: tr(f"eval.m.{m}", lang) for m in ("wsum", "topsis", "vikor")}
    agree = pd.DataFrame(
        {
            tr("eval.method_a", lang): cmp.agreement["a"].map(name),
            tr("eval.method_b", lang): cmp.agreement["b"].map(name),
            tr("eval.kendall", lang): cmp.agreement["kendall_tau"].round(3),
            tr("eval.spearman", lang): cmp.agreement["spearman_rho"].round(3),
        }
    )
    st.dataframe(agree, hide_index=True, width="stretch")
    st.markdown(f"**{tr('eval.most_different', lang)}**")
    most = cmp.most_different
    view = pd.DataFrame({tr("col.site", lang): [site_name(ctx, int(a)) for a in most[C.ADCODE]]})
    for m in ("wsum", "topsis", "vikor"):
        view[tr("eval.rank_of", lang, method=name[m])] = most[f"rank_{m}"]
    view[tr("eval.rank_range", lang)] = most["rank_range"]
    st.dataframe(view, hide_index=True, width="stretch")


def _trend(ctx: Ctx, system: IndexSystem) -> None:
    lang = ctx.lang
    st.markdown(f"#### {tr('eval.trend', lang)}")
    sites = pd.DataFrame(ctx.base.layers.sites.drop(columns="geometry"))
    yearly = evaluate_years(census_series(ctx.base.layers.census, system), system, sites, base_year=2010)
    wide = wide_ranks(yearly).head(20)
    view = pd.DataFrame({tr("col.site", lang): [site_name(ctx, int(a)) for a in wide[C.ADCODE]]})
    for y in yearly.years:
        view[tr("eval.score_year", lang, year=y)] = wide[f"score_{y}"]
        view[tr("eval.rank_year", lang, year=y)] = wide[f"rank_{y}"]
    view[tr("eval.rank_change", lang)] = wide["rank_change"]
    st.dataframe(view, hide_index=True, width="stretch")
    if len(yearly.indicators) == 1:
        st.caption(tr("eval.trend_note", lang))
    st.caption(tr("eval.trend_source", lang))
    c1, c2 = st.columns(2)
    c1.download_button(
        tr("eval.download_report", lang),
        report_html(yearly, system, lang=lang).encode("utf-8"),
        file_name="monitoring_report.html",
        mime="text/html",
    )
    c2.download_button(
        tr("eval.download_xlsx", lang),
        report_xlsx(yearly, system),
        file_name="monitoring_report.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def render(ctx: Ctx) -> None:
    """The evaluation and monitoring page."""
    lang = ctx.lang
    system = _system()
    st.subheader(tr("tab.evaluation", lang))
    st.caption(tr("eval.intro", lang))
    table = ctx.run.table
    c1, c2 = st.columns(2)
    weighting: Any = c1.selectbox(
        tr("eval.weights", lang), WEIGHTINGS, format_func=lambda w: tr(f"eval.w.{w}", lang), key=Key.EVAL_WEIGHTS
    )
    method: Any = c2.radio(
        tr("eval.method", lang),
        ("wsum", "topsis", "vikor"),
        format_func=lambda m: tr(f"eval.m.{m}", lang),
        horizontal=True,
        key=Key.EVAL_METHOD,
    )
    ahp = None
    if weighting in ("ahp", "combined"):
        heads = [h.id for h in system.headings if any(c in table.values.columns for c in h.criteria)]
        comparison = _ahp_form(ctx, system, heads)
        if comparison is None:
            return
        ahp = from_comparison(system, comparison)
    alpha = 0.5
    if weighting == "combined":
        alpha = st.slider(tr("eval.alpha", lang), 0.0, 1.0, 0.5, 0.05, key=Key.EVAL_ALPHA)
    ev = evaluate(table, system, weighting=weighting, ahp=ahp, method=method, alpha=alpha)
    st.markdown(f"#### {tr('eval.ranking', lang)}")
    view = _ranking_view(ctx, ev, system)
    st.dataframe(view, hide_index=True, width="stretch", height=360)
    _notes(ev, system, lang)
    st.download_button(
        tr("eval.download_csv", lang),
        core.table_bytes(view, "csv"),
        file_name=f"evaluation_{weighting}_{method}.csv",
        mime="text/csv",
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"#### {tr('eval.compare', lang)}")
        _method_comparison(ctx, ev)
    with right:
        st.markdown(f"#### {tr('eval.radar', lang)}")
        ids = [int(a) for a in ev.table[C.ADCODE]]
        site = st.selectbox(tr("eval.site", lang), ids, format_func=lambda a: site_name(ctx, a), key=Key.EVAL_SITE)
        row = ev.table.set_index(C.ADCODE).loc[site]
        shown = [h.id for h in system.headings if pd.notna(row[h.id])]
        svg = radar_svg([system.node_name(h, lang) for h in shown], [float(row[h]) for h in shown])
        st.markdown(svg, unsafe_allow_html=True)
    _trend(ctx, system)
