"""Server start-up: the first page's imports and data are made before the server answers its first request.

A new server otherwise makes them in the first session's first run (imports, the default data from the disk cache,
its run, the map shapes and the first map: about 3 s on 2 cores), and a browser that opens the app meanwhile waits
for them with the server's static files held up as well. The warm-up fills the same caches that run reads
(``st.cache_resource``). The server's socket is bound before start-up, so a browser that connects early is answered
as soon as the warm-up is done, not refused. After it, the objects made so far are moved out of the garbage
collector's reach (``gc.freeze``): they live as long as the process, and a full collection no longer walks them.

Nothing here is required: when the warm-up fails or takes longer than :data:`WARM_UP_WAIT_S`, the server starts
anyway and the first run makes what is missing and shows any error itself.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["WARM_UP_WAIT_S", "lifespan", "warm_up"]

# about 3 s on 2 cores, 5-6 s with an empty disk cache (the default data and the first map made from their sources);
# a server whose warm-up takes longer than this starts anyway
WARM_UP_WAIT_S = 90.0


class _NoContextWarning(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warnings of the warm-up thread (it runs outside any session on
    purpose); every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == "app-warm-up" and "ScriptRunContext" in record.getMessage())


def warm_up() -> bool:
    """Make what the first page of a new session needs; False when it failed (the session's run shows the error)."""
    from transfer_app.login import DATA_ENV

    if os.environ.get(DATA_ENV, "").strip():  # another data set: loaded by its session (a team's after a login)
        return False
    try:
        from transfer_app.main import warm_caches

        warm_caches()
    except Exception:  # the first script run meets the same error and shows it
        return False
    gc.collect()
    gc.freeze()
    return True


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The app's start-up and shut-down (``st.App(lifespan=...)``): waits for :func:`warm_up` (at most
    :data:`WARM_UP_WAIT_S`) before the server answers."""
    t0 = time.perf_counter()
    print("  Preparing the first page (data, scores, map) ...", file=sys.stderr, flush=True)
    done: list[bool] = []
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarning())
    thread = threading.Thread(target=lambda: done.append(warm_up()), name="app-warm-up", daemon=True)
    thread.start()
    await asyncio.to_thread(thread.join, WARM_UP_WAIT_S)
    if thread.is_alive():
        state = f"still preparing after {WARM_UP_WAIT_S:.0f} s, starting anyway"
    else:
        state = "ready" if done and done[0] else "left to the first page"
    print(f"  Prepared in {time.perf_counter() - t0:.1f} s ({state}).", file=sys.stderr, flush=True)
    yield
