"""The grid's speed-ups keep its results: one decode per clip for all extractors, detector jobs in
worker processes, torch mixtures that equal scikit-learn's."""
import sqlite3

import numpy as np
import pytest

from aadbench.cli import main
from aadbench.datasets.synthetic.dataset import SyntheticDataset

TINY = ["--set", "synthetic.machines=fan,valve", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=6",
        "--set", "synthetic.n_anomalous=3", "--set", "synthetic.duration=1.5", "--weights", "none", "--no-progress"]


def _results(db):
    with sqlite3.connect(db) as conn:
        jobs = {r[0]: r[1:] for r in conn.execute("SELECT job_key, status, auc, pauc FROM results")}
        scores = {(r[0], r[1]): r[2] for r in conn.execute("SELECT job_key, clip, score FROM clip_scores")}
    return jobs, scores


def test_four_extractors_decode_each_clip_once(tmp_path, capsys, monkeypatch):
    loads = []
    original = SyntheticDataset.load
    monkeypatch.setattr(SyntheticDataset, "load", lambda self, clip: loads.append(clip.key) or original(self, clip))
    code = main(["run", *TINY, "--plugins", "squeezenet1_1,resnet18,mel-patches,timm:resnet18,knn", "--set",
                 "knn.k=1", "--seeds", "1", "--db", str(tmp_path / "r.sqlite"), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "8 computed" in out
    assert len(loads) == 2 * 9 and len(set(loads)) == 9, "each clip of each task read once for 4 extractors"
    assert "(72 clips extracted" in out and "18 files decoded" in out


@pytest.mark.slow
def test_parallel_detector_jobs_store_the_same_results(tmp_path, capsys):
    grid = [*TINY, "--plugins", "squeezenet1_1,gmm,iforest,ocsvm,mahalanobis,kde", "--set", "gmm.n_components=2",
            "--seeds", "2"]
    assert main(["run", *grid, "--jobs", "1", "--db", str(tmp_path / "one.sqlite")]) == 0
    assert main(["run", *grid, "--jobs", "2", "--db", str(tmp_path / "two.sqlite")]) == 0
    one, two = _results(tmp_path / "one.sqlite"), _results(tmp_path / "two.sqlite")
    assert len(one[0]) == 2 * 5 * 2 and one == two


def test_a_failing_job_in_a_worker_is_stored_with_its_error(tmp_path, capsys):
    code = main(["run", *TINY, "--plugins", "squeezenet1_1,gmm", "--seeds", "1", "--jobs", "2",
                 "--db", str(tmp_path / "r.sqlite")])
    out = capsys.readouterr().out
    assert code == 1 and "ValueError: GMM: 3 training features for 80 components" in out


def test_torch_mixtures_equal_scikit_learns_from_the_same_start():
    """Same data, same k-means labels, float64: the mean log-likelihood within 1e-6 relative."""
    import torch
    from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

    from aadbench.cli.bench.detectors import paper_scale_features
    from aadbench.plugins.classic_detectors.torch_mixtures import fit_mixture, sklearn_kmeans_labels

    X, Y = paper_scale_features(1500, 300, 48)
    X, Y = X.astype(np.float64) * 3.0, Y.astype(np.float64) * 3.0
    for kind, cls in (("gmm", GaussianMixture), ("bgmm", BayesianGaussianMixture)):
        reference = cls(n_components=12, covariance_type="diag", max_iter=150, reg_covar=1e-6, random_state=7).fit(X)
        labels = sklearn_kmeans_labels(X, 12, 7)
        mine = fit_mixture(kind, X, n_components=12, reg_covar=1e-6, max_iter=150, tol=1e-3, seed=7,
                           init="sklearn-kmeans", device=torch.device("cpu"), dtype=torch.float64, labels=labels)
        expected = reference.score_samples(Y)
        got = mine.score_samples(torch.as_tensor(Y)).numpy()
        assert mine.n_iter_ == reference.n_iter_
        assert abs(got.mean() - expected.mean()) <= 1e-6 * abs(expected.mean()), kind
        np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=kind)


@pytest.mark.slow
def test_torch_mixture_aucs_equal_scikit_learns_over_the_synthetic_grid(tmp_path, capsys):
    """The same grid with backend=torch (initialised as scikit-learn is) and backend=sklearn: AUCs within 0.005."""
    grid = [*TINY, "--plugins", "squeezenet1_1,gmm,bgmm", "--set", "gmm.n_components=3", "--set",
            "bgmm.n_components=3", "--seeds", "3", "--jobs", "1"]
    assert main(["run", *grid, "--set", "gmm.backend=sklearn", "--set", "bgmm.backend=sklearn",
                 "--db", str(tmp_path / "sk.sqlite")]) == 0
    assert main(["run", *grid, "--set", "gmm.backend=torch", "--set", "bgmm.backend=torch", "--set",
                 "gmm.init_params=sklearn-kmeans", "--set", "bgmm.init_params=sklearn-kmeans",
                 "--db", str(tmp_path / "torch.sqlite")]) == 0
    with sqlite3.connect(tmp_path / "sk.sqlite") as a, sqlite3.connect(tmp_path / "torch.sqlite") as b:
        q = "SELECT detector, machine_type, seed, auc FROM results ORDER BY detector, machine_type, seed"
        sk, mine = a.execute(q).fetchall(), b.execute(q).fetchall()
    assert len(sk) == len(mine) == 2 * 2 * 3
    worst = max(abs(x[3] - y[3]) for x, y in zip(sk, mine))
    assert worst <= 0.005, worst


def test_mahalanobis_equals_scikit_learns_ledoit_wolf_and_oas():
    from sklearn.covariance import OAS, LedoitWolf

    from aadbench.plugins.distance_detectors.mahalanobis import Mahalanobis

    rng = np.random.default_rng(0)
    for n, d in ((400, 32), (60, 200)):  # more rows than dimensions, and fewer (Woodbury)
        X, Y = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)), rng.standard_normal((50, d))
        for name, estimator in (("ledoit-wolf", LedoitWolf()), ("oas", OAS())):
            est = estimator.fit(X)
            Z = Y - est.location_
            expected = np.einsum("ij,jk,ik->i", Z, est.get_precision(), Z)
            mine = Mahalanobis(name).fit(X)
            assert mine.shrinkage_ == pytest.approx(est.shrinkage_, rel=1e-10)
            np.testing.assert_allclose(mine.score(Y), expected, rtol=1e-8)
