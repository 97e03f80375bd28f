"""Data and sources: every layer with source, licence, year and counts; replace a layer with your own file."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from transfer.errors import TransferError
from transfer.escape import markdown_text
from transfer.i18n import error_text
from transfer.layers import KINDS, replace_layer
from transfer.pipeline import base_with_layers
from transfer_app import core
from transfer_app.session import Key
from transfer_app.state import SOURCES_MD, Ctx, choose_sheet, tmp_copy, too_large

__all__ = ["render"]

tr = core.tr


def _replace_layer(ctx: Ctx, kind: str, up: Any, path: Path, sheet: str | None) -> None:
    lang = ctx.lang
    try:
        new_layers = replace_layer(ctx.base.layers, kind, path, sheet=sheet)
        new_base = base_with_layers(ctx.base, new_layers, recompute_access=kind in ("sites", "origins"))
    except TransferError as exc:
        st.error(tr("upload.validation_failed", lang, message=error_text(exc, lang)))
        return
    digest = hashlib.sha256(up.getvalue() + (sheet or "").encode()).hexdigest()[:16]
    message = tr("data.replaced", lang, kind=kind, name=up.name, rows=len(getattr(new_layers, kind)))
    ctx.session.set_base(new_base, f"{ctx.base_token}+{kind}:{digest}", message)
    st.rerun()


def render(ctx: Ctx) -> None:
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
            head = tr("data.licence_header", "en")
            st.markdown(lic.replace(head, tr("data.licence_header", lang), 1))
            st.caption(tr("data.original_language", lang))
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
    if ctx.session.get(Key.REPLACE_MSG):
        st.success(ctx.session.get(Key.REPLACE_MSG))
    kind = st.selectbox(
        tr("data.replace_kind", lang),
        list(KINDS),
        key=Key.REPLACE_KIND,
        format_func=lambda k: core.layer_label(k, lang),
    )
    up = st.file_uploader(
        tr("upload.prompt", lang), type=["csv", "xlsx", "geojson", "json", "gpkg", "zip"], key=Key.LAYER_FILE
    )
    path, sheet = None, None
    if up is not None and not too_large(up, lang):
        path = tmp_copy(up)
        sheet = choose_sheet(path, lang, key=Key.LAYER_SHEET)
    c1, c2 = st.columns(2)
    if c1.button(tr("upload.replace_layer", lang), disabled=path is None, key="replace_go") and up and path:
        _replace_layer(ctx, kind, up, path, sheet)
    if ctx.session.custom_base is not None and c2.button(tr("data.reset", lang), key="replace_reset"):
        ctx.session.set_base(None, "default")
        st.rerun()
    if ctx.run.note_items:
        with st.expander(tr("data.notes", lang)):
            for note in ctx.run.note_items:
                st.markdown(f"- {markdown_text(note.render(lang))}")
    st.caption(f"{tr('brief.generated', lang, date=date.today().isoformat())}")
