"""Mahalanobis and kNN detectors: conformance and equality with plain numpy computations."""
import numpy as np
import pytest
from sklearn.covariance import LedoitWolf, ShrunkCovariance

from aadbench.plugins import distance_detectors
from aadbench.plugins.distance_detectors.knn import KNN
from aadbench.plugins.distance_detectors.mahalanobis import Mahalanobis
from aadbench.testing import check_detector


@pytest.fixture(scope="module")
def xy():
    rng = np.random.default_rng(0)
    mix = rng.standard_normal((6, 6))
    return rng.standard_normal((80, 6)) @ mix, rng.standard_normal((9, 6)) @ mix * 1.5


@pytest.mark.parametrize("cls,params", [(Mahalanobis, {}), (Mahalanobis, {"shrinkage": 0.3}),
                                        (Mahalanobis, {"shrinkage": "oas"}), (KNN, {"device": "cpu"})])
def test_passes_the_detector_checks(cls, params):
    check_detector(cls, params)


def test_mahalanobis_is_the_squared_distance_under_the_ledoit_wolf_covariance(xy):
    train, test = xy
    det = Mahalanobis().fit(train)
    np.testing.assert_allclose(det.covariance_, LedoitWolf().fit(train).covariance_)
    centred = test - train.mean(0)
    expected = np.array([c @ np.linalg.inv(det.covariance_) @ c for c in centred])
    np.testing.assert_allclose(det.score(test), expected, rtol=1e-8)
    assert 0 < det.shrinkage_ < 1


def test_mahalanobis_with_a_fixed_shrinkage(xy):
    train, test = xy
    det = Mahalanobis(shrinkage="0.25").fit(train)  # as it arrives from --set
    cov = ShrunkCovariance(shrinkage=0.25).fit(train).covariance_
    np.testing.assert_allclose(det.covariance_, cov)
    centred = test - train.mean(0)
    np.testing.assert_allclose(det.score(test), np.einsum("ij,jk,ik->i", centred, np.linalg.inv(cov), centred),
                               rtol=1e-8)


def test_mahalanobis_with_fewer_rows_than_dimensions_uses_woodbury_and_the_same_covariance():
    rng = np.random.default_rng(3)
    train, test = rng.normal(size=(20, 50)), rng.normal(size=(7, 50))
    det = Mahalanobis().fit(train)
    assert det.info()["woodbury"] is True
    cov = LedoitWolf().fit(train).covariance_
    np.testing.assert_allclose(det.covariance_, cov, rtol=1e-10)
    centred = test - train.mean(0)
    np.testing.assert_allclose(det.score(test), np.einsum("ij,jk,ik->i", centred, np.linalg.inv(cov), centred),
                               rtol=1e-8)


def test_mahalanobis_refuses_a_bad_shrinkage():
    for bad in ("ledoit", 1.5, -0.1):
        with pytest.raises(ValueError, match="shrinkage"):
            Mahalanobis(shrinkage=bad)


@pytest.mark.parametrize("k", [1, 5, 80])
def test_knn_is_the_brute_force_mean_distance(xy, k):
    train, test = xy
    dist = np.sqrt(((test[:, None, :] - train[None]) ** 2).sum(-1))
    expected = np.sort(dist, axis=1)[:, :k].mean(1)
    det = KNN(k=k, device="cpu", chunk_size=4).fit(train)
    np.testing.assert_allclose(det.score(test), expected, rtol=1e-9)
    np.testing.assert_allclose(det.distances(test), np.sort(dist, axis=1)[:, :k], rtol=1e-9)


def test_knn_with_fewer_training_features_than_k_says_what_to_set():
    with pytest.raises(ValueError, match=r"--set knn.k=3"):
        KNN(k=5).fit(np.zeros((3, 2)))


def test_registration():
    specs = {s.name: s for s in distance_detectors.register_detectors()}
    assert set(specs) == {"mahalanobis", "knn", "domain-knn", "selective-mahalanobis"}
    assert all(s.requires is None for s in specs.values())
    assert specs["knn"].defaults["k"] == 5 and specs["mahalanobis"].defaults["shrinkage"] == "ledoit-wolf"
    assert isinstance(specs["knn"].create(device="cpu"), KNN)


def test_knn_cosine_is_the_brute_force_cosine_distance(xy):
    train, test = xy
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)
    dist = 1.0 - unit(test) @ unit(train).T
    expected = np.sort(dist, axis=1)[:, :3].mean(1)
    det = KNN(k=3, metric="cosine", device="cpu", chunk_size=5).fit(train)
    np.testing.assert_allclose(det.score(test), expected, rtol=1e-9, atol=1e-12)


def test_the_greedy_coreset_keeps_the_farthest_points_and_its_size():
    from aadbench.plugins.distance_detectors.knn import greedy_coreset

    rng = np.random.default_rng(0)
    cluster = rng.normal(size=(200, 4)) * 0.01
    outliers = np.array([[10.0, 0, 0, 0], [0, -10.0, 0, 0], [0, 0, 10.0, 0]])
    X = np.concatenate([cluster, outliers])
    kept = greedy_coreset(X, 4, seed=1, device="cpu")
    assert len(kept) == 4 and {200, 201, 202} <= set(kept.tolist()), "farthest-point selection reaches every outlier"
    assert len(greedy_coreset(X, 0.1, device="cpu")) == round(0.1 * len(X))
    np.testing.assert_array_equal(greedy_coreset(X, 0.1, seed=3, device="cpu"),
                                  greedy_coreset(X, 0.1, seed=3, device="cpu"))
    wide = rng.normal(size=(300, 512))
    assert len(set(greedy_coreset(wide, 30, device="cpu").tolist())) == 30  # through the random projection


def test_knn_on_a_coreset_scores_close_to_the_full_memory_bank():
    rng = np.random.default_rng(1)
    train = rng.normal(size=(2000, 8))
    test = np.concatenate([rng.normal(size=(50, 8)), rng.normal(size=(50, 8)) + 4.0])
    full = KNN(k=1, device="cpu").fit(train).score(test)
    small = KNN(k=1, device="cpu", coreset=0.25).fit(train)
    assert small.train_.shape[0] == 500
    from sklearn.metrics import roc_auc_score

    labels = np.r_[np.zeros(50), np.ones(50)]
    assert roc_auc_score(labels, small.score(test)) == pytest.approx(roc_auc_score(labels, full), abs=0.02)


def test_knn_refuses_an_unknown_metric():
    with pytest.raises(ValueError, match="metric 'manhattan'"):
        KNN(metric="manhattan")
