"""Stored results follow the data: add, replace or relabel recordings and the same command recomputes
exactly the tasks that changed, saying why; untouched tasks stay stored."""
import json
import os
import sqlite3

import numpy as np
import pytest
import soundfile as sf

from aadbench.cli import main

RATE = 16000


def clip(path, seed, seconds=1.5, hum=120.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.default_rng(seed)
    wave = 0.3 * np.sin(2 * np.pi * hum * t) + 0.05 * rng.standard_normal(t.size)
    sf.write(path, wave.astype(np.float32), RATE)
    return path


def machine(root, name, n_train=6, n_normal=3, n_anomalous=3):
    for i in range(n_train):
        clip(root / name / "train" / f"t{i}.wav", seed=i)
    for i in range(n_normal):
        clip(root / name / "test" / "normal" / f"n{i}.wav", seed=100 + i)
    for i in range(n_anomalous):
        clip(root / name / "test" / "anomalous" / f"a{i}.wav", seed=200 + i, hum=300.0)


@pytest.fixture
def plant(tmp_path):
    root = tmp_path / "plant"
    machine(root, "press1")
    machine(root, "press2")
    return root


def _run(capsys, root, db, *extra):
    code = main(["run", "--plugins", "mel-patches,knn", "--set", "knn.k=1", "--seeds", "1", "--dataset", "folder",
                 "--data-root", str(root), "--db", str(db), "--no-progress", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def _rows(db):
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {(r["machine_type"]): dict(r) for r in conn.execute("SELECT * FROM results")}


def test_added_and_replaced_files_recompute_their_task_only_and_say_why(plant, tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    code, out = _run(capsys, plant, db)
    assert code == 0 and "2 computed, 0 already stored" in out
    before = _rows(db)
    assert before["press1"]["n_train"] == 6

    for i in range(6, 11):  # five more training recordings of press1
        clip(plant / "press1" / "train" / f"t{i}.wav", seed=i)
    replaced = plant / "press1" / "test" / "normal" / "n0.wav"
    clip(replaced, seed=999)  # a re-recorded test clip under the same name
    os.utime(replaced, ns=(10**18, 10**18))  # a new modification time, whatever the clock's resolution

    code, out = _run(capsys, plant, db)
    assert code == 0 and "1 computed, 1 already stored" in out
    assert "press1/all: 5 clips added, 1 clip replaced since its results were stored; 1 job computed again" \
        in out
    after = _rows(db)
    assert after["press1"]["n_train"] == 11 and after["press1"]["job_key"] == before["press1"]["job_key"]
    assert after["press1"]["data_digest"] != before["press1"]["data_digest"]
    assert after["press2"] == before["press2"], "the untouched machine keeps its stored result"

    code, out = _run(capsys, plant, db)
    assert "0 computed, 2 already stored" in out and "nothing to compute" in out


def test_a_relabelled_or_removed_clip_and_the_bad_file_policy_count_as_changes(plant, tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    assert _run(capsys, plant, db)[0] == 0
    (plant / "press2" / "test" / "normal" / "n2.wav").rename(plant / "press2" / "test" / "anomalous" / "n2.wav")
    (plant / "press1" / "train" / "t5.wav").unlink()
    code, out = _run(capsys, plant, db)
    assert "2 computed" in out
    assert "press1/all: 1 clip removed" in out
    assert "press2/all: 1 clip added, 1 clip removed" in out  # a moved file is another clip key
    code, out = _run(capsys, plant, db, "--skip-bad-files")
    assert "2 computed" in out and "the bad-file policy changed" in out


def test_a_bad_test_file_fixed_later_is_not_kept_as_skipped(plant, tmp_path, capsys):
    """The stale ``skipped_test=1`` of the issue: fixing the file recomputes, without --skip-bad-files."""
    db = tmp_path / "r.sqlite"
    bad = plant / "press1" / "test" / "anomalous" / "a2.wav"
    bad.write_bytes(b"")  # an empty file
    code, out = _run(capsys, plant, db, "--skip-bad-files")
    assert code == 0
    assert json.loads(_rows(db)["press1"]["metrics"])["skipped_test"] == 1
    clip(bad, seed=202, hum=300.0)
    code, out = _run(capsys, plant, db)
    assert code == 0 and "press1/all:" in out
    assert json.loads(_rows(db)["press1"]["metrics"])["skipped_test"] == 0


def test_recompute_computes_everything_again(plant, tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    _run(capsys, plant, db)
    code, out = _run(capsys, plant, db, "--recompute")
    assert "2 computed, 0 already stored" in out
