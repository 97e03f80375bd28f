"""A disk cache of the loaded base data, so a cold start reads one file instead of parsing and validating every layer.

:func:`cached_load_base` returns what :func:`transfer.pipeline.load_base` returns. The cache file is named by a
digest of every file under the data folder (contents, not dates) and of every source file of this package, plus the
versions of Python and of the libraries whose objects it holds: a changed, added, removed or replaced layer file, or
another version of the code, names another file, so a cached base is never served for other data. Only the newest
few files are kept.

The folder is ``$TRANSFER_CACHE_DIR``, else ``$XDG_CACHE_HOME/transfer``, else ``~/.cache/transfer`` (made private to
the user); ``TRANSFER_CACHE_DIR=off`` turns the cache off. A cache that cannot be read or written is skipped.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from transfer._paths import default_data_dir
from transfer.pipeline import Base, load_base

__all__ = [
    "CACHE_ENV",
    "cache_dir",
    "cached_for_data",
    "cached_load_base",
    "data_digest",
    "read_cached",
    "source_digest",
    "write_cached",
]

CACHE_ENV = "TRANSFER_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent
_LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj")
T = TypeVar("T")
KEPT_FILES = 4  # the newest cache files kept (other data folders or code versions); older ones are removed


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is off."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() == "off":
        return None
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "transfer"


def _file_digest(h: Any, root: Path, paths: list[Path]) -> None:
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.blake2b(path.read_bytes(), digest_size=32).digest())


def data_digest(data_dir: str | Path | None = None) -> str:
    """Digest of the data folder's files, this package's source and the library versions a cached base depends on."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    h = hashlib.blake2b(digest_size=20)
    h.update(str(root.resolve()).encode("utf-8") + b"\0")
    _file_digest(h, root, sorted(p for p in root.rglob("*") if p.is_file()))
    h.update(source_digest(_PACKAGE, _LIBRARIES).encode() + sys.version.encode("utf-8"))
    return h.hexdigest()


def source_digest(folder: Path, libraries: tuple[str, ...] = ()) -> str:
    """Digest of the Python source below ``folder`` and of the versions of ``libraries`` (for what other code derives
    and caches: a new version of that code or of a library names other cache files)."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(digest_size=20)
    _file_digest(h, folder, sorted(folder.rglob("*.py")))
    for lib in libraries:
        try:
            h.update(f"{lib}={version(lib)}".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=-".encode())
    return h.hexdigest()


def read_cached(kind: str, key: str) -> Any:
    """The object cached under ``kind`` and ``key``, or None (no cache, no file, or one that does not load)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with (folder / f"{kind}-{key}.pickle").open("rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None  # missing, half-written by another process or from another code version


def write_cached(kind: str, key: str, obj: Any, *, keep: int = KEPT_FILES) -> None:
    """Cache ``obj`` under ``kind`` and ``key`` (written atomically; only the newest ``keep`` files of the kind are
    kept). Never fails: a cache that cannot be written is skipped."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"{kind}-{key}.pickle")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        kept = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[keep:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return


def cached_for_data(
    kind: str,
    data_dir: str | Path | None,
    make: Callable[[], T],
    of: type[T],
    *,
    digest: str | None = None,
    keep: int = KEPT_FILES,
) -> T:
    """``make()`` for a data folder, read from the disk cache under ``kind`` and the folder's :func:`data_digest`
    (``digest`` when the caller has it already) when the data and code match, else made and written there."""
    if cache_dir() is None:
        return make()
    try:
        key = digest or data_digest(data_dir)
    except OSError:  # a data file cannot be read: making it says which
        return make()
    hit = read_cached(kind, key)
    if isinstance(hit, of):
        return hit
    value = make()
    write_cached(kind, key, value, keep=keep)
    return value


def cached_load_base(data_dir: str | Path | None = None, *, digest: str | None = None) -> Base:
    """:func:`transfer.pipeline.load_base` (lazy network), read from the disk cache when the data and code match
    (``digest``: the data folder's :func:`data_digest`, when the caller has it already)."""
    return cached_for_data("base", data_dir, lambda: load_base(data_dir), Base, digest=digest)
