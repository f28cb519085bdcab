"""Serve the leaderboard with ``streamlit run`` and load it in headless Chromium (Debian's package).

Streamlit renders in the browser, so the test drives Chromium over the DevTools protocol (with
the `websockets` client, a dependency of streamlit; no chromedriver): it polls the page's text
until the table's cells appear, clicks through every tab checking that its Vega-Lite charts draw,
and saves a screenshot of each (``$AADBENCH_SCREENSHOTS``, default: a folder in the temporary
directory) for people to look at. The exported HTML page is opened the same way, from a file.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from aadbench.cli.leaderboard_cmd import streamlit_command

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000", "--hide-scrollbars"]
EXPECTED = ["aadbench leaderboard", "81.0 ± 1.4", "92.0 ± 2.8", "resnet34", "alexnet"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer")


def _devtools_port(profile: Path, deadline: float) -> int:
    marker = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.2)
    raise TimeoutError("chromium did not open its DevTools port")


class _Cdp:
    """A minimal DevTools protocol client over one page target (websockets' sync client)."""

    def __init__(self, ws) -> None:
        self.ws, self.next_id = ws, 0

    @staticmethod
    def page_url(port: int) -> str:
        """A new tab's DevTools websocket address."""
        req = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)["webSocketDebuggerUrl"]

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")


SHOTS = Path(os.environ.get("AADBENCH_SCREENSHOTS") or Path(tempfile.gettempdir()) / "aadbench-screenshots")
#: the tabs and the Vega-Lite charts each draws on the fixture database
TAB_CHARTS = {"Leaderboard": 2, "Statistics": 1, "Paper (Table 1)": 0, "Timing": 2, "ROC & scores": 2, "Runs": 0}
VISIBLE_CHARTS = """Array.from(document.querySelectorAll('[data-testid=stVegaLiteChart]'))
    .filter(e => e.offsetWidth > 0 && Array.from(e.querySelectorAll('canvas, svg')).some(c => c.clientWidth > 50))
    .length"""
TABLE_OVERFLOW = """(() => { const s = document.querySelector('[data-testid=stDataFrame] .dvn-scroller');
    return s ? s.scrollWidth - s.clientWidth : null; })()"""
PAGE_TEXT = "document.body ? document.body.textContent : ''"
MAIN_HEADERS = """(() => { const t = document.querySelector('[data-testid=stDataFrame]');
    return t ? Array.from(t.querySelectorAll('[role=columnheader]')).map(e => e.textContent) : []; })()"""


def _click(cdp: _Cdp, selector: str, text: str) -> None:
    """Click the first element matching ``selector`` whose text is ``text``, once it is there."""
    click = f"""(() => {{ const e = Array.from(document.querySelectorAll({json.dumps(selector)}))
        .find(e => e.textContent.trim() === {json.dumps(text)}); if (e) e.click(); return !!e; }})()"""
    assert _until(cdp, click, bool, timeout=15), f"nothing to click: {selector} {text!r}"  # a rerun may redraw it


def _until(cdp: _Cdp, expression: str, done, timeout: float = 30.0):
    """Evaluate ``expression`` until ``done(value)`` holds (the last value either way)."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = cdp.evaluate(expression)
        if done(value):
            break
        time.sleep(0.4)
    return value


def _screenshot(cdp: _Cdp, name: str, full_page: bool = False) -> bytes:
    params: dict = {"format": "png"}
    if full_page:
        size = cdp.call("Page.getLayoutMetrics")["cssContentSize"]
        params.update(captureBeyondViewport=True,
                      clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
    png = base64.b64decode(cdp.call("Page.captureScreenshot", **params)["data"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.png").write_bytes(png)
    return png


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def _browser(tmp_path: Path) -> Iterator[Callable[[str], Any]]:
    """Headless Chromium; yields ``open_page(url)``, a context manager giving the page's DevTools client."""
    if CHROMIUM is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    from websockets.sync.client import connect

    profile = tmp_path / "profile"
    browser = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                "--remote-debugging-port=0", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @contextmanager
    def open_page(url: str) -> Iterator[_Cdp]:
        with connect(_Cdp.page_url(port), max_size=64 * 2**20, open_timeout=10) as ws:
            cdp = _Cdp(ws)
            cdp.call("Emulation.setDeviceMetricsOverride", width=1400, height=1400, deviceScaleFactor=1,
                     mobile=False)
            cdp.call("Page.navigate", url=url)
            yield cdp

    try:
        port = _devtools_port(profile, time.monotonic() + 30)
        yield open_page
    finally:
        _stop(browser)


@contextmanager
def _served(db: Path, tmp_path: Path) -> Iterator[str]:
    """``aadbench leaderboard`` on ``db``: yields the app's address."""
    port = _free_port()
    cmd = streamlit_command(db, port, "127.0.0.1")  # what `aadbench leaderboard` runs
    log = (tmp_path / f"streamlit-{port}.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", time.monotonic() + 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        _stop(server)
        log.close()


@pytest.mark.slow
def test_the_served_app_renders_every_tab_and_its_charts(leaderboard_db, tmp_path):
    with _served(leaderboard_db, tmp_path) as url, _browser(tmp_path) as open_page, open_page(url) as cdp:
        text = _until(cdp, PAGE_TEXT, lambda t: all(e in t for e in EXPECTED), timeout=60)
        missing = [e for e in EXPECTED if e not in text]
        assert not missing, f"not on the page: {missing}; page text starts {text[:500]!r}"
        assert _until(cdp, TABLE_OVERFLOW, lambda v: v is not None) <= 0  # the table fits 1400 px
        drawn = {}
        for tab, expected in TAB_CHARTS.items():
            _click(cdp, "[data-testid=stTab]", tab)
            time.sleep(0.5)
            drawn[tab] = _until(cdp, VISIBLE_CHARTS, lambda n, want=expected: n >= want and (want > 0 or n == 0))
            time.sleep(1.0)  # let the canvases paint before the screenshot
            png = _screenshot(cdp, "tab-" + "".join(c if c.isalnum() else "-" for c in tab.lower()))
            assert png.startswith(b"\x89PNG") and len(png) > 10_000
        assert drawn == TAB_CHARTS, drawn
        assert not cdp.evaluate("document.querySelectorAll('[data-testid=stException]').length")
    print(f"screenshots: {SHOTS}")


@pytest.mark.slow
def test_a_mimii_sized_board_fits_1400_px(wide_db, tmp_path):
    with _served(wide_db, tmp_path) as url, _browser(tmp_path) as open_page, open_page(url) as cdp:
        headers = _until(cdp, MAIN_HEADERS, lambda h: "valve avg" in h, timeout=60)
        # 16 machine IDs: the per-type averages by default
        assert headers == ["extractor", "detector", "weights", "fan avg", "pump avg", "slider avg", "valve avg", "avg",
                           "rank", "seeds"]
        assert _until(cdp, TABLE_OVERFLOW, lambda v: v is not None) <= 0
        # the switch may be re-rendered at that moment: click it as soon as it is there
        assert _until(cdp, "(() => { const e = document.querySelector('input[aria-label=Timing]'); "
                           "if (e) e.click(); return !!e; })()", bool)
        headers = _until(cdp, MAIN_HEADERS, lambda h: "clips/s" in h)
        assert headers[-4:] == ["clips/s", "fit s", "rank", "seeds"]
        time.sleep(1.0)
        assert _until(cdp, TABLE_OVERFLOW, lambda v: v is not None) <= 0  # with the timing columns too
        _screenshot(cdp, "leaderboard-16-machines")


@pytest.mark.slow
def test_the_exported_page_renders_offline_in_headless_chromium(leaderboard_db, tmp_path):
    from aadbench.cli import main

    page = tmp_path / "board.html"
    assert main(["export", "--format", "html", "--db", str(leaderboard_db), "-o", str(page)]) == 0
    charts = page.read_text(encoding="utf-8").count('<div class="chart" id="chart-')
    with _browser(tmp_path) as open_page, open_page(page.as_uri()) as cdp:
        rendered = _until(cdp, "window.chartsRendered || 0", lambda n: n >= charts)
        assert rendered == charts > 0
        assert cdp.evaluate("document.querySelectorAll('.chart canvas, .chart svg').length") >= charts
        text = cdp.evaluate("document.body.innerText")  # what shows, not the scripts
        assert all(e in text for e in EXPECTED) and "chart failed" not in text
        time.sleep(0.5)
        png = _screenshot(cdp, "exported-page", full_page=True)
        assert png.startswith(b"\x89PNG") and len(png) > 50_000
