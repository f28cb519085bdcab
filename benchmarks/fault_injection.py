"""Kill a grid with SIGKILL at random moments, resume it each time, and check that the final store
equals an uninterrupted run's, clip score for clip score.

    python benchmarks/fault_injection.py [--kills 12] [--seed 0] [--workdir DIR]

Each kill lands while the grid extracts features or fits detectors (the table says which: the
last thing that changed before the kill, cache files or stored results). After the last kill the
same command runs to the end. The script then compares every job (status, AUC, pAUC) and every
clip score with the uninterrupted run, checks that each killed run is marked interrupted and that
no claim is left, and prints a table. Exit code 0 when everything matches.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRID = ["--set", "synthetic.machines=fan,pump,slider,valve", "--set", "synthetic.ids=id_00,id_02,id_04,id_06",
        "--set", "synthetic.n_normal=24", "--set", "synthetic.n_anomalous=6", "--set", "synthetic.duration=4",
        "--plugins", "squeezenet1_1,gmm,iforest,knn,ocsvm", "--weights", "none", "--set", "gmm.n_components=2",
        "--set", "knn.k=1", "--seeds", "2", "--device", "cpu", "--no-progress"]


def command(db: Path) -> list[str]:
    return [sys.executable, "-m", "aadbench", "run", *GRID, "--db", str(db)]


def env(cache: Path) -> dict[str, str]:
    return {**os.environ, "AADBENCH_CACHE": str(cache), "AADBENCH_OFFLINE": "1", "AADBENCH_NO_ENTRY_POINTS": "1"}


def counts(db: Path, cache: Path) -> tuple[int, int]:
    """(stored successful results, cached feature files)."""
    files = sum(1 for _ in cache.glob("*/*/*.npy")) if cache.exists() else 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute("SELECT count(*) FROM results WHERE status='ok'").fetchone()[0]
    except sqlite3.Error:
        rows = 0
    return rows, files


def working(db: Path, pid: int) -> bool:
    """Whether the run of process ``pid`` holds claims: it has planned its grid and is computing."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return bool(conn.execute("SELECT count(*) FROM claims JOIN runs USING (run_id) WHERE runs.pid=?",
                                     (pid,)).fetchone()[0])
    except sqlite3.Error:
        return False


def kill_at_random(db: Path, cache: Path, delay: float) -> dict[str, object]:
    """Start the grid, SIGKILL it ``delay`` seconds after it starts computing (or when it ends), say
    what it was doing."""
    proc = subprocess.Popen(command(db), env=env(cache), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not working(db, proc.pid) and proc.poll() is None:
        time.sleep(0.02)
    start = time.monotonic()
    before = last = counts(db, cache)
    phase = "loading the network"
    while time.monotonic() - start < delay and proc.poll() is None:
        time.sleep(0.05)
        now = counts(db, cache)
        if now[1] > last[1]:
            phase = "extraction"
        if now[0] > last[0]:
            phase = "detectors"
        last = now
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    after = counts(db, cache)
    return {"after_s": time.monotonic() - start, "phase": "finished" if finished else phase,
            "results": f"{before[0]} -> {after[0]}", "cache": f"{before[1]} -> {after[1]}", "finished": finished}


def load(db: Path) -> tuple[dict[str, tuple], dict[tuple[str, str], float], list[tuple[str, str]], int]:
    with sqlite3.connect(db) as conn:
        jobs = {r[0]: r[1:] for r in conn.execute("SELECT job_key, status, auc, pauc FROM results")}
        scores = {(r[0], r[1]): r[2] for r in conn.execute("SELECT job_key, clip, score FROM clip_scores")}
        runs = conn.execute("SELECT run_id, status FROM runs ORDER BY started_at").fetchall()
        claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    return jobs, scores, runs, claims


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs before the last, uninterrupted resume")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random kill moments")
    parser.add_argument("--workdir", default=None, help="folder for the databases and caches (default: a temp one)")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="aadbench-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)

    t0 = time.monotonic()
    subprocess.run(command(work / "reference.sqlite"), env=env(work / "ref-cache"), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reference_s = time.monotonic() - t0
    print(f"uninterrupted run: {reference_s:.1f} s", flush=True)

    db, cache = work / "faulty.sqlite", work / "faulty-cache"
    rows = []
    for i in range(args.kills):
        # a moment within the next few seconds of work: each run gets a task or two further
        row = kill_at_random(db, cache, rng.uniform(0.5, 8.0))
        rows.append(row)
        print(f"kill {i + 1:2d}: after {row['after_s']:5.1f} s, during {row['phase']:<19} results {row['results']:>9}"
              f"  cached clips {row['cache']:>9}", flush=True)
        if row["finished"]:
            break
    subprocess.run(command(db), env=env(cache), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    ref_jobs, ref_scores, _, _ = load(work / "reference.sqlite")
    jobs, scores, runs, claims = load(db)
    same_jobs = jobs == ref_jobs
    worst = max((abs(scores[k] - v) for k, v in ref_scores.items() if k in scores), default=float("nan"))
    same_scores = scores.keys() == ref_scores.keys() and worst == 0.0
    stopped = [status for _, status in runs[:-1]]
    print()
    print("| kill | after (s) | during | stored results | cached clips |")
    print("| ---: | ---: | --- | --- | --- |")
    for i, row in enumerate(rows, 1):
        print(f"| {i} | {row['after_s']:.1f} | {row['phase']} | {row['results']} | {row['cache']} |")
    print()
    print(f"jobs: {len(jobs)} stored, {len(ref_jobs)} in the uninterrupted run; status, AUC and pAUC identical: "
          f"{same_jobs}")
    print(f"clip scores: {len(scores)} vs {len(ref_scores)}, largest difference {worst:g}; identical: {same_scores}")
    print(f"runs: {len(runs)} ({sum(s == 'interrupted' for s in stopped)} of the {len(stopped)} killed ones marked "
          f"interrupted, the others had finished; none left 'running'; the last: {runs[-1][1]}); "
          f"claims left: {claims}")
    ok = same_jobs and same_scores and "running" not in stopped and claims == 0
    print("result:", "OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
