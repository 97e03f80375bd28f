"""End-to-end: `streamlit run app.py` in headless Chromium with no internet; polygons drawn, a click opens a profile."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SITE_ADCODE = 410100  # 郑州市: a large polygon well inside the map
SITE_NAME = "郑州市"
READY_TIMEOUT_S = 120.0

pytestmark = pytest.mark.browser


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"chromium not found ({CHROMIUM}); install the Debian packages chromium and chromium-driver"
    if not Path(CHROMEDRIVER).exists():
        return f"chromedriver not found ({CHROMEDRIVER}); install the Debian package chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate: Callable[[], Any], timeout_s: float, what: str, *, every_s: float = 0.25) -> Any:
    """Poll until ``predicate`` returns a truthy value (no fixed sleeps); fail with ``what`` on timeout."""
    end = time.monotonic() + timeout_s
    last_exc: Exception | None = None
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the page is still loading
            last_exc = exc
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what} (last error: {last_exc})")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    port = _free_port()
    env = dict(os.environ)
    env["TRANSFER_WORKSPACE"] = str(tmp_path_factory.mktemp("ws") / "workspace.sqlite")
    log = tmp_path_factory.mktemp("log") / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited early: {log.read_text(errors='replace')[-2000:]}")
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.read().strip() == b"ok"

    try:
        _wait(healthy, READY_TIMEOUT_S, "the streamlit server")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1600,1300",
        "--lang=zh-CN",
        # no internet: every non-loopback request goes to a dead proxy (loopback is never proxied)
        "--proxy-server=http://127.0.0.1:9",
    ):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(READY_TIMEOUT_S)
    try:
        yield drv
    finally:
        drv.quit()


def _map_frame(drv: Any) -> Any:
    from selenium.webdriver.common.by import By

    frames = drv.find_elements(By.CSS_SELECTOR, 'iframe[title="streamlit_folium.st_folium"]')
    return frames[0] if frames else None


def _painted_pixels(drv: Any) -> int:
    """Non-transparent pixels on the map's vector canvas (or SVG paths when Leaflet draws SVG)."""
    return int(
        drv.execute_script(
            """
            const svgPaths = document.querySelectorAll('.leaflet-overlay-pane svg path').length;
            let painted = 0;
            for (const c of document.querySelectorAll('.leaflet-overlay-pane canvas')) {
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < d.length; i += 16) { if (d[i] > 0) painted++; }
            }
            return painted + svgPaths;
            """
        )
    )


def _running(drv: Any) -> bool:
    from selenium.webdriver.common.by import By

    status = drv.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
    return any("Stop" in s.text or "Running" in s.text for s in status)


def test_map_draws_offline_and_click_opens_profile(server: str, driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    from transfer.layers import load_default

    site = load_default().sites.set_index("adcode").loc[SITE_ADCODE]
    driver.get(server)
    frame = _wait(lambda: _map_frame(driver), READY_TIMEOUT_S, "the map iframe")
    driver.switch_to.frame(frame)
    _wait(lambda: driver.execute_script("return !!(window.map && window.L)"), 60, "Leaflet in the map frame")
    painted = _wait(lambda: _painted_pixels(driver), 60, "site polygons on the map canvas")
    assert painted > 1000, f"only {painted} painted pixels: polygons are not drawn"
    # nothing came from outside this server (Leaflet is served locally, no tiles)
    origins = driver.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)")
    host = server.split("//", 1)[1]
    assert all(h in ("", host) for h in origins), f"resources loaded from elsewhere: {sorted(set(origins))}"
    # click the site where it is drawn
    point = driver.execute_script(
        "const p = window.map.latLngToContainerPoint([arguments[0], arguments[1]]); return [p.x, p.y];",
        float(site["lat"]),
        float(site["lon"]),
    )
    zoom_before = driver.execute_script("return window.map.getZoom()")
    box = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    size = box.size
    ActionChains(driver).move_to_element_with_offset(
        box, int(point[0] - size["width"] / 2), int(point[1] - size["height"] / 2)
    ).click().perform()
    driver.switch_to.default_content()

    def profile_shown() -> bool:
        heads = driver.find_elements(By.CSS_SELECTOR, "h3")
        return any("承接地概况" in h.text and SITE_NAME in h.text for h in heads)

    _wait(profile_shown, 90, f"the profile of {SITE_NAME}")
    # the map is redrawn zoomed to the selected site and its routes
    zoom_before = float(zoom_before)

    def zoomed_in() -> bool:
        driver.switch_to.default_content()
        frame = _map_frame(driver)
        if frame is None:
            return False
        driver.switch_to.frame(frame)
        ok = float(driver.execute_script("return window.map ? window.map.getZoom() : 0")) > zoom_before
        ok = ok and _painted_pixels(driver) > 1000
        driver.switch_to.default_content()
        return ok

    _wait(zoomed_in, 60, "the map redrawn around the selected site")
    _wait(lambda: not _running(driver), 60, "the script run to finish")
    shot = tmp_path / "app_profile.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    out_dir = os.environ.get("TRANSFER_SCREENSHOT_DIR")
    if out_dir:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(out_dir) / shot.name)
    print(json.dumps({"screenshot": str(shot), "painted_pixels": painted}))


# --- the app's state, layout and saved work in a real browser -------------------------------------------------------


def _idle(drv: Any, settle_s: float = 1.0) -> None:
    """Wait until no script run is going on for ``settle_s`` seconds."""
    quiet: list[float] = []

    def settled() -> bool:
        if _running(drv):
            quiet.clear()
            return False
        quiet.append(time.monotonic())
        return quiet[-1] - quiet[0] >= settle_s

    _wait(settled, 120, "the script run to finish", every_s=0.2)


def _pick(drv: Any, label: str, option: str) -> None:
    """Choose ``option`` in the selectbox labelled ``label`` (as a user types into it and clicks the option)."""
    from selenium.webdriver.common.by import By

    def box() -> Any:
        for sb in drv.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]'):
            if label in sb.text:
                return sb
        return None

    inp = _wait(box, 60, f"the selectbox {label!r}").find_element(By.CSS_SELECTOR, "input")
    inp.click()
    inp.send_keys(option)

    def chosen() -> bool:
        for o in drv.find_elements(By.CSS_SELECTOR, '[role="option"]'):
            if option in o.text:
                o.click()
                return True
        return False

    _wait(chosen, 30, f"the option {option!r}")
    _idle(drv)


def _click_text(drv: Any, css: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    def hit() -> bool:
        for el in drv.find_elements(By.CSS_SELECTOR, css):
            if text in el.text and el.is_displayed():
                el.click()
                return True
        return False

    _wait(hit, 60, f"{css} with {text!r}")
    _idle(drv)


def _sidebar_value(drv: Any, label: str) -> str:
    from selenium.webdriver.common.by import By

    for sb in drv.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] [data-testid="stSelectbox"]'):
        if label in sb.text:
            inputs = sb.find_elements(By.CSS_SELECTOR, "input")
            shown = drv.execute_script("return arguments[0].textContent", sb)
            return f"{shown} {inputs[0].get_attribute('value') if inputs else ''}"
    return ""


def test_language_switch_keeps_industry_and_origin(server: str, driver: Any) -> None:
    """Switching the language once reset the industry and origin at the next click (制鞋 + 泉州 became
    Electronics + Shenzhen)."""
    from selenium.webdriver.common.by import By

    driver.get(server)
    _wait(lambda: _map_frame(driver), READY_TIMEOUT_S, "the map iframe")
    _idle(driver)
    _pick(driver, "产业", "制鞋")
    _pick(driver, "转出地", "泉州")
    _click_text(driver, '[data-testid="stSidebar"] [data-testid="stRadio"] label', "English")
    # the next click after the switch: one step up in "Top N"
    steps = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebar"] [data-testid="stNumberInputStepUp"]')
    assert steps, "the Top N step button"
    steps[0].click()
    _idle(driver)
    assert "Footwear" in _sidebar_value(driver, "Industry")
    assert "Quanzhou" in _sidebar_value(driver, "Origin")


def test_map_and_legend_fit_a_laptop_screen(server: str, driver: Any) -> None:
    """At 1366 x 768 the whole map and the legend under it are on the first screen."""
    from selenium.webdriver.common.by import By

    driver.set_window_size(1366, 768)
    try:
        driver.get(server)
        frame = _wait(lambda: _map_frame(driver), READY_TIMEOUT_S, "the map iframe")
        _idle(driver)
        view_h = driver.execute_script("return window.innerHeight")
        rect = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", frame)
        assert rect["top"] >= 0 and rect["bottom"] <= view_h, (rect, view_h)
        legend = _wait(
            lambda: [
                el
                for el in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMarkdown"]')
                if "监管区域" in el.text
            ],
            READY_TIMEOUT_S,
            "the hub and zone legend under the map",
        )
        bottom = driver.execute_script("return arguments[0].getBoundingClientRect().bottom", legend[0])
        assert bottom <= view_h, (bottom, view_h)
        # nothing of the page is under the fixed header with the page links (its caption and labels were cut)
        header = driver.execute_script(
            "return document.querySelector('[data-testid=\"stHeader\"]').getBoundingClientRect().bottom"
        )
        first = driver.execute_script(
            "const b = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
            "const e = [...b.querySelectorAll('[data-testid=\"stCaptionContainer\"], label')]"
            "  .filter((x) => x.getClientRects().length);"
            "return Math.min(...e.map((x) => x.getBoundingClientRect().top));"
        )
        assert first >= header, (first, header)
    finally:
        driver.set_window_size(1600, 1300)


def test_saved_shortlist_reopens_on_the_saved_page(server: str, driver: Any) -> None:
    """A shortlist saved to the workspace could not be reopened anywhere."""

    driver.get(server)
    _wait(lambda: _map_frame(driver), READY_TIMEOUT_S, "the map iframe")
    _idle(driver)
    _click_text(driver, '[data-testid="stTopNavLink"]', "短名单")
    _click_text(driver, '[data-testid="stFormSubmitButton"] button', "保存短名单")
    _click_text(driver, '[data-testid="stTopNavLink"]', "已保存")

    def reopened() -> bool:
        text = str(driver.execute_script("return document.body.textContent"))
        return "已保存的短名单" in text and "纺织服装" in text and "保存状态和备注" in text

    _wait(reopened, 60, "the saved shortlist on the Saved work page")
