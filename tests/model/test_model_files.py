"""A model file executes no code when read, and every way it can be unusable fails with one clear line."""
import io
import json
import pickle
import zipfile

import numpy as np
import pytest

import aadbench
from aadbench.cli import main
from aadbench.errors import ModelError
from aadbench.harness.model.files import INDEX

from .conftest import edit_manifest, fit, rewrite


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """gmm (skops), knn (npz arrays) and small-dcae (safetensors) models of the small synthetic task."""
    root = tmp_path_factory.mktemp("models")
    mp = pytest.MonkeyPatch()
    mp.setenv("AADBENCH_CACHE", str(root / "cache"))
    mp.setenv("AADBENCH_OFFLINE", "1")
    mp.setenv("AADBENCH_NO_ENTRY_POINTS", "1")
    for det in ("gmm", "knn", "small-dcae"):
        fit(root / f"{det}.aadmodel", f"squeezenet1_1,{det}")
    yield root
    mp.undo()


@pytest.fixture
def copy(models, tmp_path):
    import shutil

    def _copy(det):
        return shutil.copytree(models / f"{det}.aadmodel", tmp_path / f"{det}.aadmodel")
    return _copy


def _no_pickle(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a model file was unpickled")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)


@pytest.mark.parametrize("det", ["gmm", "knn", "small-dcae"])
def test_every_file_of_a_model_loads_with_pickle_disabled(det, models, monkeypatch):
    import skops.io
    from safetensors.numpy import load as st_load

    path = models / f"{det}.aadmodel"
    kinds = set()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        kinds.add(f.suffix)
        if f.suffix == ".json":
            json.loads(f.read_text())
        elif f.suffix == ".npz":
            with np.load(f, allow_pickle=False) as npz:
                assert all(npz[k].dtype != object for k in npz.files)
        elif f.suffix == ".safetensors":
            st_load(f.read_bytes())
        elif f.suffix == ".skops":
            assert all(t.startswith(("sklearn.", "numpy.", "scipy.", "builtins."))
                       for t in skops.io.get_untrusted_types(file=f))
        else:
            pytest.fail(f"unexpected file in a model: {f}")
    assert {".json", ".npz"} <= kinds
    assert (".skops" in kinds) == (det == "gmm") and (".safetensors" in kinds) == (det == "small-dcae")
    _no_pickle(monkeypatch)
    model = aadbench.load_model(str(path))
    assert np.isfinite(model.score_waves([np.zeros(32000, dtype=np.float32)])).all()


def test_a_planted_pickle_payload_is_refused(copy, monkeypatch):
    path = copy("knn")
    folder = json.loads((path / INDEX).read_text())["tasks"]["fan/id_00"]
    with np.load(path / folder / "arrays.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["a0"] = np.array([{"payload": "os.system('touch /tmp/owned')"}], dtype=object)  # pickled by savez
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    rewrite(path, f"{folder}/arrays.npz", buffer.getvalue())
    with pytest.raises(ModelError, match="pickled objects; refused"):
        aadbench.load_model(str(path)).task()


def test_a_skops_file_with_foreign_types_is_refused(copy):
    path = copy("gmm")
    folder = json.loads((path / INDEX).read_text())["tasks"]["fan/id_00"]
    data = (path / folder / "e0.skops").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    schema = json.loads(files["schema.json"])
    schema["__module__"], schema["__class__"] = "os", "system"
    files["schema.json"] = json.dumps(schema).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    rewrite(path, f"{folder}/e0.skops", out.getvalue())
    with pytest.raises(ModelError, match="refused"):
        aadbench.load_model(str(path)).task()


def test_a_truncated_file_names_itself(copy, capsys):
    path = copy("gmm")
    folder = json.loads((path / INDEX).read_text())["tasks"]["fan/id_00"]
    target = path / folder / "arrays.npz"
    target.write_bytes(target.read_bytes()[:100])
    assert main(["score", str(path), str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "arrays.npz: does not match its SHA-256" in err[0] and "refit" in err[0]


def test_an_unknown_format_version(copy, capsys):
    path = copy("knn")
    index = json.loads((path / INDEX).read_text())
    index["format_version"] = 99
    (path / INDEX).write_text(json.dumps(index))
    assert main(["score", str(path), "x.wav"]) == 2
    assert "model format version 99" in capsys.readouterr().err


def test_a_model_whose_plugin_is_not_installed(copy, capsys):
    path = copy("knn")
    edit_manifest(path, lambda m: m["detector"].update(name="patchcore-pro"))
    assert main(["score", str(path), "x.wav"]) == 2
    err = capsys.readouterr().err
    assert "detector 'patchcore-pro'" in err and "install the plugin" in err


def test_weights_that_do_not_match_their_hash(tmp_path, monkeypatch, capsys):
    import torch

    from aadbench.plugins.image_cnns.extractor import build_network_unwrapped

    ckpt = tmp_path / "squeezenet-mine.pth"
    torch.save(build_network_unwrapped("squeezenet1_1", init_seed=3).state_dict(), ckpt)
    model = fit(tmp_path / "m.aadmodel", "squeezenet1_1,knn", "--weights", str(ckpt), "--embed-weights")
    manifest_weights = aadbench.load_model(str(model)).task().manifest["extractor"]["weights"]
    assert manifest_weights["kind"] == "file" and len(manifest_weights["sha256"]) == 64
    assert manifest_weights["embedded"] == "weights/squeezenet-mine.pth"
    ckpt.unlink()  # the embedded copy is enough
    assert np.isfinite(aadbench.load_model(str(model)).score_waves([np.zeros(32000, dtype=np.float32)])).all()
    other = tmp_path / "m2.aadmodel"
    torch.save(build_network_unwrapped("squeezenet1_1", init_seed=3).state_dict(), ckpt)
    fit(other, "squeezenet1_1,knn", "--weights", str(ckpt))
    torch.save(build_network_unwrapped("squeezenet1_1", init_seed=4).state_dict(), ckpt)  # changed in place
    assert main(["score", str(other), "x.wav"]) == 2
    assert "differs from the weights the model was fitted with" in capsys.readouterr().err


def test_a_model_fitted_on_a_gpu_scores_on_this_cpu(copy, monkeypatch):
    """The manifest of a GPU fit says cuda; without a GPU the extractor and detector run on the CPU."""
    path = copy("small-dcae")
    edit_manifest(path, lambda m: (m["extractor"]["params"].update(device="cuda"),
                                   m["detector"]["params"].update(device="cuda")))
    monkeypatch.setattr("aadbench.harness.model.scoring.gpu_present", lambda: False)
    model = aadbench.load_model(str(path))
    task = model.task()
    assert str(task.detector.device_) == "cpu"
    assert np.isfinite(task.score_waves([np.zeros(32000, dtype=np.float32)])).all()
