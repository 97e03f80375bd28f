"""Firms: upload firms, see per-firm matches and the joint assignment under site capacities, download them."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from transfer import columns as C
from transfer.errors import TransferError
from transfer.i18n import error_text
from transfer.pipeline import RunResult, load_firms
from transfer_app import core
from transfer_app.session import Key
from transfer_app.state import (
    Ctx,
    cached_firm_run,
    choose_sheet,
    industry_name,
    scenario_text,
    site_province,
    tmp_copy,
    too_large,
)

__all__ = ["render"]

tr = core.tr


def render(ctx: Ctx) -> None:
    """Upload firms, see per-firm matches and the joint assignment, download them; a template to start from."""
    lang = ctx.lang
    st.download_button(tr("firms.template", lang), core.firms_template_csv(), "firms_template.csv", "text/csv")
    up = st.file_uploader(tr("firms.upload", lang), type=["csv", "xlsx"], key=Key.FIRMS_FILE)
    if up is None:
        st.info(tr("firms.none", lang))
        return
    if too_large(up, lang):
        return
    path = tmp_copy(up)
    sheet = choose_sheet(path, lang, key=Key.FIRMS_SHEET)
    try:
        firms = load_firms(path, ctx.base.catalogue, ctx.run.layers, sheet=sheet)
        digest = hashlib.sha256(up.getvalue() + (sheet or "").encode()).hexdigest()
        r = cached_firm_run(ctx.base, ctx.base_token, scenario_text(ctx.scn), ctx.scn, digest, firms)
    except TransferError as exc:
        st.error(tr("upload.validation_failed", lang, message=error_text(exc, lang)))
        return
    st.success(
        tr("upload.loaded_ok", lang, rows=len(firms), name=up.name if sheet is None else f"{up.name} · {sheet}")
        + " "
        + tr("firms.count", lang, n=len(firms))
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
        st.dataframe(
            a.unmatched.rename(columns={"demand_id": tr("col.firm", lang), "jobs": tr("col.jobs", lang)}),
            hide_index=True,
        )
    with st.expander(tr("firms.site_load", lang)):
        load = a.site_load[a.site_load["jobs"] > 0]
        st.dataframe(
            pd.DataFrame(
                {
                    tr("col.site", lang): load["site_id"].map(lambda s: names.get(int(s), s)),
                    tr("col.province", lang): load["site_id"].map(
                        lambda s: site_province(ctx, int(s)) if int(s) in sites.index else ""
                    ),
                    tr("col.jobs", lang): load["jobs"],
                    tr("col.capacity", lang): load["capacity"],
                    tr("col.utilisation", lang): load["utilisation"],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                tr("col.utilisation", lang): st.column_config.ProgressColumn(
                    tr("col.utilisation", lang), min_value=0.0, max_value=1.0, format="percent"
                )
            },
        )
