"""`aadbench fit` then `aadbench score` / load_model give what `aadbench run` stored for the same split."""
import csv
import io
import json

import numpy as np
import pytest

import aadbench
from aadbench.cli import main
from aadbench.datasets.synthetic.dataset import SyntheticDataset
from aadbench.harness import metrics

from .conftest import SYN, fit, stored_auc, stored_scores, write_folder_layout

DETECTORS = ["gmm", "ocsvm", "kde", "knn", "iforest", "small-dcae", "mahalanobis", "bgmm"]


@pytest.mark.parametrize("detector", DETECTORS)
def test_fit_with_the_runs_seed_scores_its_test_clips_as_the_run_did(detector, synthetic_run, tmp_path, monkeypatch):
    monkeypatch.setenv("AADBENCH_CACHE", str(synthetic_run / "cache"))
    model_dir = fit(tmp_path / f"{detector}.aadmodel", f"squeezenet1_1,{detector}", "--seed", "0")
    stored = stored_scores(synthetic_run / "r.sqlite")[detector]
    ds = SyntheticDataset(**SYN)
    clips = {c.key: c for c in ds.tasks()[0].clips}
    keys = sorted(stored)
    model = aadbench.load_model(str(model_dir))
    got = model.score_waves([ds.load(clips[k]) for k in keys])
    np.testing.assert_allclose(got, [stored[k] for k in keys], rtol=1e-5, atol=1e-6)
    labels = np.array([clips[k].label for k in keys])
    assert metrics.auc(labels, got) == pytest.approx(stored_auc(synthetic_run / "r.sqlite", detector), abs=1e-12)
    manifest = model.task().manifest
    assert manifest["training"]["seed"] == 0 and manifest["training"]["clips"] == 8  # 12 normal - 4 held out
    assert manifest["threshold"]["method"] in ("gamma", "empirical") and manifest["threshold"]["quantile"] == 0.9


FOLDER_DETECTORS = ["gmm", "ocsvm", "kde", "knn", "iforest", "small-dcae"]


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """The synthetic task as a `folder` layout (train/, test/normal/, test/anomalous/), run once."""
    root = tmp_path_factory.mktemp("folder")
    mp = pytest.MonkeyPatch()
    mp.setenv("AADBENCH_CACHE", str(root / "cache"))
    mp.setenv("AADBENCH_OFFLINE", "1")
    mp.setenv("AADBENCH_NO_ENTRY_POINTS", "1")
    data = write_folder_layout(root / "press3")
    assert main(["run", "--plugins", "squeezenet1_1," + ",".join(FOLDER_DETECTORS), "--seeds", "1",
                 *_folder_args(data), "--db", str(root / "r.sqlite")]) == 0
    yield root, data
    mp.undo()


def _folder_args(data):
    return ["--dataset", "folder", "--data-root", str(data), "--weights", "none", "--no-progress",
            "--set", "gmm.n_components=2", "--set", "knn.k=2", "--set", "small-dcae.epochs=2"]


@pytest.mark.parametrize("detector", FOLDER_DETECTORS)
def test_a_folder_layout_fitted_then_scored_from_the_command_line(detector, folder_run, tmp_path, capsys,
                                                                  monkeypatch):
    from pathlib import Path

    from .conftest import _only_relevant

    root, data = folder_run
    monkeypatch.setenv("AADBENCH_CACHE", str(root / "cache"))
    model = tmp_path / "press3.aadmodel"
    plugins = f"squeezenet1_1,{detector}"
    assert main(_only_relevant(["fit", "--plugins", plugins, "--seed", "0", *_folder_args(data),
                                "--out", str(model)], plugins)) == 0
    capsys.readouterr()
    assert main(["score", str(model), str(data / "test"), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    stored = stored_scores(root / "r.sqlite")[detector]
    assert len(rows) == len(stored) == 8
    for row in rows:
        key = Path(row["file"]).relative_to(data).as_posix()
        assert float(row["score"]) == pytest.approx(stored[key], rel=1e-5, abs=1e-6)
        assert row["anomalous"] == str(float(row["score"]) > float(row["threshold"]))
    labels = np.array([1 if "anomalous" in r["file"] else 0 for r in rows])
    auc = metrics.auc(labels, np.array([float(r["score"]) for r in rows]))
    assert auc == pytest.approx(stored_auc(root / "r.sqlite", detector), abs=1e-12)


def test_the_threshold_from_a_labelled_validation_folder(folder_run, tmp_path, monkeypatch):
    from aadbench.harness.model.thresholds import f1_best_threshold

    root, data = folder_run
    monkeypatch.setenv("AADBENCH_CACHE", str(root / "cache"))
    model = tmp_path / "v.aadmodel"
    from .conftest import _only_relevant

    assert main(_only_relevant(["fit", "--plugins", "squeezenet1_1,knn", *_folder_args(data),
                                "--validation", str(data / "test"), "--out", str(model)], "squeezenet1_1,knn")) == 0
    task = aadbench.load_model(str(model)).task()
    results = task.score_files(sorted(str(p) for p in (data / "test").rglob("*.wav")))
    labels = np.array([1 if "anomalous" in r.path else 0 for r in results])
    scores = np.array([r.score for r in results])
    expected, f1 = f1_best_threshold(scores, labels)
    assert task.threshold == pytest.approx(expected) and task.manifest["threshold"]["method"] == "f1-validation"
    assert f"F1 {f1:.3f}" in task.manifest["threshold"]["detail"]


def test_the_f1_best_threshold_separates_what_it_can():
    from aadbench.harness.model.thresholds import f1_best_threshold

    t, f1 = f1_best_threshold(np.array([0.1, 0.2, 0.3, 0.9, 1.0]), np.array([0, 0, 0, 1, 1]))
    assert 0.3 < t < 0.9 and f1 == 1.0
    t, f1 = f1_best_threshold(np.array([0.1, 0.5, 0.4, 0.9]), np.array([0, 0, 1, 1]))
    assert f1 == pytest.approx(0.8) and t < 0.4  # flagging 0.4, 0.5, 0.9: precision 2/3, recall 1


def test_json_lines_and_a_broken_file_among_good_ones(tmp_path, capsys):
    root = write_folder_layout(tmp_path / "press3")
    fit_args = ["fit", "--plugins", "squeezenet1_1,knn", "--dataset", "folder", "--data-root", str(root),
                "--weights", "none", "--no-progress", "--set", "knn.k=2", "--out", str(tmp_path / "m.aadmodel")]
    assert main(fit_args) == 0
    broken = tmp_path / "new" / "broken.wav"
    broken.parent.mkdir()
    broken.write_text("version https://git-lfs.github.com/spec/v1\n")
    good = sorted((root / "test" / "anomalous").iterdir())[:2]
    capsys.readouterr()
    code = main(["score", str(tmp_path / "m.aadmodel"), str(good[0]), str(broken), str(good[1]), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1, "a file that could not be scored makes the exit code 1"
    assert [r["file"] for r in lines] == [str(good[0]), str(broken), str(good[1])]
    assert lines[1]["score"] is None and "LFS" in lines[1]["problem"]
    assert all(isinstance(r["score"], float) and isinstance(r["anomalous"], bool) for r in (lines[0], lines[2]))


def test_another_rate_and_channel_count_go_through_the_audio_policy(tmp_path, capsys):
    import soundfile as sf

    root = write_folder_layout(tmp_path / "press3")
    assert main(["fit", "--plugins", "squeezenet1_1,gmm", "--dataset", "folder", "--data-root", str(root),
                 "--weights", "none", "--no-progress", "--set", "gmm.n_components=2",
                 "--out", str(tmp_path / "m.aadmodel")]) == 0
    wave, rate = sf.read(sorted((root / "test" / "normal").iterdir())[0], dtype="float32")
    stereo = tmp_path / "stereo44k.wav"
    import librosa

    up = librosa.resample(wave, orig_sr=rate, target_sr=44100)
    sf.write(stereo, np.stack([up, np.zeros_like(up)], axis=1), 44100, subtype="FLOAT")
    (result,) = aadbench.load_model(str(tmp_path / "m.aadmodel")).score_files([stereo])
    assert result.score is not None and "resampled from 44100 Hz" in result.note
    # the same as channel 0 handed over at 44.1 kHz: read, channel chosen and resampled as the policy says
    direct = aadbench.load_model(str(tmp_path / "m.aadmodel")).score_waves([up], 44100)[0]
    assert result.score == pytest.approx(direct, rel=1e-6)


def test_fit_names_one_pipeline(tmp_path, capsys):
    assert main(["fit", "--plugins", "squeezenet1_1,gmm,knn", "--out", str(tmp_path / "m")]) == 2
    assert "one pipeline per task" in capsys.readouterr().err


def test_best_picks_per_task_the_pipeline_with_the_best_mean_auc(synthetic_run, tmp_path, monkeypatch, capsys):
    import sqlite3

    from .conftest import SYN_ARGS

    monkeypatch.setenv("AADBENCH_CACHE", str(synthetic_run / "cache"))
    db = synthetic_run / "r.sqlite"
    with sqlite3.connect(db) as conn:
        best_det, best_auc = conn.execute("SELECT detector, auc FROM results ORDER BY auc DESC, detector LIMIT 1"
                                          ).fetchone()
    capsys.readouterr()
    # the detector's parameters (gmm.n_components=2, ...) come from the database
    assert main(["fit", "--best", "--db", str(db), *SYN_ARGS, "--weights", "none", "--no-progress",
                 "--out", str(tmp_path / "best.aadmodel")]) == 0
    out = capsys.readouterr().out
    assert "fan/id_00: " in out and f"+ {best_det}: best mean AUC stored, {100 * best_auc:.1f}" in out
    manifest = aadbench.load_model(str(tmp_path / "best.aadmodel")).task().manifest
    assert manifest["detector"]["label"] == best_det and "best mean AUC" in manifest["chosen"]
