"""pyod:<model>: any PyOD detector behind aadbench's contract."""
import numpy as np
import pytest

from aadbench.cli import main
from aadbench.errors import ConfigError

pyod = pytest.importorskip("pyod", reason="PyOD is an optional dependency (aadbench[pyod])")

from aadbench.plugins.pyod_detectors.detector import PyODDetector, available  # noqa: E402


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    return rng.normal(size=(300, 6)), np.concatenate([rng.normal(size=(20, 6)), rng.normal(size=(20, 6)) + 5])


@pytest.mark.parametrize("model", ["ecod", "copod", "hbos", "pca", "lof", "iforest", "knn"])
def test_scores_are_pyods_own_outlier_scores(model, xy):
    from aadbench.plugins.pyod_detectors.detector import model_class

    train, test = xy
    det = PyODDetector(model).fit(train)
    cls = model_class(model)
    seeded = {"random_state": 0} if "random_state" in cls().get_params() else {}  # the run's seed
    expected = cls(**seeded).fit(train).decision_function(test)
    np.testing.assert_allclose(det.score(test), expected, rtol=1e-10)
    assert det.score(test)[20:].mean() > det.score(test)[:20].mean(), "higher = more anomalous"


def test_options_reach_the_constructor(xy):
    train, test = xy
    det = PyODDetector("lof", "n_neighbors=7,metric='euclidean'").fit(train)
    assert det.model_.n_neighbors == 7 and det.model_.metric == "euclidean"


def test_bad_names_and_options_say_what_exists():
    with pytest.raises(ConfigError, match="PyOD has no model 'ecodd'; one of: .*ecod"):
        PyODDetector("ecodd")
    with pytest.raises(ConfigError, match="has no option 'neighbours'; it takes .*n_neighbors"):
        PyODDetector("lof", "neighbours=3")
    with pytest.raises(ConfigError, match="is not NAME=VALUE"):
        PyODDetector("lof", "n_neighbors")
    assert {"ecod", "lof", "copod", "hbos", "pca"} <= set(available())


def test_without_pyod_the_error_says_what_to_install(monkeypatch):
    import importlib

    real = importlib.import_module

    def no_pyod(name, *a, **k):
        if name.startswith("pyod"):
            raise ImportError("No module named 'pyod'")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", no_pyod)
    with pytest.raises(ConfigError, match=r'pip install "aadbench\[pyod\]"'):
        PyODDetector("ecod")


def test_a_run_with_a_pyod_detector(tmp_path, capsys):
    args = ["run", "--plugins", "resnet18,pyod:ecod,pyod:lof", "--set", "pyod:lof.options=n_neighbors=5",
            "--weights", "none", "--seeds", "1", "--machines", "fan", "--set", "synthetic.ids=id_00",
            "--set", "synthetic.n_normal=6", "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=2",
            "--no-progress", "--db", str(tmp_path / "r.sqlite")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "pyod:ecod" in out and "pyod:lof" in out and "2 computed" in out
