"""Real-browser latency of the app: `streamlit run app.py` in headless Chromium, this checkout against a baseline ref.

Run: ``python benchmarks/bench_browser.py [--runs 5] [--baseline a12071b | --no-baseline] [--json out.json]
[--size 1600x1000] [--only cold,click,switch,slider]``. Needs ``chromium``, ``chromedriver`` and selenium
(``make setup-test browser``). The baseline is checked out with ``git worktree add`` into a temporary folder and
removed afterwards; each checkout runs its own code (``PYTHONPATH`` and the working directory are the checkout).
Prints one markdown table: the median of the repetitions with (min–max) per action and checkout, and the target the
action is held to; exit status 1 when a median of this checkout misses its target. ``--only`` times some groups of
actions (cold start, click, page switches, slider), each as described below.

The checkouts take turns: cold starts alternate between them, and the warm actions run on one server per checkout
(all started first), one repetition of each checkout in turn with the order reversed every round, so that the load
of a shared machine falls on every checkout alike.

Every timing runs from the user's action until its result is visible *and* the script run has finished
(``data-test-script-state`` of the app is ``notRunning``; every result awaited is made by the action's run). The
benchmark process polls every 20 ms; there are no fixed waits.

An action inside a session starts when the page sees its input: the first ``pointerdown`` or ``keydown`` in the
app's document or in one of its frames (the map's included) after the action was prepared, by the browser's clock
(``Date.now()``, the same wall clock as the benchmark's). The WebDriver calls that produce the input (switching into
the map's frame, moving the pointer, pressing) take 0.3-0.5 s of their own on 2 cores, which no user waits for.
When no input was seen, the time counts from the first WebDriver call.

A table is seen when it is painted: the canvas of the table (``st.dataframe`` draws its cells on a canvas) holds
dark pixels below its header row, or for a changed table, other pixels than before. The accessible copy of the
table that the grid keeps beside its canvas is rebuilt only after 200 ms without any change to the grid, so waiting
for its rows counted 0.2-0.6 s after the rows were on the screen.

Actions
-------
cold start -> first map
    a fresh server process and a fresh browser session (empty profile, so no HTTP cache) per repetition; server
    start-up is excluded: from ``driver.get(url)`` (server healthy, script never run) to the site polygons painted
    on the map canvas inside the folium iframe. The app prepares the first page before its server answers, so the
    server's start-up is timed as well: from the process start to the first answer of its health check. Each
    checkout has its own disk cache of derived data (``TRANSFER_CACHE_DIR`` in the benchmark's temporary folder):
    empty for the first repetition, which fills it, as on a machine where the app has never run; the later ones
    start as any later server start does.
click a site -> profile
    a fresh page (new session) per repetition, map painted, then a click where the site is drawn; until the h3
    "承接地概况:<name>" is shown. Each repetition clicks another large prefecture (郑州, 长沙, 成都, 西安, 合肥, ...),
    so its routes are computed for the first time, as for a user's first click on a site.
page switch
    map -> 短名单 (until its heading "...承接地短名单" and the first table after it are shown) and back -> 地图 (until
    a map not seen before the click is seen and painted: a new one, or one the app kept hidden on the other page),
    by clicking the page link (``st.navigation``) or the tab (``st.tabs``) with that label. Seen means laid out and
    not hidden by CSS ``visibility``, so a map kept hidden counts only once it shows.
slider release -> table
    on 情景工作坊, the first weight slider moved by one arrow-key step (0.01, one committed value), the same way
    each repetition so that no weight set is computed twice; until the table under 推荐承接地 is painted again with
    other pixels.
map HTML
    UTF-8 bytes of the document of the folium iframe of the first map (the map's script is inline in it).

``make bench`` (benchmarks/run_all.py) runs one repetition of this checkout only, with ``--skip-missing``: without
chromium, chromedriver or selenium it prints why and exits 0; ``run_all.py --full`` runs the default comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
try:  # the browser test's set-up: binaries, what is missing, a free port, painted pixels of the map
    from test_browser import CHROMEDRIVER, CHROMIUM, _free_port, _painted_pixels, _skip_reason
except ImportError as exc:  # pytest or the test module itself is missing: the test extra is not installed
    CHROMIUM = CHROMEDRIVER = ""
    _IMPORT_ERROR = f"{exc}; pip install -e '.[test]'"
else:
    _IMPORT_ERROR = ""
DEFAULT_BASELINE = "a12071b"
POLL_S = 0.02
SERVER_TIMEOUT_S = 180.0
ACTION_TIMEOUT_S = 180.0
FAILURES = Path(tempfile.gettempdir()) / "bench_browser_failures"  # screenshots of failed waits (kept)

# large prefectures well inside the default view: (name, lat, lon) of the seat, inside the prefecture's polygon
SITES = (
    ("郑州市", 34.747798, 113.619286),
    ("长沙市", 28.231596, 112.933445),
    ("成都市", 30.575350, 104.064293),
    ("西安市", 34.343136, 108.935126),
    ("合肥市", 31.822586, 117.221733),
    ("南宁市", 22.819693, 108.362477),
    ("太原市", 37.870051, 112.542563),
)
MAP_LABEL = "地图"
SHORTLISTS_LABEL = "短名单"
WORKSHOP_LABEL = "情景工作坊"
PROFILE_HEADING = "承接地概况"
SHORTLIST_HEADING = "承接地短名单"
WORKSHOP_TABLE_HEADING = "推荐承接地"

# (key, label, target in seconds or bytes or None, unit)
ACTIONS: tuple[tuple[str, str, float | None, str], ...] = (
    ("server_ready", "server start → first answer (first page prepared)", None, "s"),
    ("cold_start", "cold start → first map painted", 4.0, "s"),
    ("click_profile", "click a site → its profile shown", 1.0, "s"),
    ("switch_to_shortlists", "page switch 地图 → 短名单", 0.5, "s"),
    ("switch_to_map", "page switch 短名单 → 地图 (map painted)", 0.5, "s"),
    ("slider_table", "slider release → table updated (情景工作坊)", 0.5, "s"),
    ("map_html", "map HTML (folium iframe document)", 2_000_000, "B"),
)
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
    # no internet: every non-loopback request goes to a dead proxy (loopback is never proxied)
    "--proxy-server=http://127.0.0.1:9",
)

# counts script runs that ended (the app's script state leaving "running") since the page was loaded
_RUN_COUNTER_JS = """
if (window.__benchRunsDone === undefined) {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return -1;
    window.__benchRunsDone = 0;
    new MutationObserver((recs) => {
        for (let i = 0; i < recs.length; i++) {
            const next = i + 1 < recs.length ? recs[i + 1].oldValue : app.getAttribute('data-test-script-state');
            if (recs[i].oldValue === 'running' && next !== 'running') window.__benchRunsDone++;
        }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true});
}
return window.__benchRunsDone;
"""
_SCRIPT_STATE_JS = """
const app = document.querySelector('[data-testid="stApp"]');
return app ? app.getAttribute('data-test-script-state') : null;
"""
# seen on the page: laid out, not hidden by CSS visibility (a page may keep an element hidden for later), not stale
_VISIBLE_JS = (
    "const visible = (e) => e.getClientRects().length > 0 && e.checkVisibility({visibilityProperty: true})"
    " && !e.closest('[data-stale=\"true\"]');"
)
# the newest visible map iframe that was not there before the action (older ones carry data-bench-old)
_MAP_FRAME_JS = (
    _VISIBLE_JS
    + """
const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')];
return frames.filter((f) => visible(f) && !f.dataset.benchOld).pop() || null;
"""
)
# what is seen before an action is old; an element kept hidden (e.g. a map kept for a page) is new once it shows.
# Also starts listening for the action's input: the first pointerdown or keydown in the app or one of its frames.
_MARK_OLD_JS = (
    _VISIBLE_JS
    + """
for (const e of document.querySelectorAll('iframe, h3')) e.dataset.benchOld = visible(e) ? '1' : '';
window.__benchInputAt = 0;
const docs = [document];
for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentDocument) docs.push(f.contentDocument); } catch (e) {}  // a frame of another origin
}
for (const doc of docs) {
    if (doc.__benchListening) continue;
    doc.__benchListening = true;
    const note = () => { if (!window.top.__benchInputAt) window.top.__benchInputAt = Date.now(); };
    for (const kind of ['pointerdown', 'keydown']) doc.addEventListener(kind, note, true);
}
"""
)
_INPUT_AT_JS = "return window.__benchInputAt || 0;"
# text of the new visible h3 containing arguments[0] (or null)
_NEW_HEADING_JS = (
    _VISIBLE_JS
    + """
const h = [...document.querySelectorAll('h3')].find(
    (h) => visible(h) && !h.dataset.benchOld && h.innerText.includes(arguments[0]));
return h ? h.innerText : null;
"""
)
# what the first table (st.dataframe) after a visible h3 containing arguments[0] has painted: a signature of its
# canvas pixels, or null while no cell below its header row is painted (text is dark on the light theme)
_TABLE_AFTER_JS = (
    _VISIBLE_JS
    + """
const head = [...document.querySelectorAll('h3')].find((h) => visible(h) && h.innerText.includes(arguments[0]));
if (!head) return null;
const frame = [...document.querySelectorAll('[data-testid="stDataFrame"]')].find(
    (d) => visible(d) && (head.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING));
if (!frame) return null;
const below = Math.round(40 * (window.devicePixelRatio || 1));  // the header row is 35 CSS px high
let dark = 0, sig = 0;
for (const c of frame.querySelectorAll('canvas')) {
    if (!c.width || c.height <= below) continue;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 28) {  // every 7th pixel, all channels
        sig = (sig * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 2147483647;
        if (i / 4 >= below * c.width && d[i] + d[i + 1] + d[i + 2] < 300 && d[i + 3] > 0) dark++;
    }
}
return dark > 20 ? `${dark}:${sig}` : null;
"""
)
# a page link (st.navigation) or tab (st.tabs) whose visible text contains the label; the innermost such element
_NAV_JS = (
    _VISIBLE_JS
    + """
const hits = [...document.querySelectorAll('a, button, [role="tab"]')].filter(
    (e) => visible(e) && e.innerText.includes(arguments[0]));
const nav = hits.filter((e) => e.dataset.testid === 'stTopNavLink' || e.getAttribute('role') === 'tab'
    || e.closest('[data-testid="stSidebarNav"]'));
return (nav.length ? nav : hits)[0] || null;
"""
)
_SLIDER_JS = (
    _VISIBLE_JS
    + """
return [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]')]
    .filter((e) => visible(e.closest('[data-testid="stSlider"]')))[0] || null;
"""
)


class BenchError(RuntimeError):
    """An action's result did not show: which checkout, which action, what was awaited."""


@dataclass
class Checkout:
    label: str
    path: Path
    samples: dict[str, list[float]] = field(default_factory=dict)
    runs: dict[str, list[int]] = field(default_factory=dict)

    def add(self, key: str, value: float, runs: int | None = None) -> None:
        self.samples.setdefault(key, []).append(value)
        if runs is not None:
            self.runs.setdefault(key, []).append(runs)


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


class Session:
    """One streamlit server of a checkout and the browser pointed at it; every wait names checkout and action."""

    def __init__(self, checkout: Checkout, tmp: Path, size: tuple[int, int]) -> None:
        self.checkout = checkout
        self.tmp = tmp
        self.size = size
        self.proc: subprocess.Popen[bytes] | None = None
        self.driver: Any = None
        self.url = ""
        self.log = tmp / f"streamlit-{_free_port()}.log"
        self.ready_s = 0.0  # process start -> first answer of the health check
        self.action = "server start"

    # --- processes ---------------------------------------------------------------------------------------------

    def start_server(self) -> None:
        port = _free_port()
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.checkout.path)
        env["TRANSFER_WORKSPACE"] = str(Path(tempfile.mkdtemp(dir=self.tmp)) / "workspace.sqlite")
        # the checkout's own disk cache of derived data, empty before its first server (kept between its servers)
        env["TRANSFER_CACHE_DIR"] = str(self.tmp / f"cache-{abs(hash(str(self.checkout.path)))}")
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "streamlit", "run", "app.py",
                    "--server.port", str(port), "--server.address", "127.0.0.1",
                    "--server.headless", "true", "--browser.gatherUsageStats", "false",
                    "--server.fileWatcherType", "none", "--server.runOnSave", "false",
                ],
                cwd=self.checkout.path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()

        def healthy() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise BenchError(self._where(f"streamlit exited early:\n{self._log_tail()}"))
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                return resp.read().strip() == b"ok"

        self.wait(healthy, "the server's health check", timeout_s=SERVER_TIMEOUT_S, every_s=0.1)
        self.ready_s = time.perf_counter() - t0

    def start_browser(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in (*CHROMIUM_FLAGS, f"--window-size={self.size[0]},{self.size[1]}"):
            opts.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)  # a fresh temporary profile
        self.driver.set_page_load_timeout(ACTION_TIMEOUT_S)
        self.driver.set_script_timeout(60)

    def close(self) -> None:
        if self.driver is not None:
            with contextlib.suppress(Exception):
                self.driver.quit()
            self.driver = None
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    # --- waiting -------------------------------------------------------------------------------------------------

    def _where(self, message: str) -> str:
        return f"[{self.checkout.label}] {self.action}: {message}"

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no server log)"

    def wait(
        self, predicate: Callable[[], Any], what: str, *, timeout_s: float = ACTION_TIMEOUT_S, every_s: float = POLL_S
    ) -> Any:
        """Poll ``predicate`` until truthy; on timeout raise :class:`BenchError` naming checkout, action and what."""
        end = time.monotonic() + timeout_s
        last_exc: Exception | None = None
        while time.monotonic() < end:
            try:
                value = predicate()
                if value:
                    return value
            except BenchError:
                raise
            except Exception as exc:  # the page is still loading or being redrawn
                last_exc = exc
            time.sleep(every_s)
        shot = ""
        if self.driver is not None:
            FAILURES.mkdir(parents=True, exist_ok=True)
            path = FAILURES / f"failed-{time.strftime('%Y%m%d-%H%M%S')}.png"
            with contextlib.suppress(Exception):
                self.driver.switch_to.default_content()
                self.driver.save_screenshot(str(path))
                shot = f"\nscreenshot: {path}"
        raise BenchError(
            self._where(
                f"timed out after {timeout_s:.0f} s waiting for {what} (last error: {last_exc}){shot}\n"
                f"server log (tail):\n{self._log_tail()}"
            )
        )

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def idle(self) -> bool:
        return bool(self.js(_SCRIPT_STATE_JS) == "notRunning")

    def runs_done(self) -> int:
        return int(self.js(_RUN_COUNTER_JS))

    def map_painted(self) -> int:
        """Painted pixels of the newest map not marked old (0 when there is none yet); back in the main document."""
        drv = self.driver
        frame = self.js(_MAP_FRAME_JS)
        if frame is None:
            return 0
        try:
            drv.switch_to.frame(frame)
            return _painted_pixels(drv)
        finally:
            drv.switch_to.default_content()

    def map_ready(self) -> bool:
        return self.idle() and self.map_painted() > 1000  # the cheap check first: polls load the browser too

    def timed(self, act: Callable[[], None], done: Callable[[], Any], what: str) -> tuple[float, int]:
        """Seconds from the input of ``act`` (see the module's doc; else from calling it) until ``done`` holds, a
        run has ended since and the app is idle; and the number of runs that ended meanwhile."""
        before = self.runs_done()
        self.js(_MARK_OLD_JS)
        t0 = time.time()  # the wall clock: the page's Date.now() is compared with it
        act()
        # the cheap check first: the target's check (canvas pixels) only once the app is idle. Every target is made
        # by the action's run (a new heading or map, other table pixels), so it being there and the app idle means
        # that run has ended; a run that ends within one frame of the page is never drawn as "running" at all, so
        # the count of runs ended (kept for the report) cannot be required.
        self.wait(lambda: self.idle() and done(), what)
        end = time.time()
        seen = float(self.js(_INPUT_AT_JS) or 0) / 1000
        start = seen if t0 - 0.05 <= seen <= end else t0  # (Date.now() is rounded to the millisecond)
        return end - start, self.runs_done() - before

    def open_app(self) -> None:
        """A fresh page (a new session) with the map painted and the script idle."""
        self.driver.get(self.url)
        self.wait(self.map_ready, "the first map painted and the script run finished")
        self.wait(lambda: self.runs_done() >= 0, "the app element (run counter)")

    def nav(self, label: str) -> Any:
        return self.wait(lambda: self.js(_NAV_JS, label), f"the page link or tab labelled {label!r}")


GROUPS = ("cold", "click", "switch", "slider")

# --- the actions ------------------------------------------------------------------------------------------------


def cold_start(session: Session, rep: int) -> None:
    """Fresh server and browser: driver.get -> polygons painted and the run finished; the map's HTML size once."""
    session.action = f"cold start (repetition {rep + 1})"
    session.start_server()
    session.checkout.add("server_ready", session.ready_s)
    session.start_browser()
    t0 = time.perf_counter()
    session.driver.get(session.url)
    session.wait(session.map_ready, "the site polygons painted in the folium iframe and the script run finished")
    session.checkout.add("cold_start", time.perf_counter() - t0)
    if rep == 0:
        session.action = "map HTML size"
        frame = session.js(_MAP_FRAME_JS)
        session.driver.switch_to.frame(frame)
        size = session.js("return new Blob([document.documentElement.outerHTML]).size")
        session.driver.switch_to.default_content()
        session.checkout.add("map_html", float(size))


def click_profile(session: Session, rep: int) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    name, lat, lon = SITES[rep % len(SITES)]
    session.action = f"click {name} on the map (repetition {rep + 1})"
    session.open_app()
    drv = session.driver
    frame = session.js(_MAP_FRAME_JS)
    # the whole map in the window: a pointer offset counts from the centre of the element's visible part
    session.js("arguments[0].scrollIntoView({block: 'center', inline: 'center'});", frame)
    drv.switch_to.frame(frame)
    point = drv.execute_script(
        "const p = window.map.latLngToContainerPoint([arguments[0], arguments[1]]); return [p.x, p.y];", lat, lon
    )
    box = drv.find_element(By.CSS_SELECTOR, ".leaflet-container")
    size = box.size
    offset = (int(point[0] - size["width"] / 2), int(point[1] - size["height"] / 2))

    def click() -> None:
        drv.switch_to.frame(frame)
        try:
            ActionChains(drv).move_to_element_with_offset(box, *offset).click().perform()
        finally:
            drv.switch_to.default_content()

    def profile() -> bool:
        shown = session.js(_NEW_HEADING_JS, PROFILE_HEADING)
        if shown and name not in shown and session.idle():
            raise BenchError(session._where(f"the click at {name} ({lat}, {lon}) opened another profile: {shown!r}"))
        return bool(shown) and name in shown

    drv.switch_to.default_content()
    secs, runs = session.timed(click, profile, f"the h3 '{PROFILE_HEADING}…{name}' (the site's profile)")
    session.checkout.add("click_profile", secs, runs)


def clicks(session: Session, reps: int) -> Iterator[None]:
    for rep in range(reps):
        click_profile(session, rep)
        yield


def page_switches(session: Session, reps: int) -> Iterator[None]:
    session.action = "page switch set-up"
    session.open_app()

    def shortlist_shown() -> bool:
        heading = session.js(_NEW_HEADING_JS, SHORTLIST_HEADING)
        return bool(heading) and bool(session.js(_TABLE_AFTER_JS, SHORTLIST_HEADING))  # painted

    for rep in range(reps):
        session.action = f"page switch {MAP_LABEL} → {SHORTLISTS_LABEL} (repetition {rep + 1})"
        link = session.nav(SHORTLISTS_LABEL)
        secs, runs = session.timed(link.click, shortlist_shown, f"the h3 '…{SHORTLIST_HEADING}' and its table painted")
        session.checkout.add("switch_to_shortlists", secs, runs)
        session.action = f"page switch {SHORTLISTS_LABEL} → {MAP_LABEL} (repetition {rep + 1})"
        link = session.nav(MAP_LABEL)
        secs, runs = session.timed(link.click, lambda: session.map_painted() > 1000, "the map painted again")
        session.checkout.add("switch_to_map", secs, runs)
        yield


def slider_moves(session: Session, reps: int) -> Iterator[None]:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    session.action = f"open {WORKSHOP_LABEL}"
    session.open_app()
    link = session.nav(WORKSHOP_LABEL)
    link.click()
    session.wait(
        lambda: session.js(_SLIDER_JS) and session.js(_TABLE_AFTER_JS, WORKSHOP_TABLE_HEADING) and session.idle(),
        f"the weight sliders and the table under '{WORKSHOP_TABLE_HEADING}'",
    )
    # one arrow-key step (0.01) per repetition, always the same way: every repetition is a weight set the app has
    # not computed before (going back and forth would hit the run cache from the second repetition on)
    first = session.wait(lambda: session.js(_SLIDER_JS), "a weight slider")
    key = Keys.ARROW_RIGHT if float(first.get_attribute("value")) < 0.5 else Keys.ARROW_LEFT
    for rep in range(reps):
        session.action = f"slider release on {WORKSHOP_LABEL} (repetition {rep + 1})"
        slider = session.wait(lambda: session.js(_SLIDER_JS), "a weight slider")
        session.js("arguments[0].focus();", slider)
        before = session.js(_TABLE_AFTER_JS, WORKSHOP_TABLE_HEADING)

        def changed(before: str = before) -> bool:
            now = session.js(_TABLE_AFTER_JS, WORKSHOP_TABLE_HEADING)
            return bool(now) and now != before

        secs, runs = session.timed(
            lambda: ActionChains(session.driver).send_keys(key).perform(),
            changed,
            f"the table under '{WORKSHOP_TABLE_HEADING}' to change",
        )
        session.checkout.add("slider_table", secs, runs)
        yield


def _interleaved(runs: list[Iterator[None]]) -> None:
    """One repetition of each checkout in turn (the order reversed every round), so that a change in the machine's
    load falls on every checkout alike."""
    live = list(runs)
    turn = 0
    while live:
        for it in list(live if turn % 2 == 0 else live[::-1]):
            try:
                next(it)
            except StopIteration:
                live.remove(it)
        turn += 1


def bench_checkouts(
    checkouts: list[Checkout], tmp: Path, size: tuple[int, int], reps: int, groups: tuple[str, ...] = GROUPS
) -> None:
    labels = ", ".join(c.label for c in checkouts)
    if "cold" in groups:
        print(f"[{labels}] cold start x{reps} (fresh server and browser each, in turn)", file=sys.stderr, flush=True)
        for rep in range(reps):
            for checkout in checkouts if rep % 2 == 0 else checkouts[::-1]:
                session = Session(checkout, tmp, size)
                try:
                    cold_start(session, rep)
                finally:
                    session.close()
    warm = [g for g in groups if g != "cold"]
    if not warm:
        return
    print(f"[{labels}] {', '.join(warm)} x{reps} (one warm server each, in turn)", file=sys.stderr, flush=True)
    sessions = [Session(c, tmp, size) for c in checkouts]
    try:
        for session in sessions:
            session.start_server()
            session.start_browser()
        for group, action in (("click", clicks), ("switch", page_switches), ("slider", slider_moves)):
            if group in groups:
                _interleaved([action(session, reps) for session in sessions])
    finally:
        for session in sessions:
            session.close()


# --- report -----------------------------------------------------------------------------------------------------


def _fmt(values: list[float], unit: str) -> str:
    if not values:
        return "—"
    med = statistics.median(values)
    if unit == "B":
        return f"{med / 1e6:.2f} MB"
    return f"{med:.2f} s ({min(values):.2f}–{max(values):.2f})"


def _target(target: float | None, unit: str) -> str:
    if target is None:
        return "—"
    return f"< {target / 1e6:.0f} MB" if unit == "B" else f"< {target:g} s"


def table(checkouts: list[Checkout], reps: int, size: tuple[int, int]) -> str:
    head = "| action | target | " + " | ".join(c.label for c in checkouts) + " |"
    lines = [head, "|" + "---|" * (2 + len(checkouts))]
    for key, label, target, unit in ACTIONS:
        cells = []
        for c in checkouts:
            values = c.samples.get(key, [])
            mark = ""
            if values and target is not None:
                mark = " ✓" if statistics.median(values) < target else " ✗"
            cells.append(_fmt(values, unit) + mark)
        lines.append(f"| {label} | {_target(target, unit)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Median of {reps} repetitions (min–max), headless Chromium {size[0]}x{size[1]}, {os.cpu_count()} CPUs; "
        "each time runs until the result is visible and the script run has finished.",
        "Actions inside a session count from the input the page sees (pointer down, key down). "
        "Cold start: a fresh server process and a fresh browser session (empty profile) per repetition, server "
        "start-up (timed in its own row) excluded; the first repetition starts with an empty disk cache of derived "
        "data. "
        "Click: a fresh page per repetition, another prefecture each time "
        f"({', '.join(s[0] for s in SITES[:reps])}); the first click of a server also builds the freight network. "
        "Page switches and slider: one session on a warm server; checkouts in turn "
        "(slider: one arrow-key step of the first weight slider, the same way each time).",
    ]
    return "\n".join(lines)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--size wants WxH, e.g. 1600x1000, not {text!r}") from exc
    return w, h


@contextlib.contextmanager
def baseline_worktree(ref: str, tmp: Path) -> Iterator[Path]:
    path = tmp / "baseline"
    _git("worktree", "add", "--detach", str(path), ref)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=REPO, check=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help=f"git ref to compare with ({DEFAULT_BASELINE})")
    parser.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    parser.add_argument("--runs", type=int, default=5, help="repetitions per action (5)")
    parser.add_argument("--json", type=Path, help="write every sample to this file")
    parser.add_argument("--size", type=_parse_size, default=(1600, 1000), help="browser window WxH (1600x1000)")
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated groups of actions to time ({','.join(GROUPS)}; all by default)",
    )
    parser.add_argument(
        "--skip-missing", action="store_true", help="without chromium/chromedriver/selenium: say so and exit 0"
    )
    args = parser.parse_args(argv)
    groups = tuple(g.strip() for g in args.only.split(",") if g.strip())
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error(f"--only: unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    reason = _IMPORT_ERROR or _skip_reason()
    if reason:
        print(f"bench_browser: skipped, {reason}" if args.skip_missing else f"bench_browser: {reason}", file=sys.stderr)
        return 0 if args.skip_missing else 2
    head = _git("rev-parse", "--short", "HEAD")
    dirty = "+changes" if _git("status", "--porcelain", "--untracked-files=no") else ""
    checkouts = [Checkout(f"this checkout {head}{dirty}", REPO)]
    with tempfile.TemporaryDirectory(prefix="bench_browser_") as tmp_name:
        tmp = Path(tmp_name)
        with contextlib.ExitStack() as stack:
            if not args.no_baseline:
                sha = _git("rev-parse", "--short", f"{args.baseline}^{{commit}}")
                path = stack.enter_context(baseline_worktree(sha, tmp))
                checkouts.append(
                    Checkout(f"baseline {args.baseline}" + (f" ({sha})" if sha != args.baseline else ""), path)
                )
            try:
                bench_checkouts(checkouts, tmp, args.size, args.runs, groups)
            except BenchError as exc:
                print(f"bench_browser failed: {exc}", file=sys.stderr)
                return 2
    print(table(checkouts, args.runs, args.size))
    if args.json:
        out = {
            "runs": args.runs,
            "size": list(args.size),
            "checkouts": [
                {"label": c.label, "path": str(c.path), "samples": c.samples, "script_runs": c.runs} for c in checkouts
            ],
            "targets": {key: target for key, _label, target, _unit in ACTIONS},
        }
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    current = checkouts[0].samples
    ok = all(statistics.median(current[k]) < t for k, _l, t, _u in ACTIONS if t is not None and current.get(k))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
