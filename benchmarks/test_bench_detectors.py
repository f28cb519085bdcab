"""Detector fit and score seconds at the paper's scale: 15k x 512 training rows, 5.4k scored.

    pytest benchmarks/test_bench_detectors.py --benchmark-enable
"""
import pytest

from aadbench.cli.bench import detectors as bench


@pytest.fixture(scope="module")
def features():
    return bench.paper_scale_features(15000, 5400, 512)


def _detector(name):
    from aadbench.harness.plan import create, full_params

    from aadbench.harness.registry import load_registry

    spec = load_registry(entry_points=False).get("detector", name)
    return create(spec, full_params(spec, {"device": "cpu"} if "device" in spec.defaults else {}, seed=0))


@pytest.mark.parametrize("name", bench.DETECTORS)
def test_fit(benchmark, features, name):
    X, _ = features
    benchmark.pedantic(lambda: _detector(name).fit(X), rounds=1, iterations=1)


@pytest.mark.parametrize("name", bench.DETECTORS)
def test_score(benchmark, features, name):
    X, Y = features
    det = _detector(name).fit(X)
    benchmark.pedantic(lambda: det.score(Y), rounds=1, iterations=1)
    if name == "kde":
        assert benchmark.stats.stats.mean < 10.0, "KDE scoring target: under 10 s"
