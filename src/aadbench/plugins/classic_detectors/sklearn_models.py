"""scikit-learn detectors behind aadbench's contract (higher score = more anomalous)."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from ...components import Detector
from ...devices import resolve_backend
from ...errors import plural


def as_float64(X: np.ndarray, who: str) -> np.ndarray:
    """2-D float64 copy, with a clear error for the wrong shape or non-finite values."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{who}: expected features of shape (n_samples, dim), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{who}: features contain NaN or infinite values")
    return arr


class _Mixture(Detector):
    """Diagonal Gaussian mixtures in float64 (float32 fails with 80 diagonal components in scikit-learn).

    ``backend``: ``sklearn``, ``torch`` (:mod:`.torch_mixtures`, the same algorithm on the GPU when
    there is one; diagonal covariances only) or ``auto`` (torch on a GPU, scikit-learn on the CPU,
    where it measured as fast). With the torch backend ``init_params="kmeans"`` runs k-means in
    torch and ``"sklearn-kmeans"`` starts from scikit-learn's k-means labels (the same start as
    the sklearn backend).
    """

    kind = "gmm"

    def __init__(self, n_components: int = 80, covariance_type: str = "diag", init_params: str = "kmeans",
                 max_iter: int = 150, reg_covar: float = 1e-6, random_state: int = 0, backend: str = "auto",
                 device: str = "auto", dtype: str = "float64", tol: float = 1e-3) -> None:
        self.n_components, self.covariance_type, self.init_params = n_components, covariance_type, init_params
        self.max_iter, self.reg_covar, self.random_state = max_iter, reg_covar, random_state
        self.backend, self.device, self.dtype, self.tol = backend, device, dtype, tol
        self.backend_ = resolve_backend(backend, device)
        if self.backend_ == "torch" and covariance_type != "diag":
            raise ValueError(f"{self.kind}: backend=torch fits diagonal covariances only, not {covariance_type!r}; "
                             f"use backend=sklearn")

    @abstractmethod
    def _model(self) -> Any:
        """The unfitted scikit-learn estimator."""

    def fit(self, X: np.ndarray) -> _Mixture:
        X = as_float64(X, type(self).__name__)
        if X.shape[0] < self.n_components:
            raise ValueError(
                f"{type(self).__name__}: {plural(X.shape[0], 'training feature')} for "
                f"{plural(self.n_components, 'component')}; "
                f"lower n_components (e.g. --set {self.kind}.n_components={max(1, X.shape[0] // 4)}) "
                f"or train on more clips")
        if self.backend_ == "torch":
            from ...devices import resolve_device, resolve_dtype
            from .torch_mixtures import fit_mixture

            init = "sklearn-kmeans" if self.init_params == "sklearn-kmeans" else "kmeans"
            self.model_: Any = fit_mixture(self.kind, X, n_components=self.n_components, reg_covar=self.reg_covar,
                                      max_iter=self.max_iter, tol=self.tol, seed=self.random_state, init=init,
                                      device=resolve_device(self.device), dtype=resolve_dtype(self.dtype))
        else:
            self.model_ = self._model().fit(X)
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        X = as_float64(X, type(self).__name__)
        if self.backend_ == "torch":
            import torch

            with torch.inference_mode():
                Xt = torch.as_tensor(X, dtype=self.model_.means_.dtype, device=self.model_.means_.device)
                torch_scores: np.ndarray = -self.model_.score_samples(Xt).double().cpu().numpy()
            return torch_scores
        scores: np.ndarray = -self.model_.score_samples(X)
        return scores

    def _init(self) -> str:
        return "kmeans" if self.init_params == "sklearn-kmeans" else self.init_params


class GMM(_Mixture):
    kind = "gmm"

    def _model(self) -> Any:
        from sklearn.mixture import GaussianMixture

        return GaussianMixture(n_components=self.n_components, covariance_type=self.covariance_type,
                               init_params=self._init(), max_iter=self.max_iter, tol=self.tol,
                               reg_covar=self.reg_covar, random_state=self.random_state)


class BayesianGMM(_Mixture):
    kind = "bgmm"

    def _model(self) -> Any:
        from sklearn.mixture import BayesianGaussianMixture

        return BayesianGaussianMixture(n_components=self.n_components, covariance_type=self.covariance_type,
                                       init_params=self._init(), max_iter=self.max_iter, tol=self.tol,
                                       reg_covar=self.reg_covar, random_state=self.random_state)


class IForest(Detector):
    def __init__(self, n_estimators: int = 128, random_state: int = 0) -> None:
        self.n_estimators, self.random_state = n_estimators, random_state

    def fit(self, X: np.ndarray) -> IForest:
        from sklearn.ensemble import IsolationForest

        self.model_ = IsolationForest(n_estimators=self.n_estimators, random_state=self.random_state)
        self.model_.fit(as_float64(X, "IForest"))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = -self.model_.score_samples(as_float64(X, "IForest"))
        return scores


class OCSVM(Detector):
    def __init__(self, nu: float = 1e-4, kernel: str = "rbf", gamma: str | float = "scale") -> None:
        self.nu, self.kernel, self.gamma = nu, kernel, gamma

    def fit(self, X: np.ndarray) -> OCSVM:
        from sklearn.svm import OneClassSVM

        self.model_ = OneClassSVM(nu=self.nu, kernel=self.kernel, gamma=self.gamma).fit(as_float64(X, "OCSVM"))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = -self.model_.decision_function(as_float64(X, "OCSVM"))
        return scores
