"""One job, one worker: runs sharing a database claim jobs before computing them; claims of a run
that died expire, and such a run is marked interrupted."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from aadbench.harness.store import ResultStore
from aadbench.harness.store.writer import CLAIM_TTL_S

GRID = ["--set", "synthetic.machines=fan,pump,slider,valve", "--set", "synthetic.ids=id_00,id_02",
        "--set", "synthetic.n_normal=4", "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1.5",
        "--plugins", "mel-patches,knn,kde", "--set", "knn.k=1", "--seeds", "2", "--no-progress"]
TOTAL = 8 * 2 * 2  # tasks x detectors x seeds


def _start(db, cache):
    env = {**os.environ, "AADBENCH_CACHE": str(cache)}
    return subprocess.Popen([sys.executable, "-m", "aadbench", "run", *GRID, "--db", str(db)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _computed(out: str) -> int:
    return int(out.split("jobs: ")[1].split(" computed")[0])


@pytest.mark.slow
def test_two_runs_of_one_grid_at_once_compute_each_job_once(tmp_path):
    db = tmp_path / "shared.sqlite"
    ResultStore(db).close()  # the schema exists before both start (they would also agree on it)
    first, second = _start(db, tmp_path / "c1"), _start(db, tmp_path / "c2")
    outs = [p.communicate(timeout=600) for p in (first, second)]
    assert first.returncode == second.returncode == 0, [o[1][-2000:] for o in outs]
    computed = [_computed(out) for out, _ in outs]
    assert sum(computed) == TOTAL, f"each job once in total: {computed}"
    assert all(c > 0 for c in computed), f"both runs took a share: {computed}"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT run_id, count(*) FROM results GROUP BY run_id").fetchall()
        claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    assert sorted(n for _, n in rows) == sorted(computed) and claims == 0


def test_a_claim_held_by_a_live_run_is_skipped_and_one_of_a_dead_run_expires(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultStore(db) as store:
        store.start_run("alive", command="", config={}, versions={}, host="elsewhere", device="cpu")
        store.start_run("mine", command="", config={}, versions={}, host="elsewhere", device="cpu")
        assert store.claim("alive", ["a", "b"]) == ["a", "b"]
        assert store.claim("mine", ["a", "b", "c"]) == ["c"], "a live run's claims are respected"
        stale = "2000-01-01T00:00:00+00:00"
        store.conn.execute("UPDATE runs SET heartbeat=? WHERE run_id='alive'", (stale,))
        assert store.claim("mine", ["a", "b", "c"]) == ["a", "b", "c"], "a silent run's claims expire"
    assert CLAIM_TTL_S >= 60


def test_a_run_killed_on_this_host_is_marked_interrupted_when_the_store_is_next_opened(tmp_path):
    db, cache = tmp_path / "r.sqlite", tmp_path / "cache"
    proc = _start(db, cache)
    deadline = time.monotonic() + 240
    while True:
        with sqlite3.connect(db, timeout=30) as conn:
            try:
                if conn.execute("SELECT count(*) FROM claims").fetchone()[0]:
                    break
            except sqlite3.OperationalError:  # the schema is not there yet
                pass
        assert proc.poll() is None and time.monotonic() < deadline, "the run claimed nothing in time"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    with ResultStore(db) as store:
        (run,) = store.runs()
        assert run["status"] == "interrupted" and run["finished_at"]
        assert store.conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
