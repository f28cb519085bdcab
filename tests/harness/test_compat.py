"""What the previous main stored is still read: a database and feature cache written by main at 5879a5d.

The leaderboard shows the database, a rerun of its command computes nothing (and builds no
network), and the same grid run afresh on the cached features stores identical AUCs, pAUCs and
clip scores: the restructured engine computes the same keys, cache keys and results.
"""
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from aadbench.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "main-5879a5d"
GRID = ["--plugins", "resnet18,resnet18@layer3,squeezenet,timm:resnet18,panns-cnn14,musicnn-mtat,"
        "gmm,kde,knn,ocsvm,iforest,mahalanobis,small-dcae", "--weights", "none", "--seeds", "2",
        "--machines", "fan,valve", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=5",
        "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=2", "--set", "gmm.n_components=2",
        "--set", "knn.k=2", "--set", "small-dcae.epochs=2", "--device", "cpu", "--no-progress"]
N_JOBS = 148


@pytest.fixture
def old(tmp_path):
    """A copy of the old database and its feature cache."""
    shutil.copy(FIXTURE / "aadbench.sqlite", tmp_path / "old.sqlite")
    with tarfile.open(FIXTURE / "feature-cache.tar.xz") as tar:
        tar.extractall(tmp_path, filter="data")
    return tmp_path


def _results(db):
    with sqlite3.connect(db) as conn:
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT job_key, status, auc, pauc, extractor_config, detector FROM results")}
        scores = {(r[0], r[1]): r[2] for r in conn.execute("SELECT job_key, clip, score FROM clip_scores")}
    return rows, scores


def test_the_leaderboard_reads_the_old_database_as_it_is(old):
    from aadbench.leaderboard import data, tables

    db = old / "old.sqlite"
    before = db.read_bytes()
    assert data.db_state(db).status == "ok"
    frame = data.load_results(db)
    assert len(frame) == N_JOBS and (frame["status"] == "ok").all()
    board = tables.leaderboard(frame[frame["dataset_label"] == "synthetic"])
    assert len(board.mean) == 37 and board.text()["avg"].str.match(r"\d").all()
    runs = data.load_runs(db)
    assert len(runs) == 2 and runs["n_jobs"].isna().all()  # schema 1 has no job counts: read as missing
    keys = frame["job_key"].head(3).tolist()
    assert len(data.load_clip_scores(db, keys)) == 3 * 4  # 2 normal + 2 anomalous test clips per job
    assert db.read_bytes() == before, "reading must not change (or upgrade) the file"


def test_a_rerun_of_its_command_computes_nothing_and_builds_no_network(old, monkeypatch):
    """In a fresh process: no torch import at all, the database upgraded in place, the run stored."""
    db = old / "old.sqlite"
    code = ("import sys; from aadbench.cli import main; rc = main(sys.argv[1:]); "
            "print('TORCH', 'torch' in sys.modules); raise SystemExit(rc)")
    env = {"AADBENCH_CACHE": str(old / "empty-cache"), "AADBENCH_OFFLINE": "1", "AADBENCH_NO_ENTRY_POINTS": "1",
           "PATH": "", "TORCH_HOME": str(old / "torch")}
    grid = [a for a in GRID if a not in ("timm:resnet18", "resnet18@layer3")]  # their width needs a meta pass
    grid[1] = grid[1].replace("timm:resnet18,", "").replace("resnet18@layer3,", "")
    out = subprocess.run([sys.executable, "-c", code, "run", *grid, "--db", str(db)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"0 computed, {N_JOBS - 2 * 2 * 2 * 6} already stored" in out.stdout and "TORCH False" in out.stdout
    with sqlite3.connect(db) as conn:
        status, n_jobs, n_stored = conn.execute(
            "SELECT status, n_jobs, n_stored FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    assert (status, n_jobs, n_stored) == ("up to date", N_JOBS - 48, N_JOBS - 48)


@pytest.mark.slow
def test_the_whole_grid_is_stored_and_recomputing_it_gives_identical_results(old, capsys, monkeypatch):
    monkeypatch.setenv("AADBENCH_CACHE", str(old / "cache"))
    assert main(["run", *GRID, "--db", str(old / "old.sqlite")]) == 0
    assert f"0 computed, {N_JOBS} already stored" in capsys.readouterr().out
    assert main(["run", *GRID, "--db", str(old / "fresh.sqlite")]) == 0
    out = capsys.readouterr().out
    assert f"{N_JOBS} computed" in out and "0 clips extracted" in out, "every feature comes from the old cache"
    old_rows, old_scores = _results(old / "old.sqlite")
    new_rows, new_scores = _results(old / "fresh.sqlite")
    assert new_rows.keys() == old_rows.keys() and new_scores.keys() == old_scores.keys()
    assert new_rows == old_rows  # status, AUC, pAUC and the extractor's identity, exactly
    # clip scores exactly, but for two detectors (since issue 13): Mahalanobis computes its inverse
    # covariance directly (Cholesky or Woodbury) instead of by scikit-learn's eigendecomposition, and
    # kNN's torch distances, now computed in a worker process with one thread, sum in another order
    assert new_scores == pytest.approx(old_scores, rel=1e-9)
    reordered = {k for k, row in old_rows.items() if row[-1] in ("mahalanobis", "knn")}
    assert reordered, "the grid holds Mahalanobis and kNN jobs"
    exact = {k: v for k, v in old_scores.items() if k[0] not in reordered}
    assert {k: new_scores[k] for k in exact} == exact
