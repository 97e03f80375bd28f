"""Downloads, the printable brief and saving a shortlist to the workspace, shared by the pages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from transfer import columns as C
from transfer.errors import TransferError
from transfer.export import ExportContext
from transfer.i18n import provenance_label
from transfer.industries import CRITERION_IDS
from transfer_app import core
from transfer_app.login import open_ws
from transfer_app.session import Key
from transfer_app.state import Ctx, industry_name, origin_name, scenario_label

__all__ = ["brief", "context", "downloads", "save_shortlist"]

tr = core.tr


def context(ctx: Ctx, *, filters: Mapping[str, Any] | None = None, industry: bool = True) -> ExportContext:
    """What an export of this page was made with: the scenario, the slider weights, the filters and the data."""
    fields: dict[str, Any] = {
        "scenario": scenario_label(ctx.scn_key, ctx.lang),
        "weights_edited": ctx.weights_edited,
        "origin": origin_name(ctx),
        "lang": ctx.lang,
        "filters": dict(filters or {}),
        "layers_replaced": tuple(p.split(":")[0] for p in ctx.base_token.split("+")[1:]),
    }
    if not industry:
        return ExportContext(**fields)
    return ExportContext.from_result(ctx.result, ctx.industry, industry_name=industry_name(ctx, ctx.industry), **fields)


def brief(ctx: Ctx, df: pd.DataFrame, title: str, export_context: ExportContext) -> bytes:
    """The printable one-page brief: static SVG map, table, reasons, what it was made with, sources and notes."""
    from transfer import export

    lang = ctx.lang
    prov = ctx.run.table.provenance
    sources = [provenance_label(c, prov[c], lang) for c in CRITERION_IDS if prov.get(c)]
    values = ctx.result.scores.loc[ctx.industry].where(ctx.result.eligible.loc[ctx.industry])
    svg = export.static_map_svg(ctx.map_sites, values, [int(a) for a in df[C.ADCODE]], ctx.provinces, lang=lang)
    page = export.brief_html(
        df,
        export_context,
        result=ctx.result,
        static_map_svg=svg,
        title=title,
        sources=sources,
        notes=[n.render(lang) for n in ctx.run.note_items],
    )
    return page.encode("utf-8")


def downloads(
    ctx: Ctx, df: pd.DataFrame, stem: str, *, geo: bool, brief_title: str | None, export_context: ExportContext
) -> None:
    """Download buttons; the files are made only when a button is clicked, each recording ``export_context``."""
    lang = ctx.lang
    cols = st.columns(4)
    cols[0].download_button(
        tr("download.csv", lang),
        partial(core.table_bytes, df, "csv", context=export_context),
        f"{stem}.csv",
        "text/csv",
        on_click="ignore",
    )
    cols[1].download_button(
        tr("download.xlsx", lang),
        partial(core.table_bytes, df, "xlsx", context=export_context),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    if geo:
        cols[2].download_button(
            tr("download.geojson", lang),
            partial(core.table_bytes, df, "geojson", sites=ctx.run.layers.sites, context=export_context),
            f"{stem}.geojson",
            "application/geo+json",
            on_click="ignore",
        )
    if brief_title is not None:
        cols[3].download_button(
            tr("download.brief", lang),
            partial(brief, ctx, df, brief_title, export_context),
            f"{stem}.html",
            "text/html",
            on_click="ignore",
        )


def _save(ctx: Ctx, df: pd.DataFrame, kind: str, name_key: str) -> None:
    name = str(ctx.session.get(name_key) or "").strip()
    try:
        with open_ws() as ws:
            rec = ws.save_shortlist(name, kind, core.flat_shortlist(df).to_dict(orient="records"))  # type: ignore[arg-type]
    except TransferError as exc:
        ctx.session.flash(str(exc))
        return
    ctx.session.set(Key.OPEN_SHORTLIST, rec.id)  # the Saved work page opens it
    ctx.session.remember(Key.OPEN_SHORTLIST)
    ctx.session.flash(tr("workspace.saved", ctx.lang, name=name) + " — " + tr("saved.find_it", ctx.lang))


def save_shortlist(ctx: Ctx, df: pd.DataFrame, kind: str, default_name: str) -> None:
    """A form that saves the shortlist to the workspace; the Saved work page reopens it with statuses and notes."""
    with st.form(f"save_{kind}"):
        name_key = f"save_name_{kind}"
        st.text_input(tr("shortlist.name", ctx.lang), value=default_name, key=name_key)
        st.form_submit_button(tr("shortlist.save", ctx.lang), on_click=_save, args=(ctx, df, kind, name_key))
