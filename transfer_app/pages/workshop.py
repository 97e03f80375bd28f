"""The scenario workshop: weight sliders (a scenario override every page reads), the YAML editor, saving."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from transfer import columns as C
from transfer.errors import TransferError
from transfer.escape import markdown_text
from transfer.i18n import error_text
from transfer.industries import CRITERION_IDS
from transfer.scenarios import parse_scenario, scenario_yaml
from transfer_app import core
from transfer_app.login import open_ws
from transfer_app.session import Key, Session
from transfer_app.state import (
    DEFAULT_KEY,
    SCENARIO_DIR,
    Ctx,
    cached_run,
    display_table,
    industry_name,
    scenario_files,
    scenario_label,
    scenario_text,
)

__all__ = ["render"]

tr = core.tr


def _on_weight(session: Session, industry: str) -> None:
    session.set_weights(industry, {c: float(session.get(Key.weight(industry, c), 0.0)) for c in CRITERION_IDS})


def _apply_yaml(session: Session) -> None:
    """Parse the editor's text; a valid scenario joins the session's scenarios (by name) and becomes the active one."""
    text = str(session.get(Key.YAML_EDITOR, ""))
    try:
        scn = parse_scenario(text, where="editor", base_dir=SCENARIO_DIR)
    except TransferError as exc:
        session.set(Key.YAML_ERROR, error_text(exc, session.lang))
        return
    session.set(Key.YAML_ERROR, "")
    session.add_edited(scn.name, text)
    session.scenario = f"edit:{scn.name}"


def _load_into_editor(session: Session) -> None:
    key = session.get(Key.EDITOR_PICK)
    text = ""
    if key and key.startswith("file:"):
        text = (SCENARIO_DIR / key.removeprefix("file:")).read_text(encoding="utf-8")
    elif key and key.startswith("edit:"):
        text = session.edited.get(key.removeprefix("edit:"), "")
    elif key and key.startswith("ws:"):
        name, _, version = key.removeprefix("ws:").rpartition(":")
        try:
            with open_ws() as ws:
                text = ws.get_scenario(name, int(version)).yaml_text
        except TransferError as exc:
            session.set(Key.YAML_ERROR, error_text(exc, session.lang))
            return
    elif key == DEFAULT_KEY:
        text = "name: my_scenario\ndescription: ''\nweights:\n  '*': {}\n"
    session.set(Key.YAML_EDITOR, text)
    session.remember(Key.YAML_EDITOR)


def _save_scenario(ctx: Ctx) -> None:
    """Save the active scenario (with the slider weights when asked) as a new workspace version and make it the
    active one, so the sidebar lists it in the same run."""
    session = ctx.session
    name = str(session.get("save_scn_name") or ctx.scn_plain.name).strip()
    with_w = bool(session.get("save_scn_weights", True))
    scn = (ctx.scn if with_w else ctx.scn_plain).model_copy(update={"name": name})
    try:
        with open_ws() as ws:
            rec = ws.save_scenario(name, scenario_yaml(scn), comment="saved from the app")
    except TransferError as exc:
        session.set(Key.YAML_ERROR, error_text(exc, session.lang))
        return
    if with_w:
        session.reset_all_weights()  # the weights are in the saved scenario now
    session.scenario = f"ws:{rec.name}:{rec.version}"
    session.flash(tr("workspace.saved", ctx.lang, name=f"{rec.name} v{rec.version}"))


def render(ctx: Ctx) -> None:
    """Weight sliders that re-score at once, a scenario editor with save."""
    lang, session = ctx.lang, ctx.session
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.subheader(f"{tr('workshop.weights', lang)} · {markdown_text(industry_name(ctx, ctx.industry))}")
        current = core.effective_weights(ctx.result, ctx.industry)
        plain = cached_run(ctx.base, ctx.base_token, scenario_text(ctx.scn_plain), ctx.scn_plain)
        defaults = core.effective_weights(plain.scores, ctx.industry)  # the scenario's, without the sliders
        stored = session.weights.get(ctx.industry, {})
        for c in CRITERION_IDS:
            key = Key.weight(ctx.industry, c)
            if key not in session.store:
                session.set(key, float(round(stored.get(c, current[c]), 2)))
            st.slider(
                tr(f"criterion.{c}", lang),
                0.0,
                1.0,
                step=0.01,
                key=key,
                on_change=_on_weight,
                args=(session, ctx.industry),
            )
        st.button(
            tr("workshop.reset_weights", lang),
            on_click=session.reset_weights,
            args=(ctx.industry, {c: float(defaults[c]) for c in CRITERION_IDS}),
        )
        if ctx.run_ms is not None:
            st.caption(tr("workshop.rescore_ms", lang, ms=ctx.run_ms))
    with right:
        st.subheader(tr("brief.table", lang))
        df = core.shortlist_frame(ctx.result, ctx.industry, top=ctx.top_n, lang=ctx.lang)
        st.dataframe(
            display_table(df[["rank", C.NAME_ZH, C.NAME_EN, C.PROVINCE, "score", "reasons"]], ctx),
            hide_index=True,
            width="stretch",
            height=420,
        )
        _scenario_editor(ctx)


def _scenario_editor(ctx: Ctx) -> None:
    lang, session = ctx.lang, ctx.session
    st.subheader(tr("workshop.edit_yaml", lang))
    st.caption(tr("workshop.active", lang, name=markdown_text(scenario_label(ctx.scn_key, lang))))
    saved = list(ctx.saved)
    picks = [DEFAULT_KEY] + [f"file:{p.name}" for p in scenario_files()]
    picks += [f"edit:{name}" for name in session.edited] + [f"ws:{r.name}:{r.version}" for r in saved]
    st.selectbox(
        tr("workshop.pick", lang),
        picks,
        format_func=lambda k: scenario_label(k, lang),
        key=Key.EDITOR_PICK,
        on_change=_load_into_editor,
        args=(session,),
    )
    # the editor's text outlives a page switch (an unrendered widget loses its state): keep it under a shadow key
    session.restore(Key.YAML_EDITOR, scenario_yaml(ctx.scn))
    st.text_area("YAML", key=Key.YAML_EDITOR, height=240)
    session.remember(Key.YAML_EDITOR)
    st.button(tr("workshop.apply_yaml", lang), on_click=_apply_yaml, args=(session,), type="primary")
    if session.get(Key.YAML_ERROR):
        st.error(session.get(Key.YAML_ERROR))
    with st.form("save_scenario"):
        st.text_input(tr("workshop.scenario_name", lang), value=ctx.scn_plain.name, key="save_scn_name")
        st.checkbox(tr("workshop.with_weights", lang), value=True, key="save_scn_weights")
        st.form_submit_button(tr("workspace.save", lang), on_click=_save_scenario, args=(ctx,))
    if saved:
        with st.expander(tr("workshop.saved_versions", lang)):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            tr("col.name", lang): r.name,
                            tr("col.version", lang): r.version,
                            tr("col.saved_at", lang): r.created_at.strftime("%Y-%m-%d %H:%M"),
                            tr("col.comment", lang): r.comment or "",
                        }
                        for r in saved
                    ]
                ),
                hide_index=True,
            )
