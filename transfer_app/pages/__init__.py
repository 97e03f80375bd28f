"""The app's pages, one module each; :func:`pages` lists them for ``st.navigation`` in the page language.

A page's module is imported when the page is first drawn, not with this package: the evaluation page alone brings
pymcdm, ahpy and scipy.stats (about 3 s of imports), which the map a new session opens on does not need.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import streamlit as st

from transfer_app.core import tr
from transfer_app.state import Ctx

__all__ = ["PAGES", "pages"]


def _renderer(module: str) -> Callable[[Ctx], None]:
    """The ``render`` function of page module ``module``, imported on the first call."""

    def render(ctx: Ctx) -> None:
        page: Callable[[Ctx], None] = importlib.import_module(f"{__name__}.{module}").render
        page(ctx)

    render.__name__ = render.__qualname__ = f"render_{module}"
    return render


# (url path, title key, icon, renderer): the url path stays when the language changes, so does the open page
PAGES: tuple[tuple[str, str, str, Callable[[Ctx], None]], ...] = (
    ("map", "tab.map", ":material/map:", _renderer("explore")),
    ("shortlists", "tab.shortlists", ":material/format_list_numbered:", _renderer("shortlists")),
    ("workshop", "tab.workshop", ":material/tune:", _renderer("workshop")),
    ("compare", "tab.compare", ":material/compare_arrows:", _renderer("compare")),
    ("firms", "tab.firms", ":material/factory:", _renderer("firms")),
    ("saved", "tab.saved", ":material/bookmarks:", _renderer("saved")),
    ("evaluation", "tab.evaluation", ":material/leaderboard:", _renderer("evaluation")),
    ("cooperation", "tab.cooperation", ":material/handshake:", _renderer("cooperation")),
    ("data", "tab.data", ":material/database:", _renderer("data")),
)


def pages(ctx: Ctx) -> list[st.Page]:
    """One ``st.Page`` per page, each drawing itself from the run context ``ctx``."""

    def page(render: Callable[[Ctx], None]) -> Callable[[], None]:
        return lambda: render(ctx)

    return [
        st.Page(page(render), title=tr(title, ctx.lang), icon=icon, url_path=path, default=(i == 0))
        for i, (path, title, icon, render) in enumerate(PAGES)
    ]
