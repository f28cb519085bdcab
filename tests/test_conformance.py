"""Every registered component passes the conformance checks on tiny synthetic data."""
import re

import numpy as np
import pytest

from aadbench.harness.registry import load_registry
from aadbench.testing import check_dataset, check_detector, check_extractor

REGISTRY = load_registry(entry_points=False)

def _wav(path, seconds=0.5, index=0):
    import soundfile as sf

    from aadbench.testing import tiny_waves

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, tiny_waves(1, seconds=seconds, seed=index)[0], 16000, subtype="PCM_16")


def _mimii(root):
    from aadbench.datasets.synthetic.writer import write_mimii_tree
    from aadbench.testing import tiny_synthetic

    write_mimii_tree(tiny_synthetic(duration=0.5, n_normal=3, n_anomalous=1), root, progress=False)
    return {"data_root": str(root)}


def _dcase(root):
    for i in range(3):
        _wav(root / "fan" / "train" / f"normal_id_00_{i:08d}.wav", index=i)
    _wav(root / "fan" / "test" / "normal_id_00_00000000.wav", index=5)
    _wav(root / "fan" / "test" / "anomaly_id_00_00000000.wav", index=6)
    return {"data_root": str(root)}


def _folder(root):
    for i in range(3):
        _wav(root / "train" / f"rec{i}.wav", index=i)
    _wav(root / "test" / "normal" / "n.wav", index=5)
    _wav(root / "test" / "anomalous" / "a.wav", index=6)
    return {"data_root": str(root)}


#: how to make the smallest data each bundled dataset loads (a new dataset must add an entry)
DATASET_PARAMS = {
    "synthetic": lambda root: {"machines": ["fan", "valve"], "ids": ["id_00"], "n_normal": 4, "n_anomalous": 2,
                               "duration": 2.0},
    "mimii": _mimii,
    "dcase": _dcase,
    "folder": _folder,
}


def _extractor_params(spec):
    return {k: v for k, v in {"weights": "none", "device": "cpu"}.items() if k in spec.defaults}


@pytest.mark.parametrize("name", REGISTRY.names("extractor"))
def test_extractor_conformance(name, request):
    spec = REGISTRY.get("extractor", name)
    params = _extractor_params(spec)
    if name == "hf":  # a tiny random wav2vec 2.0 saved locally stands for a hub model
        params = {"model": str(request.getfixturevalue("hf_wav2vec2")), "device": "cpu"}
    facts = check_extractor(spec, params)
    assert facts["dim"] > 0


@pytest.mark.parametrize("name", REGISTRY.names("detector"))
def test_detector_conformance(name):
    spec = REGISTRY.get("detector", name)
    fast = {"device": "cpu", "progress": False, "epochs": 2 if spec.requires else 20}
    params = {k: v for k, v in fast.items() if k in spec.defaults}
    check_detector(spec, params, dim=4096 if spec.requires == "mel-patches" else 16)


@pytest.mark.parametrize("name", REGISTRY.names("dataset"))
def test_dataset_conformance(name, tmp_path):
    assert name in DATASET_PARAMS, f"add a tiny-data builder for dataset {name!r} to DATASET_PARAMS"
    facts = check_dataset(REGISTRY.get("dataset", name).create(**DATASET_PARAMS[name](tmp_path / name)))
    assert facts["loaded"] > 0


def test_checks_catch_a_detector_with_the_wrong_score_direction():
    from aadbench.plugins.classic_detectors.sklearn_models import IForest

    class Backwards(IForest):
        def score(self, X):
            return -super().score(X)

    with pytest.raises(AssertionError, match="must score higher"):
        check_detector(Backwards)


def test_checks_catch_a_nondeterministic_extractor():
    import numpy as np

    from aadbench import Extractor

    class Noisy(Extractor):
        def extract(self, waves):
            return [np.random.default_rng().standard_normal((3, 4)).astype(np.float32) for _ in waves]

    with pytest.raises(AssertionError, match="same features"):
        check_extractor(Noisy)


class _Minimal:
    """A dataset with the two required methods only: every optional capability has its default."""

    @staticmethod
    def make(**overrides):
        import numpy as np

        from aadbench import Clip, Dataset, Task

        class Minimal(Dataset):
            def tasks(self):
                clips = (Clip("n0", 0), Clip("n1", 0), Clip("n2", 0), Clip("a0", 1))
                return [Task("hum", "id_00", clips)]

            def load(self, clip):
                return np.full(8000, 0.1 if clip.label == 0 else 0.3, dtype=np.float32)

        for name, value in overrides.items():
            setattr(Minimal, name, value)
        return Minimal()


def test_a_dataset_with_only_the_required_methods_passes_and_describes_itself():
    dataset = _Minimal.make()
    facts = check_dataset(dataset)
    assert facts["load_stats"] == {} and facts["skipped"] == 0
    assert dataset.describe() == "Minimal" and dataset.audio_config() == dataset.config() == {}
    assert dataset.notes() == [] and dataset.channel is None


@pytest.mark.parametrize("override, message", [
    ({"notes": lambda self: "one note"}, "notes() must return strings"),
    ({"config": lambda self: {"root": object()}}, "not JSON serializable"),
    ({"fingerprint": lambda self, clip: 42}, "fingerprint"),
    ({"load_stats": lambda self: {"loaded": "1"}}, "load_stats()"),
])
def test_the_dataset_check_catches_a_broken_optional_capability(override, message):
    with pytest.raises((AssertionError, TypeError), match=re.escape(message)):
        check_dataset(_Minimal.make(**override))


def test_an_identity_function_that_disagrees_with_the_built_extractor_is_caught():
    import dataclasses

    spec = REGISTRY.get("extractor", "mel-patches")
    wrong = dataclasses.replace(spec, identity=lambda params, fetch: {"dim": 1})
    with pytest.raises(AssertionError, match="identity function must give what identity"):
        check_extractor(wrong, {"device": "cpu"})


@pytest.mark.parametrize("name", REGISTRY.names("detector"))
def test_every_detector_survives_a_model_file(name, monkeypatch):
    """state() -> files without pickle -> restore() on a fresh detector scores as the fitted one."""
    import pickle

    from aadbench.harness.model import codec
    from aadbench.testing import blobs

    spec = REGISTRY.get("detector", name)
    fast = {"device": "cpu", "progress": False, "epochs": 2 if spec.requires else 20}
    params = {k: v for k, v in fast.items() if k in spec.defaults}
    X_train, X_test, _ = blobs(dim=4096 if spec.requires == "mel-patches" else 16)
    fitted = spec.create(**params).fit(X_train)
    encoded = codec.encode(fitted.state(), codec.packages_of(fitted))
    arrays, tensors = codec.arrays_bytes(encoded.arrays), codec.tensors_bytes(encoded.tensors)
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    parts = codec.Parts(codec.read_arrays(arrays, "arrays.npz"), codec.read_tensors(tensors, "t"), encoded.blobs)
    fresh = spec.create(**params)
    fresh.restore(codec.decode(encoded.tree, parts, codec.packages_of(fresh)))
    np.testing.assert_allclose(fresh.score(X_test), fitted.score(X_test), rtol=1e-6, atol=1e-8)
