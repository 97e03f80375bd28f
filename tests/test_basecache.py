"""The disk cache of the base data: a hit returns the same data, any change of a data file is a miss."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from transfer import basecache
from transfer._paths import default_data_dir
from transfer.pipeline import load_base


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(basecache.CACHE_ENV, str(tmp_path / "cache"))
    root = tmp_path / "geodata"
    shutil.copytree(default_data_dir(), root)
    return root


def _count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def counted(data_dir: object = None) -> object:
        calls.append(1)
        return load_base(data_dir)  # type: ignore[arg-type]

    monkeypatch.setattr(basecache, "load_base", counted)
    return calls


def test_a_hit_returns_the_same_base_without_loading(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_loads(monkeypatch)
    first = basecache.cached_load_base(data_dir)
    again = basecache.cached_load_base(data_dir)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first.layers.sites, again.layers.sites)
    pd.testing.assert_frame_equal(first.access, again.access)
    assert first.catalogue.ids == again.catalogue.ids
    assert len(list((data_dir.parent / "cache").glob("base-*.pickle"))) == 1


def test_a_replaced_file_is_never_served_from_the_cache(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_loads(monkeypatch)
    basecache.cached_load_base(data_dir)
    # the same size and modification time, other content: the digest reads contents, not dates
    path = data_dir / "curated" / "min_wage.csv"
    stat = path.stat()
    text = path.read_bytes()
    changed = text.replace(b"2", b"3", 1)
    assert changed != text and len(changed) == len(text)
    path.write_bytes(changed)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    basecache.cached_load_base(data_dir)
    assert len(calls) == 2
    (data_dir / "extra.csv").write_text("a\n1\n")  # an added file
    basecache.cached_load_base(data_dir)
    assert len(calls) == 3


def test_a_broken_cache_file_is_loaded_again_and_the_cache_can_be_off(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_loads(monkeypatch)
    basecache.cached_load_base(data_dir)
    (cached,) = (data_dir.parent / "cache").glob("base-*.pickle")
    cached.write_bytes(b"not a pickle")
    basecache.cached_load_base(data_dir)
    assert len(calls) == 2 and cached.stat().st_size > 1000  # written again
    monkeypatch.setenv(basecache.CACHE_ENV, "off")
    assert basecache.cache_dir() is None
    basecache.cached_load_base(data_dir)
    assert len(calls) == 3


def test_the_network_is_kept_on_disk_and_assembled_again_for_changed_data(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transfer import network as nw
    from transfer import pipeline

    calls: list[int] = []
    real = nw.load_network

    def counted(root: Path) -> object:
        calls.append(1)
        return real(root)

    monkeypatch.setattr(nw, "load_network", counted)
    pipeline._network_cached.cache_clear()  # as in a new process
    first = pipeline._network_cached(str(data_dir))
    pipeline._network_cached.cache_clear()
    again = pipeline._network_cached(str(data_dir))
    assert len(calls) == 1 and again is not first
    assert len(list((data_dir.parent / "cache").glob("network-*.pickle"))) == 1
    a, b = nw.route(first, "430100", "440300"), nw.route(again, "430100", "440300")
    pd.testing.assert_frame_equal(a.legs, b.legs)
    assert a.geometry.equals(b.geometry)

    params = data_dir / "curated" / "transport_params.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    pipeline._network_cached.cache_clear()
    pipeline._network_cached(str(data_dir))
    assert len(calls) == 2  # other data: assembled again, never the kept one
    pipeline._network_cached.cache_clear()
