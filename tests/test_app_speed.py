"""What keeps the app fast: a warm-up at server start, page modules imported when drawn, the map kept across pages."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from transfer_app import main as app_main
from transfer_app import maps, serve
from transfer_app.pages import explore
from transfer_app.session import Key

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
TIMEOUT_S = 180


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFER_WORKSPACE", str(tmp_path / "workspace.sqlite"))


def _run(at: AppTest, page: str | None = None) -> AppTest:
    if page is not None:
        at._page_hash = calc_hash(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _map_args(at: AppTest) -> list[dict[str, Any]]:
    """The arguments of every map component of the last run."""
    return [json.loads(c.proto.json_args) for c in at.get("component_instance")]


def _hidden(at: AppTest) -> bool:
    return any(f"st-key-{explore.EXPLORER_KEY}" in h.value and "hidden" in h.value for h in at.get("html"))


def test_streamlit_run_serves_the_app_with_its_warm_up() -> None:
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(REPO / "app.py")
    assert found.is_asgi_app and found.app_name == "app"


def test_the_map_page_does_not_import_the_other_pages() -> None:
    code = (
        "import sys, transfer_app.main\n"
        "late = ('transfer_app.pages.evaluation', 'transfer_app.pages.workshop', 'pymcdm', 'ahpy')\n"
        "print([m for m in late if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_server_answers_once_the_warm_up_is_done_and_the_warm_up_never_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done = threading.Event()

    def slow() -> bool:
        time.sleep(0.3)
        done.set()
        return True

    monkeypatch.setattr(serve, "warm_up", slow)
    seen: list[bool] = []

    async def serve_once() -> None:
        async with serve.lifespan(None):
            seen.append(done.is_set())  # the server starts answering here

    asyncio.run(serve_once())
    assert seen == [True]

    hang = threading.Event()
    monkeypatch.setattr(serve, "warm_up", hang.wait)  # a warm-up that never ends does not keep the server shut
    monkeypatch.setattr(serve, "WARM_UP_WAIT_S", 0.2)
    t0 = time.perf_counter()
    asyncio.run(serve_once())
    assert time.perf_counter() - t0 < 5
    hang.set()
    monkeypatch.undo()

    def broken() -> None:
        raise RuntimeError("no data")

    monkeypatch.setattr(app_main, "warm_caches", broken)
    monkeypatch.delenv("TRANSFER_DATA", raising=False)
    assert serve.warm_up() is False  # the first script run meets the error and shows it


def test_a_successful_warm_up_freezes_what_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_main, "warm_caches", lambda: None)
    monkeypatch.delenv("TRANSFER_DATA", raising=False)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        assert serve.warm_up() is True
        assert gc.get_freeze_count() > 0  # a full collection no longer walks the data, network and maps
    finally:
        gc.unfreeze()
    monkeypatch.setenv("TRANSFER_DATA", "/some/folder")  # another data set is loaded with its session
    assert serve.warm_up() is False


def test_the_served_app_neither_watches_its_files_nor_collects_after_every_run() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"  # the watcher walks every module at each session and run
    assert config["runner"]["postScriptGC"] is False  # a full collection after each run held the next click 0.5 s


def test_the_warm_up_makes_the_map_the_first_run_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSFER_CACHE_DIR", "off")  # only the warm-up's in-memory map can serve the run
    explore.cached_map.clear()
    app_main.warm_caches()

    def no_build(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the first run built the map again")

    monkeypatch.setattr(maps, "make_map", no_build)
    at = _run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    assert len(_map_args(at)) == 1


def test_the_map_is_kept_hidden_on_other_pages_and_its_script_sent_once() -> None:
    at = _run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    (first,) = _map_args(at)
    assert len(first["script"]) > 100_000 and not _hidden(at)
    look = at.session_state[Key.MAP_SENT]

    _run(at, "shortlists")  # the same map, hidden, and the browser holds its script already
    (kept,) = _map_args(at)
    assert kept["script"] == "" and kept["id"] == first["id"] and _hidden(at)
    assert at.session_state[Key.MAP_SENT] == look

    _run(at, "map")  # shown again, still not sent again
    (back,) = _map_args(at)
    assert back["script"] == "" and not _hidden(at)


def test_another_look_on_a_hidden_page_is_not_built_until_the_map_shows_it() -> None:
    at = _run(AppTest.from_file(APP, default_timeout=TIMEOUT_S))
    _run(at, "workshop")
    assert len(_map_args(at)) == 1
    slider = at.slider[0]
    slider.set_value(round(float(slider.value) + 0.05, 2))
    _run(at)
    assert _map_args(at) == []  # the weights make another map: not built for a page that hides it
    assert Key.MAP_SENT not in at.session_state

    _run(at, "map")
    (drawn,) = _map_args(at)
    assert len(drawn["script"]) > 100_000  # the browser does not hold this map: its script is sent
