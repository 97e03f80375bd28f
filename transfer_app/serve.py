"""Server start-up: the first page's imports and data are made in a background thread while a browser loads the app.

A new server otherwise makes them in the first session's first run (imports, the default data from the disk cache,
its run, the map shapes and the first map: about 3 s). The thread fills the same caches that run reads
(``st.cache_resource``), so a run that starts before the thread is done waits for the value being made instead of
making it twice. Nothing here is required: when the warm-up fails, the first run makes everything and shows the
error itself.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["lifespan", "warm_up"]


def warm_up() -> None:
    """Make what the first page of a new session needs (errors are left to the session's run to show)."""
    try:
        from transfer_app.main import warm_caches

        warm_caches()
    except Exception:  # the first script run meets the same error and shows it
        return


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The app's start-up and shut-down (``st.App(lifespan=...)``): starts :func:`warm_up` in the background."""
    threading.Thread(target=warm_up, name="app-warm-up", daemon=True).start()
    yield
