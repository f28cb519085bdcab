"""`aadbench score --watch DIR`: files arriving while it runs are scored once each, across restarts."""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from .conftest import fit, write_folder_layout


def _start(model, folder, env):
    proc = subprocess.Popen([sys.executable, "-m", "aadbench", "score", str(model), "--watch", str(folder), "--json",
                             "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(json.loads(line)) for line in proc.stdout], daemon=True).start()
    return proc, lines


def _take(lines, n, timeout=120):
    got, deadline = [], time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        try:
            got.append(lines.get(timeout=0.5))
        except queue.Empty:
            continue
    return got


def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


@pytest.mark.slow
def test_files_arriving_are_scored_once_even_after_a_restart(tmp_path):
    root = write_folder_layout(tmp_path / "press3")
    model = fit(tmp_path / "m.aadmodel", "squeezenet1_1,knn", "--dataset", "folder", "--data-root", str(root))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = {**os.environ, "AADBENCH_NO_ENTRY_POINTS": "1", "AADBENCH_OFFLINE": "1"}
    sources = sorted((root / "test").rglob("*.wav"))
    proc, lines = _start(model, inbox, env)
    try:
        shutil.copy(sources[0], inbox / "first.wav")
        (first,) = _take(lines, 1)
        assert first["file"] == str(inbox / "first.wav") and isinstance(first["score"], float)
        shutil.copy(sources[1], inbox / "second.wav")
        (inbox / "broken.wav").write_bytes(b"RIFF")  # arrives broken: reported, the watch goes on
        got = {r["file"]: r for r in _take(lines, 2)}
        assert set(got) == {str(inbox / "second.wav"), str(inbox / "broken.wav")}
        assert got[str(inbox / "broken.wav")]["score"] is None and got[str(inbox / "broken.wav")]["problem"]
    finally:
        _stop(proc)
    proc, lines = _start(model, inbox, env)
    try:
        shutil.copy(sources[2], inbox / "third.wav")
        got = _take(lines, 1)
        assert [r["file"] for r in got] == [str(inbox / "third.wav")]
        assert _take(lines, 1, timeout=2) == [], "files scored before the restart are not scored again"
    finally:
        _stop(proc)
    recorded = [json.loads(line)["path"] for line in (inbox / ".aadbench-scored.jsonl").read_text().splitlines()]
    assert sorted(recorded) == sorted(str(inbox / n) for n in ("first.wav", "second.wav", "broken.wav", "third.wav"))
