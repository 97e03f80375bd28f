"""Unexpected errors: a log file with the traceback for a bug report, and the one line a user reads."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import tempfile
import traceback
from pathlib import Path

__all__ = ["crash_log_dir", "write_crash_log"]


def crash_log_dir() -> Path:
    """Where crash logs go: $TRANSFER_LOG_DIR, else the user's cache folder, else the temporary folder."""
    env = os.environ.get("TRANSFER_LOG_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(cache) / "transfer" / "logs"


def write_crash_log(exc: BaseException, *, context: str) -> Path | None:
    """Write the traceback of ``exc`` with ``context`` (the command or page) to a new log file; its path.

    None when no folder is writable (the caller then says so instead of naming a file).
    """
    from transfer import __version__

    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = "".join(
        [
            f"transfer {__version__} on Python {platform.python_version()} ({platform.platform()})\n",
            f"when: {_dt.datetime.now().isoformat(timespec='seconds')}\n",
            f"context: {context}\n\n",
            *traceback.format_exception(type(exc), exc, exc.__traceback__),
        ]
    )
    for folder in (crash_log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"transfer-crash-{stamp}-", suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            return Path(name)
        except OSError:
            continue
    print(text, file=sys.stderr)
    return None
