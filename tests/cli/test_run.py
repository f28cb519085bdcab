"""``aadbench run``, ``list`` and ``synth`` end to end on tiny synthetic data."""
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from aadbench.cli import main
from aadbench.harness.store import ResultsReader

TINY = ["--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00,id_02", "--set", "synthetic.n_normal=6",
        "--set", "synthetic.n_anomalous=3", "--set", "synthetic.duration=2", "--weights", "none", "--no-progress"]


def _run(capsys, *args):
    code = main(["run", *args, *TINY])
    return code, capsys.readouterr()


def test_run_prints_auc_per_machine_and_a_rerun_computes_nothing(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite")
    code, out = _run(capsys, "--plugins", "squeezenet1_1,gmm,iforest", "--set", "gmm.n_components=2",
                     "--seeds", "2", "--db", db)
    assert code == 0, out.err
    assert "fan/id_00" in out.out and "fan/id_02" in out.out
    assert "squeezenet1_1 + gmm (random weights)" in out.out
    assert "8 computed, 0 already stored" in out.out
    with ResultsReader(db) as store:
        rows = store.result_dicts()
        assert len(rows) == 8 and all(0 <= r["auc"] <= 1 and r["pretrained"] == 0 for r in rows)
        assert {(r["n_train"], r["n_test_normal"], r["n_test_anomalous"]) for r in rows} == {(3, 3, 3)}
        assert all(r["extract_s"] > 0 and r["fit_s"] >= 0 for r in rows)
        assert len(store.clip_scores([rows[0]["job_key"]])) == 6
        (run,) = store.runs()
        assert "torch" in run["versions"] and run["status"] == "finished"
    code, out = _run(capsys, "--plugins", "squeezenet1_1,gmm,iforest", "--set", "gmm.n_components=2",
                     "--seeds", "2", "--db", db)
    assert "0 computed, 8 already stored" in out.out and "nothing to compute" in out.out
    with ResultsReader(db) as store:
        first, again = store.runs()
    assert again["status"] == "up to date" and (again["n_jobs"], again["n_computed"], again["n_stored"]) == (8, 0, 8)
    assert (first["n_jobs"], first["n_computed"], first["n_stored"]) == (8, 8, 0)


def test_a_failing_job_is_stored_and_the_grid_goes_on(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite")
    code, out = _run(capsys, "--plugins", "squeezenet1_1,gmm,iforest", "--seeds", "1", "--db", db)
    assert code == 1
    assert "FAILED squeezenet1_1 + gmm on fan/id_00" in out.out and "n_components" in out.out
    with ResultsReader(db) as store:
        assert sorted(r["status"] for r in store.result_dicts()) == ["failed", "failed", "ok", "ok"]


@pytest.mark.parametrize("args,message", [
    (["--plugins", "resnet34,gmn"], "did you mean 'gmm'"),
    (["--plugins", "resnet34,gmm", "--set", "gmm.n_comp=3"],
     "'gmm' has no parameter 'n_comp'; did you mean 'n_components'?"),
    (["--plugins", "resnet34,gmm", "--set", "kde.bandwidth=1"], "'kde' is not part of this run"),
    (["--plugins", "resnet34,gmm", "--machines", "drill"], "the dataset has fan"),
    (["--plugins", "gmm"], "no extractor chosen"),
])
def test_bad_input_gets_a_clear_error(tmp_path, capsys, args, message):
    code = main(["run", *args, "--db", str(tmp_path / "r.sqlite"), "--no-progress"])
    assert code == 2 and message in capsys.readouterr().err


def test_synth_writes_the_mimii_layout_with_the_generated_audio(tmp_path, capsys):
    from aadbench.testing import tiny_synthetic

    out = tmp_path / "mimii"
    assert main(["synth", str(out), "--machines", "fan", "--set", "synthetic.ids=id_04", "--set",
                 "synthetic.n_normal=3", "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1",
                 "--no-progress"]) == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.wav"))
    assert files == ["fan/id_04/abnormal/00000000.wav", "fan/id_04/abnormal/00000001.wav",
                     "fan/id_04/normal/00000000.wav", "fan/id_04/normal/00000001.wav", "fan/id_04/normal/00000002.wav"]
    data, sr = sf.read(out / "fan/id_04/abnormal/00000001.wav", dtype="float32")
    ds = tiny_synthetic(ids=["id_04"], n_normal=3, n_anomalous=2, duration=1.0)
    clip = next(c for c in ds.tasks()[0].clips if c.key == "abnormal/00000001.wav")
    assert sr == 16000 and np.abs(data - ds.load(clip)).max() <= 1 / 32768 + 1e-7


def test_python_dash_m_and_help():
    out = subprocess.run([sys.executable, "-m", "aadbench", "run", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--plugins" in out.stdout and "examples:" in out.stdout


def test_offline_run_names_every_missing_checkpoint_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AADBENCH_OFFLINE")
    db = tmp_path / "r.sqlite"
    code = main(["run", "--offline", "--plugins", "panns-cnn14,resnet34,mel-patches,gmm", "--weights", "imagenet",
                 "--db", str(db), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Cnn14_16k_mAP=0.438.pth" in err and "resnet34-b627a593.pth" in err
    assert "Traceback" not in err and "-v for the traceback" not in err
    assert not db.exists(), "nothing was started"


def test_timm_models_and_layer_taps_are_named_on_the_command_line(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    code = main(["run", "--plugins", "timm:resnet18,squeezenet1_1@features.6,squeezenet1_1,gmm", "--weights", "none",
                 "--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=4",
                 "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1.5",
                 "--set", "gmm.n_components=1", "--set", "timm:resnet18.batch_size=8", "--seeds", "1",
                 "--db", str(db), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    with ResultsReader(db) as store:
        rows = {r["extractor"]: {**r, "extractor_config": json.loads(r["extractor_config"])}
                for r in store.result_dicts()}
    assert set(rows) == {"timm:resnet18", "squeezenet1_1@features.6", "squeezenet1_1"}
    assert rows["timm:resnet18"]["extractor_config"]["dim"] == 512
    assert rows["timm:resnet18"]["extractor_config"]["model"] == "resnet18"
    assert rows["squeezenet1_1@features.6"]["extractor_config"]["layer"] == "features.6"
    assert rows["squeezenet1_1@features.6"]["extractor_config"]["dim"] == 256
    assert "squeezenet1_1@features.6 + gmm (random weights)" in out


@pytest.mark.parametrize("name, message", [("gmm@layer3", "only extractors"), ("resnet18@layer9", "layer9"),
                                           ("timm:", "give a model")])
def test_bad_component_arguments_are_clear_errors(tmp_path, capsys, name, message):
    code = main(["run", "--plugins", f"{name},gmm,resnet18", "--weights", "none", "--db", str(tmp_path / "r.sqlite")])
    assert code == 2 and message in capsys.readouterr().err


def test_no_progress_silences_the_training_bars_too(tmp_path, capsys):
    args = ["run", "--plugins", "small-dcae", "--set", "small-dcae.epochs=2", "--set", "synthetic.machines=fan",
            "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=4", "--set", "synthetic.n_anomalous=2",
            "--set", "synthetic.duration=2", "--seeds", "1", "--device", "cpu", "--jobs", "1"]
    assert main([*args, "--db", str(tmp_path / "a.sqlite"), "--no-progress"]) == 0
    assert "epoch" not in capsys.readouterr().err
    assert main(["--progress", *args, "--db", str(tmp_path / "b.sqlite")]) == 0  # bars off a terminal: forced
    assert "epoch" in capsys.readouterr().err


def test_extractors_without_weights_are_not_labelled_random(tmp_path, capsys):
    code = main(["run", "--plugins", "mel-patches,knn", "--set", "knn.k=1", "--set", "synthetic.machines=fan",
                 "--set", "synthetic.ids=id_00",
                 "--set", "synthetic.n_normal=4", "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=2",
                 "--seeds", "1", "--db", str(tmp_path / "r.sqlite"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and "mel-patches + knn" in out
    assert "random weights" not in out
