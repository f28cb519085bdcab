"""Serve the leaderboard with ``streamlit run`` and load it in headless Chromium (Debian's package).

Streamlit renders in the browser, so the test drives Chromium over the DevTools protocol (with
the `websockets` client, a dependency of streamlit; no chromedriver): it polls the page's text
until the table's cells appear, then saves a screenshot for people to look at.
"""
from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from aadbench.cli.leaderboard_cmd import streamlit_command

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000", "--hide-scrollbars"]
EXPECTED = ["aadbench leaderboard", "81.0 ± 1.4", "92.0 ± 2.8", "resnet34", "alexnet"]
SCREENSHOT = Path(tempfile.gettempdir()) / "aadbench-leaderboard.png"


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

    def page_text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.textContent : ''",
                           returnByValue=True)
        return result.get("result", {}).get("value", "") or ""


def _load(port: int, url: str, timeout: float) -> tuple[str, bytes]:
    """Open ``url``, wait until every EXPECTED text is on the page, return the text and a PNG."""
    from websockets.sync.client import connect

    with connect(_Cdp.page_url(port), max_size=64 * 2**20, open_timeout=10) as ws:
        cdp = _Cdp(ws)
        cdp.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
        cdp.call("Page.navigate", url=url)
        deadline, text = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            text = cdp.page_text()
            if all(e in text for e in EXPECTED):
                break
            time.sleep(0.5)
        time.sleep(1.5)  # let the grid's canvas paint before the screenshot
        shot = cdp.call("Page.captureScreenshot", format="png")
    return text, base64.b64decode(shot["data"])


@pytest.fixture
def served_app(leaderboard_db, tmp_path):
    port = _free_port()
    cmd = streamlit_command(leaderboard_db, port, "127.0.0.1")  # what `aadbench leaderboard` runs
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health", time.monotonic() + 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.mark.slow
def test_the_served_app_renders_the_table_in_headless_chromium(served_app, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium not installed: apt-get install chromium")
    profile = tmp_path / "profile"
    browser = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                "--remote-debugging-port=0", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = _devtools_port(profile, time.monotonic() + 30)
        text, png = _load(port, served_app, timeout=60)
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
    (tmp_path / "leaderboard.png").write_bytes(png)
    SCREENSHOT.write_bytes(png)
    print(f"screenshot: {SCREENSHOT}")
    missing = [e for e in EXPECTED if e not in text]
    assert not missing, f"not on the page: {missing}; page text starts {text[:500]!r}"
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
