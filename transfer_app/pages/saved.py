"""Saved work: reopen a saved shortlist, follow each site or firm up (status, note, history), see saved scenarios."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from transfer import columns as C
from transfer.errors import TransferError
from transfer.escape import markdown_text
from transfer.workspace import STATUSES, ShortlistRecord, StatusRecord
from transfer_app import core
from transfer_app.exports import context, downloads
from transfer_app.login import open_ws
from transfer_app.session import Key
from transfer_app.state import Ctx, industry_name, scenario_label

__all__ = ["entry_key", "entry_label", "render", "status_table"]

tr = core.tr


def entry_key(kind: str, row: Mapping[str, Any]) -> str:
    """The key a status is recorded under: the site adcode, the industry id, or the firm name."""
    if kind == "site_to_industries":
        return str(row.get("industry", ""))
    if kind == "firms":
        return str(row.get("name") or row.get("demand_id") or row.get("firm") or "")
    value = row.get(C.ADCODE)
    try:
        return str(int(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def entry_label(ctx: Ctx, kind: str, row: Mapping[str, Any]) -> str:
    """A readable name of one entry in the page language."""
    if kind == "site_to_industries" and row.get("industry") in ctx.base.catalogue.ids:
        return industry_name(ctx, str(row["industry"]))
    if kind == "industry_to_sites":
        name = row.get(C.NAME_ZH if ctx.lang == "zh" else C.NAME_EN) or row.get(C.NAME_ZH)
        return str(name or entry_key(kind, row))
    return entry_key(kind, row)


def status_table(
    ctx: Ctx, record: ShortlistRecord, current: Mapping[str, StatusRecord]
) -> tuple[pd.DataFrame, list[str]]:
    """One row per entry: rank, name, score, current status (translated) and note; and the entry keys in order."""
    lang = ctx.lang
    rows, keys = [], []
    for i, row in enumerate(record.rows):
        key = entry_key(record.kind, row)
        state = current.get(key)
        keys.append(key)
        rows.append(
            {
                tr("col.rank", lang): row.get("rank", i + 1),
                tr("col.entry", lang): entry_label(ctx, record.kind, row),
                tr("col.score", lang): row.get("score"),
                tr("workspace.status", lang): tr(f"status.{state.status if state else 'candidate'}", lang),
                tr("workspace.notes", lang): (state.note or "") if state else "",
                tr("col.updated", lang): state.updated_at.strftime("%Y-%m-%d %H:%M") if state else "",
            }
        )
    return pd.DataFrame(rows), keys


def _save_changes(ctx: Ctx, record: ShortlistRecord, before: pd.DataFrame, keys: list[str], editor_key: str) -> None:
    """Write every row whose status or note the user changed as a new state (earlier states stay in the history)."""
    lang = ctx.lang
    edits = ctx.session.get(editor_key) or {}
    changed = (edits.get("edited_rows") or {}) if isinstance(edits, Mapping) else {}
    by_label = {tr(f"status.{s}", lang): s for s in STATUSES}
    status_col, note_col = tr("workspace.status", lang), tr("workspace.notes", lang)
    n = 0
    try:
        with open_ws() as ws:
            for pos, change in changed.items():
                i = int(pos)
                status = by_label.get(str(change.get(status_col, before.at[i, status_col])), "candidate")
                note = str(change.get(note_col, before.at[i, note_col]) or "") or None
                ws.set_status(record.id, keys[i], status, note=note)
                n += 1
    except TransferError as exc:
        ctx.session.flash(str(exc))
        return
    ctx.session.flash(tr("saved.updated", lang, n=n))


def render(ctx: Ctx) -> None:
    lang = ctx.lang
    st.subheader(tr("saved.title", lang))
    try:
        with open_ws() as ws:
            records = ws.list_shortlists()
            path = ws.path
    except TransferError as exc:
        st.error(str(exc))
        return
    st.caption(tr("saved.where", lang, path=markdown_text(path)))
    if not records:
        st.info(tr("saved.none", lang))
    else:
        by_id = {r.id: r for r in records}
        ids = [r.id for r in reversed(records)]  # newest first
        ctx.session.restore(Key.OPEN_SHORTLIST, ids[0], allowed=ids)

        def label(i: int) -> str:
            r = by_id[i]
            kind = tr(f"sidebar.{r.kind}", lang) if r.kind != "firms" else tr("tab.firms", lang)
            return f"{r.name} · {kind} · {len(r.rows)} · {r.created_at:%Y-%m-%d %H:%M}"

        chosen = st.selectbox(tr("saved.open", lang), ids, format_func=label, key=Key.OPEN_SHORTLIST)
        ctx.session.remember(Key.OPEN_SHORTLIST)
        _shortlist(ctx, by_id[int(chosen)])
    st.divider()
    st.subheader(tr("saved.scenarios", lang))
    saved = list(ctx.saved)
    if not saved:
        st.caption(tr("saved.no_scenarios", lang))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    tr("col.name", lang): scenario_label(f"ws:{r.name}:{r.version}", lang),
                    tr("col.saved_at", lang): f"{r.created_at:%Y-%m-%d %H:%M}",
                    tr("col.comment", lang): r.comment or "",
                }
                for r in reversed(saved)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(tr("saved.scenarios_help", lang))


def _shortlist(ctx: Ctx, record: ShortlistRecord) -> None:
    lang = ctx.lang
    try:
        with open_ws() as ws:
            current = ws.current_statuses(record.id)
    except TransferError as exc:
        st.error(str(exc))
        return
    meta = [tr(f"sidebar.{record.kind}", lang) if record.kind != "firms" else tr("tab.firms", lang)]
    if record.scenario_name:
        meta.append(markdown_text(scenario_label(f"ws:{record.scenario_name}:{record.scenario_version}", lang)))
    meta.append(f"{record.created_at:%Y-%m-%d %H:%M}")
    st.caption(" · ".join(meta))
    table, keys = status_table(ctx, record, current)
    counts = pd.Series([current[k].status if k in current else "candidate" for k in keys]).value_counts()
    st.markdown(" · ".join(f"{tr(f'status.{s}', lang)} {int(counts.get(s, 0))}" for s in STATUSES if counts.get(s)))
    editor_key = f"status_editor_{record.id}_{lang}"
    status_col, note_col = tr("workspace.status", lang), tr("workspace.notes", lang)
    st.data_editor(
        table,
        key=editor_key,
        hide_index=True,
        width="stretch",
        disabled=[c for c in table.columns if c not in (status_col, note_col)],
        column_config={
            status_col: st.column_config.SelectboxColumn(
                status_col, options=[tr(f"status.{s}", lang) for s in STATUSES], required=True
            ),
            note_col: st.column_config.TextColumn(note_col, max_chars=2000),
        },
    )
    st.button(
        tr("saved.save_changes", lang),
        type="primary",
        on_click=_save_changes,
        args=(ctx, record, table, keys, editor_key),
        key=f"save_status_{record.id}",
    )
    rows = pd.DataFrame([dict(r) for r in record.rows])
    downloads(
        ctx,
        rows.assign(**{tr("workspace.status", lang): table[status_col].to_numpy()}) if len(rows) else rows,
        f"saved_{record.id}",
        geo=False,
        brief_title=None,
        export_context=context(ctx, filters={"shortlist": record.name}, industry=False),
    )
    labels = dict(zip(keys, table[tr("col.entry", lang)], strict=True))
    pick = st.selectbox(tr("saved.history_of", lang), keys, format_func=lambda k: labels.get(k, k), key="hist_pick")
    try:
        with open_ws() as ws:
            hist = ws.history(record.id, pick)
    except TransferError as exc:
        st.error(str(exc))
        return
    if not hist:
        st.caption(tr("saved.no_history", lang))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    tr("col.updated", lang): f"{h.updated_at:%Y-%m-%d %H:%M:%S}",
                    tr("workspace.status", lang): tr(f"status.{h.status}", lang),
                    tr("workspace.notes", lang): h.note or "",
                }
                for h in reversed(hist)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
