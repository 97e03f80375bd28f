"""Shortlists both ways: industry -> sites with filters, and site -> industries; download, brief, save."""

from __future__ import annotations

import streamlit as st

from transfer import columns as C
from transfer.escape import markdown_text
from transfer.export import brief_title
from transfer_app import core
from transfer_app.exports import context, downloads, save_shortlist
from transfer_app.session import Key
from transfer_app.state import (
    Ctx,
    display_table,
    industry_name,
    province_label,
    scenario_label,
    site_name,
    site_province,
)

__all__ = ["render"]

tr = core.tr


def render(ctx: Ctx) -> None:
    """Shortlists both ways: industry -> sites with filters, and site -> industries."""
    lang = ctx.lang
    direction = st.radio(
        tr("sidebar.direction", lang),
        ["industry_to_sites", "site_to_industries"],
        format_func=lambda d: tr(f"sidebar.{d}", lang),
        horizontal=True,
        key=Key.DIRECTION,
    )
    sites = ctx.run.table.sites
    if direction == "industry_to_sites":
        c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
        provs = c1.multiselect(
            tr("sidebar.province_filter", lang),
            sorted(sites[C.PROVINCE].unique()),
            format_func=lambda p: province_label(ctx, p),
            key=Key.FILTER_PROVINCES,
            placeholder=tr("sidebar.all", lang),
        )
        regions = c2.multiselect(
            tr("sidebar.region_filter", lang),
            list(C.REGIONS),
            format_func=lambda r: tr(f"region.{r}", lang),
            key=Key.FILTER_REGIONS,
            placeholder=tr("sidebar.all", lang),
        )
        min_score = c3.slider(tr("sidebar.min_score", lang), 0.0, 1.0, 0.0, 0.01, key=Key.FILTER_MIN_SCORE)
        bonded = c4.checkbox(tr("sidebar.must_have_bonded_zone", lang), key=Key.FILTER_BONDED)
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
        filters = {
            "regions": list(regions),
            "provinces": list(provs),
            "min_score": float(min_score),
            "bonded_zone_only": bool(bonded),
            "top": ctx.top_n,
            "eligible_only": True,
        }
        made_with = context(ctx, filters=filters)
        title = tr("brief.title", lang, industry=industry_name(ctx, ctx.industry))
        st.subheader(brief_title(made_with, title))  # a filtered list says so, as its exports do
        if ctx.weights_edited:
            st.caption(tr("shortlist.weights_edited", lang))
        if df.empty:
            st.warning(tr("shortlist.empty", lang))
            return
        st.dataframe(display_table(df.drop(columns=["industry", "eligible"]), ctx), hide_index=True, width="stretch")
        downloads(ctx, df, f"shortlist_{ctx.industry}", geo=True, brief_title=title, export_context=made_with)
        save_shortlist(
            ctx, df, "industry_to_sites", f"{industry_name(ctx, ctx.industry)} · {scenario_label(ctx.scn_key, lang)}"
        )
    else:
        order = sites.sort_values([C.PROVINCE, C.ADCODE]).index
        site = st.selectbox(
            tr("sidebar.site", lang),
            [int(c) for c in order],
            format_func=lambda c: f"{site_name(ctx, c)} · {site_province(ctx, c)}",
            key=Key.PROFILE_SITE,
        )
        df = ctx.result.site_profile(int(site), lang=lang)
        st.subheader(f"{markdown_text(site_name(ctx, site))} → {tr('profile.industries', lang)}")
        st.dataframe(display_table(df.drop(columns=[C.ADCODE]), ctx), hide_index=True, width="stretch")
        made_with = context(ctx, filters={"site": site_name(ctx, site)}, industry=False)
        downloads(ctx, df, f"industries_{site}", geo=False, brief_title=None, export_context=made_with)
        save_shortlist(ctx, df, "site_to_industries", f"{site_name(ctx, site)} · {scenario_label(ctx.scn_key, lang)}")
