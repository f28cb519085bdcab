"""The paper's detectors: the KDE and GMM traps and the parameters."""
import numpy as np
import pytest
from scipy.special import logsumexp

from aadbench.plugins.classic_detectors.kde import KDE
from aadbench.plugins.classic_detectors.sklearn_models import GMM, OCSVM, IForest


def test_kde_is_the_exact_gaussian_log_density():
    rng = np.random.default_rng(0)
    train, test = rng.standard_normal((50, 3)), rng.standard_normal((7, 3))
    h = 0.7
    sq = ((test[:, None, :] - train[None]) ** 2).sum(-1)
    expected = logsumexp(-sq / (2 * h * h), axis=1) - np.log(50) - 1.5 * np.log(2 * np.pi * h * h)
    got = KDE(bandwidth=h, device="cpu", chunk_size=3).fit(train).log_density(test)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    np.testing.assert_allclose(KDE(bandwidth=h, backend="sklearn").fit(train).log_density(test), expected, rtol=1e-6)


def test_kde_in_512_dimensions_is_exact_where_sklearn_is_wrong():
    """Bandwidth 0.1 on standardised 512-d features: scikit-learn's tree KDE returns log-densities
    tens of thousands off (some even positive); ours is the exact value and ranks outliers last."""
    rng = np.random.default_rng(0)
    train = rng.standard_normal((400, 512))
    test = np.vstack([rng.standard_normal((20, 512)), rng.standard_normal((20, 512)) * 1.5])
    sq = ((test[:, None, :] - train[None]) ** 2).sum(-1)
    exact = logsumexp(-sq / 0.02, axis=1) - np.log(400) - 256 * np.log(2 * np.pi * 0.01)
    ours = KDE(device="cpu").fit(train)
    np.testing.assert_allclose(ours.log_density(test), exact, rtol=1e-9)
    assert ours.score(test)[20:].mean() > ours.score(test)[:20].mean()
    theirs = KDE(backend="sklearn").fit(train).log_density(test)
    assert np.abs(theirs - exact).max() > 1000


def test_gmm_fits_float32_features_with_80_diagonal_components():
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((2000, 64)) * rng.uniform(0.01, 3, 64)).astype(np.float32)
    gmm = GMM().fit(X)
    assert gmm.model_.n_components == 80 and gmm.model_.covariance_type == "diag"
    assert gmm.model_.means_.dtype == np.float64 and np.isfinite(gmm.score(X)).all()


def test_gmm_with_too_few_features_says_what_to_set():
    with pytest.raises(ValueError, match=r"--set gmm.n_components="):
        GMM().fit(np.zeros((10, 3)))


def test_paper_parameters():
    assert IForest().n_estimators == 128 and OCSVM().nu == 1e-4 and KDE().bandwidth == 0.1
    g = GMM()
    assert (g.n_components, g.covariance_type, g.init_params, g.max_iter) == (80, "diag", "kmeans", 150)


def test_non_finite_features_are_refused():
    X = np.ones((100, 3))
    X[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        IForest().fit(X)
