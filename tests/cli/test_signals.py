"""Commands that start child processes end them on SIGTERM and SIGINT: no server is left on its port."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("streamlit")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serving(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_leaderboard_stops_its_server_when_it_is_stopped(tmp_path, sig):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "aadbench", "leaderboard", "--db", str(tmp_path / "none.sqlite"),
                             "--port", str(port), "--address", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _serving(port):
            assert proc.poll() is None, "the leaderboard command ended before serving"
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _serving(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _serving(port), f"a server is still listening on port {port}"
    finally:
        if proc.poll() is None:
            proc.kill()
