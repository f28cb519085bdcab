"""A run killed with SIGKILL mid-grid (detector jobs in worker processes) loses nothing it committed; the same
command completes only the rest."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from aadbench.cli import main
from aadbench.harness.store import ResultsReader

GRID = ["--set", "synthetic.machines=fan,pump,slider,valve", "--set", "synthetic.ids=id_00",
        "--set", "synthetic.n_normal=8", "--set", "synthetic.n_anomalous=3", "--set", "synthetic.duration=2",
        "--weights", "none", "--no-progress", "--plugins", "squeezenet1_1,gmm,iforest",
        "--set", "gmm.n_components=1", "--seeds", "2", "--jobs", "2"]  # detector jobs in worker processes
TOTAL = 4 * 2 * 2


def _count(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM results WHERE status='ok'").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _kill_after_first_rows(cmd, db, env) -> int:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while _count(db) == 0:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the run stored nothing in time"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return _count(db)


def _rows(db):
    with ResultsReader(db) as store:
        return {r["job_key"]: r for r in store.result_dicts()}


@pytest.mark.slow
def test_sigkill_mid_grid_then_rerun_computes_only_the_missing_jobs(tmp_path, capsys):
    db, cache = tmp_path / "killed.sqlite", str(tmp_path / "cache")
    cmd = [sys.executable, "-m", "aadbench", "run", *GRID, "--db", str(db), "--cache-dir", cache]
    stored = _kill_after_first_rows(cmd, db, dict(os.environ))
    assert 0 < stored < TOTAL, f"the kill came too late: {stored} of {TOTAL} jobs stored"
    before = _rows(db)

    assert main(["run", *GRID, "--db", str(db), "--cache-dir", cache]) == 0
    out = capsys.readouterr().out
    assert f"{TOTAL - stored} computed, {stored} already stored, 0 failed" in out
    after = _rows(db)
    assert all(after[k]["run_id"] == row["run_id"] and after[k]["created_at"] == row["created_at"]
               for k, row in before.items()), "a stored job was recomputed"
    extracted = int(out.split("extraction ")[1].split("(")[1].split(" clips")[0])
    assert extracted < 4 * 11, "clips cached before the kill were extracted again"

    assert main(["run", *GRID, "--db", str(tmp_path / "whole.sqlite"), "--no-cache"]) == 0
    whole = _rows(tmp_path / "whole.sqlite")
    assert after.keys() == whole.keys() and len(whole) == TOTAL
    for key, row in whole.items():
        assert after[key]["status"] == row["status"] == "ok"
        assert after[key]["auc"] == pytest.approx(row["auc"], abs=1e-9)
        assert after[key]["pauc"] == pytest.approx(row["pauc"], abs=1e-9)
