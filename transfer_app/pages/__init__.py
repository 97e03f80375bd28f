"""The app's pages, one module each; :func:`pages` lists them for ``st.navigation`` in the page language."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from transfer_app.core import tr
from transfer_app.pages import compare, cooperation, data, evaluation, explore, firms, saved, shortlists, workshop
from transfer_app.state import Ctx

__all__ = ["PAGES", "pages"]

# (url path, title key, icon, renderer): the url path stays when the language changes, so does the open page
PAGES: tuple[tuple[str, str, str, Callable[[Ctx], None]], ...] = (
    ("map", "tab.map", ":material/map:", explore.render),
    ("shortlists", "tab.shortlists", ":material/format_list_numbered:", shortlists.render),
    ("workshop", "tab.workshop", ":material/tune:", workshop.render),
    ("compare", "tab.compare", ":material/compare_arrows:", compare.render),
    ("firms", "tab.firms", ":material/factory:", firms.render),
    ("saved", "tab.saved", ":material/bookmarks:", saved.render),
    ("evaluation", "tab.evaluation", ":material/leaderboard:", evaluation.render),
    ("cooperation", "tab.cooperation", ":material/handshake:", cooperation.render),
    ("data", "tab.data", ":material/database:", data.render),
)


def pages(ctx: Ctx) -> list[st.Page]:
    """One ``st.Page`` per page, each drawing itself from the run context ``ctx``."""

    def page(render: Callable[[Ctx], None]) -> Callable[[], None]:
        return lambda: render(ctx)

    return [
        st.Page(page(render), title=tr(title, ctx.lang), icon=icon, url_path=path, default=(i == 0))
        for i, (path, title, icon, render) in enumerate(PAGES)
    ]
