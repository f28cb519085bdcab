"""Screenshots of the leaderboard's views in headless Chromium (for notes and docs).

    python benchmarks/leaderboard_screenshots.py --db results.sqlite --out shots/ \
        [--shot "main:Leaderboard" --shot "target:Leaderboard:AUC, target domain (%)" --shot "stats:Statistics"]

Each ``--shot NAME:TAB[:RADIO]`` opens the app (as `aadbench leaderboard` serves it), clicks the tab
and, if given, the radio option with that label, waits for the page to settle and writes NAME.png.
Needs Debian's chromium (or chromium-browser) on the PATH.
"""
from __future__ import annotations

import argparse
import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-dev-shm-usage", "--window-size=1400,1100", "--hide-scrollbars"]
CLICK = """(() => {{
  const want = {text};
  const nodes = [...document.querySelectorAll({selector})];
  const hit = nodes.find(n => n.textContent.trim() === want) || nodes.find(n => n.textContent.includes(want));
  if (hit) {{ hit.click(); return true; }}
  return false;
}})()"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Page:
    def __init__(self, ws) -> None:
        self.ws, self.n = ws, 0

    def call(self, method: str, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == self.n:
                return reply.get("result", {})

    def js(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def wait_text(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in (self.js("document.body ? document.body.textContent : ''") or ""):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{text!r} did not appear")

    def click(self, text: str, selector: str) -> None:
        if not self.js(CLICK.format(text=json.dumps(text), selector=json.dumps(selector))):
            raise RuntimeError(f"nothing to click named {text!r}")


def main(argv: list[str] | None = None) -> int:
    from websockets.sync.client import connect

    from aadbench.cli.leaderboard_cmd import streamlit_command

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--shot", action="append", default=[], metavar="NAME:TAB[:RADIO]")
    args = ap.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on the PATH")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = _port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(streamlit_command(Path(args.db), port, "127.0.0.1"), cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        browser = subprocess.Popen([chromium, *FLAGS, "--remote-debugging-port=0", f"--user-data-dir={tmp}/profile",
                                    "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            marker = Path(tmp) / "profile" / "DevToolsActivePort"
            deadline = time.monotonic() + 60
            while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
                time.sleep(0.2)
            devtools = int(marker.read_text().split()[0])
            for spec in args.shot or ["main:Leaderboard"]:
                name, tab, *radio = spec.split(":")
                req = urllib.request.Request(f"http://127.0.0.1:{devtools}/json/new?about:blank", method="PUT")
                with urllib.request.urlopen(req, timeout=10) as resp:
                    url = json.load(resp)["webSocketDebuggerUrl"]
                with connect(url, max_size=64 * 2**20) as ws:
                    page = Page(ws)
                    page.call("Emulation.setDeviceMetricsOverride", width=1400, height=1100, deviceScaleFactor=1,
                              mobile=False)
                    page.call("Page.navigate", url=f"http://127.0.0.1:{port}/")
                    page.wait_text("aadbench leaderboard", timeout=90)
                    page.wait_text("Leaderboard")
                    time.sleep(2)
                    page.click(tab, "button, [role=tab]")
                    time.sleep(2)
                    if radio:
                        page.click(radio[0], "label")
                        time.sleep(3)
                    shot = page.call("Page.captureScreenshot", format="png")
                    (out / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
                    print(f"wrote {out / f'{name}.png'}")
        finally:
            browser.terminate()
            server.terminate()
            browser.wait(timeout=30)
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
