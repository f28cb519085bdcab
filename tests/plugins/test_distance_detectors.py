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
    assert set(specs) == {"mahalanobis", "knn"}
    assert all(s.requires is None for s in specs.values())
    assert specs["knn"].defaults["k"] == 5 and specs["mahalanobis"].defaults["shrinkage"] == "ledoit-wolf"
    assert isinstance(specs["knn"].create(device="cpu"), KNN)
