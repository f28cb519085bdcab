"""Every registered component passes the conformance checks on tiny synthetic data."""
import pytest

from aadbench.harness.registry import load_registry
from aadbench.testing import check_dataset, check_detector, check_extractor

REGISTRY = load_registry(entry_points=False)

#: the smallest parameters that make each bundled dataset load (a new dataset must add an entry)
DATASET_PARAMS = {
    "synthetic": {"machines": ["fan", "valve"], "ids": ["id_00"], "n_normal": 4, "n_anomalous": 2, "duration": 2.0},
}


def _extractor_params(spec):
    return {k: v for k, v in {"weights": "none", "device": "cpu"}.items() if k in spec.defaults}


@pytest.mark.parametrize("name", REGISTRY.names("extractor"))
def test_extractor_conformance(name):
    spec = REGISTRY.get("extractor", name)
    facts = check_extractor(spec, _extractor_params(spec))
    assert facts["dim"] > 0


@pytest.mark.parametrize("name", REGISTRY.names("detector"))
def test_detector_conformance(name):
    spec = REGISTRY.get("detector", name)
    params = {"device": "cpu"} if "device" in spec.defaults else {}
    check_detector(spec, params)


@pytest.mark.parametrize("name", REGISTRY.names("dataset"))
def test_dataset_conformance(name):
    assert name in DATASET_PARAMS, f"add tiny parameters for dataset {name!r} to DATASET_PARAMS"
    facts = check_dataset(REGISTRY.get("dataset", name).create(**DATASET_PARAMS[name]))
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
