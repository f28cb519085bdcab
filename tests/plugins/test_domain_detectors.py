"""Detectors that see the training clips' domains (DCASE 2021+ domain shift)."""
import numpy as np
import pytest

from aadbench.components import ANOMALOUS, NORMAL, Clip, Task
from aadbench.harness.detection import fit_and_score, prepare
from aadbench.harness.protocol import ProtocolConfig, Split
from aadbench.plugins.distance_detectors.domains import DomainKNN, SelectiveMahalanobis
from aadbench.plugins.distance_detectors.knn import KNN
from aadbench.plugins.distance_detectors.mahalanobis import Mahalanobis

ROWS = 2  # segments per clip


def shifted_task(seed=0, n_source=60, n_target=2, n_test=20):
    """Source normals around 0, target normals shifted by 4 in dimension 0 with only ``n_target``
    training clips; anomalies of either domain moved by 2.5 in dimension 1."""
    rng = np.random.default_rng(seed)
    clips, feats, train, test = [], [], [], []

    def add(kind, domain, label, centre):
        clips.append(Clip(f"{kind}/{domain}/{len(clips):04d}.wav", label, split=kind, domain=domain))
        feats.append((centre + 0.5 * rng.standard_normal((ROWS, 6))).astype(np.float32))
        (train if kind == "train" else test).append(len(clips) - 1)

    src, tgt, anomaly = np.zeros(6), np.eye(6)[0] * 4.0, np.eye(6)[1] * 2.5
    for _ in range(n_source):
        add("train", "source", NORMAL, src)
    for _ in range(n_target):
        add("train", "target", NORMAL, tgt)
    for domain, centre in (("source", src), ("target", tgt)):
        for _ in range(n_test):
            add("test", domain, NORMAL, centre)
            add("test", domain, ANOMALOUS, centre + anomaly)
    task = Task("press", "section_00", tuple(clips))
    return task, feats, Split(np.array(train), np.array(test), "given")


@pytest.mark.parametrize(("aware", "plain"), [(DomainKNN(k=5, device="cpu"), KNN(k=5, device="cpu")),
                                              (SelectiveMahalanobis(), Mahalanobis())])
def test_the_domain_aware_detector_beats_its_plain_form_under_domain_shift(aware, plain, capsys):
    aucs = {"aware": [], "plain": []}
    protocol = ProtocolConfig(standardize=False, threshold_quantile=0.0)
    for seed in range(5):
        task, feats, split = shifted_task(seed)
        prepared = prepare(feats, split, protocol)
        for name, det in (("aware", aware), ("plain", plain)):
            metrics, _ = fit_and_score(det, prepared, task, protocol, name)  # the harness hands over the domains
            aucs[name].append(metrics.auc)
    gain = float(np.mean(aucs["aware"]) - np.mean(aucs["plain"]))
    with capsys.disabled():
        print(f"\n{type(aware).__name__}: mean AUC {np.mean(aucs['aware']):.3f} vs {type(plain).__name__} "
              f"{np.mean(aucs['plain']):.3f} (+{gain:.3f}) over 5 shifted datasets")
    assert gain > 0.05, f"domain-aware {aucs['aware']} vs plain {aucs['plain']}"


def test_without_target_rows_it_is_the_plain_detector():
    task, feats, split = shifted_task(n_target=0)
    X = np.concatenate([feats[i] for i in split.train])
    Y = np.concatenate([feats[i] for i in split.test])
    np.testing.assert_allclose(DomainKNN(k=3, device="cpu").fit(X).score(Y), KNN(k=3, device="cpu").fit(X).score(Y))


def test_a_plain_detector_is_still_fitted_without_metadata():
    class Strict(KNN):
        def fit(self, X):  # the old contract: one argument
            return super().fit(X)

    task, feats, split = shifted_task()
    protocol = ProtocolConfig(standardize=False, threshold_quantile=0.0)
    metrics, scores = fit_and_score(Strict(k=1, device="cpu"), prepare(feats, split, protocol), task, protocol, "s")
    assert len(scores) == len(split.test) and 0 <= metrics.auc <= 1


def test_the_documented_domain_aware_example_works():
    import re
    from pathlib import Path

    import aadbench

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plugin_hooks.md").read_text()
    (code,) = [c for c in re.findall(r"```python\n(.*?)```", doc, flags=re.S) if "uses_metadata = True" in c]
    namespace = {"aadbench": aadbench, "np": np}
    exec(code, namespace)
    task, feats, split = shifted_task()
    protocol = ProtocolConfig(standardize=False, threshold_quantile=0.0)
    metrics, _ = fit_and_score(namespace["NearestDomainMean"](), prepare(feats, split, protocol), task, protocol, "d")
    assert metrics.auc > 0.9
