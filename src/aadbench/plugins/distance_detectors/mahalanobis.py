"""Squared Mahalanobis distance under a shrunk covariance (Narita & Tamamori's baseline).

With hundreds or thousands of feature dimensions the empirical covariance is singular or
badly conditioned; shrinkage towards a scaled identity fixes that. ``shrinkage`` is
``"ledoit-wolf"`` (the coefficient estimated from the data, as scikit-learn's ``LedoitWolf``),
``"oas"``, or a number in [0, 1] (0 = the empirical covariance).

The covariance and its inverse are computed directly rather than through scikit-learn's
estimator (which forms the d x d covariance and inverts it with an eigendecomposition, O(d^3)
at every size): the Ledoit-Wolf coefficient needs only row norms and the Gram matrix, and with
fewer training rows than dimensions (n < d) the inverse of ``a I + b X^T X / n`` comes from the
n x n system of the Woodbury identity, O(n^2 d). The distances equal scikit-learn's up to
floating-point rounding (the tests compare them).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from ...components import Detector
from ..classic_detectors.sklearn_models import as_float64

ESTIMATED = ("ledoit-wolf", "oas")


def _shrinkage(value: str | float) -> str | float:
    if isinstance(value, str) and value.strip().lower() in ESTIMATED:
        return value.strip().lower()
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"mahalanobis shrinkage must be one of {ESTIMATED} or a number in [0, 1], not {value!r}")
    return number


def _gram(Xc: np.ndarray) -> np.ndarray:
    """``Xc^T Xc`` when there are more rows than columns, else ``Xc Xc^T`` (BLAS syrk, both triangles)."""
    A = Xc if Xc.shape[0] >= Xc.shape[1] else Xc.T
    G: np.ndarray = scipy.linalg.blas.dsyrk(1.0, np.asfortranarray(A), trans=1, lower=1)
    return np.tril(G) + np.tril(G, -1).T


def ledoit_wolf_shrinkage(Xc: np.ndarray, gram: np.ndarray) -> float:
    """scikit-learn's ``ledoit_wolf_shrinkage`` of centred rows, from their Gram matrix in O(n d)."""
    n, d = Xc.shape
    row_sq = np.einsum("ij,ij->i", Xc, Xc)
    trace_terms = np.einsum("ij,ij->j", Xc, Xc) / n
    mu = trace_terms.sum() / d
    beta_ = float(np.sum(row_sq ** 2))
    delta_ = float(np.sum(gram * gram)) / n ** 2
    beta = (beta_ / n - delta_) / (d * n)
    delta = (delta_ - 2.0 * mu * trace_terms.sum() + d * mu ** 2) / d
    beta = min(beta, delta)
    return 0.0 if beta == 0 else float(beta / delta)


def oas_shrinkage(Xc: np.ndarray, gram: np.ndarray) -> float:
    """scikit-learn's OAS coefficient of centred rows (Chen et al. 2010), from their Gram matrix."""
    n, d = Xc.shape
    alpha = float(np.sum(gram * gram)) / n ** 2 / d ** 2  # the mean squared entry of the covariance
    mu = float(np.einsum("ij,ij->", Xc, Xc)) / (n * d)
    den = (n + 1) * (alpha - mu * mu / d)
    return 1.0 if den == 0 else min((alpha + mu * mu) / den, 1.0)


class Mahalanobis(Detector):
    def __init__(self, shrinkage: str | float = "ledoit-wolf") -> None:
        self.shrinkage = _shrinkage(shrinkage)

    def _coefficient(self, Xc: np.ndarray, gram: np.ndarray) -> float:
        if self.shrinkage == "ledoit-wolf":
            return ledoit_wolf_shrinkage(Xc, gram)
        if self.shrinkage == "oas":
            return oas_shrinkage(Xc, gram)
        return float(self.shrinkage)

    def fit(self, X: np.ndarray) -> Mahalanobis:
        X = as_float64(X, "mahalanobis")
        n, d = X.shape
        self.location_ = X.mean(0)
        Xc = X - self.location_
        gram = _gram(Xc)
        self.shrinkage_ = s = self._coefficient(Xc, gram)
        mu = float(np.einsum("ij,ij->", Xc, Xc)) / (n * d)
        a, b = s * mu, 1.0 - s  # covariance = a I + b Xc^T Xc / n
        if n >= d or a <= 0.0:
            cov = b * (gram if n >= d else Xc.T @ Xc) / n
            cov.flat[:: d + 1] += a
            self.cov_: np.ndarray | None = cov
            self.precision_: np.ndarray | None = _inverse(cov)
            self.woodbury_: tuple[np.ndarray, np.ndarray, float, float] | None = None
        else:  # Woodbury: (a I + (b/n) Xc^T Xc)^-1 = I/a - (b/(n a^2)) Xc^T (I + (b/(n a)) Xc Xc^T)^-1 Xc
            inner = np.eye(n) + (b / (n * a)) * gram
            self.cov_ = self.precision_ = None
            self.woodbury_ = (Xc, scipy.linalg.cho_factor(inner, lower=True)[0], a, b / (n * a * a))
        return self

    @property
    def covariance_(self) -> np.ndarray:
        """The shrunk covariance (built on request where the fit used Woodbury's identity)."""
        if self.cov_ is not None:
            return self.cov_
        assert self.woodbury_ is not None
        Xc, _, a, c = self.woodbury_
        cov: np.ndarray = (c * a * a) * (Xc.T @ Xc)  # a I + (b / n) Xc^T Xc, as c = b / (n a^2)
        cov.flat[:: cov.shape[0] + 1] += a
        return cov

    def score(self, X: np.ndarray) -> np.ndarray:
        Z = as_float64(X, "mahalanobis") - self.location_
        if self.precision_ is not None:
            distances: np.ndarray = np.einsum("ij,ij->i", Z @ self.precision_, Z)
            return distances
        assert self.woodbury_ is not None
        Xc, chol, a, c = self.woodbury_
        projected = Z @ Xc.T  # (m, n)
        solved = scipy.linalg.cho_solve((chol, True), projected.T)  # (n, m)
        woodbury: np.ndarray = np.einsum("ij,ij->i", Z, Z) / a - c * np.einsum("ji,ij->i", solved, projected)
        return woodbury

    def info(self) -> dict[str, Any]:
        return {"shrinkage": self.shrinkage_, "woodbury": self.woodbury_ is not None}


def _inverse(cov: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive (semi-)definite matrix: Cholesky, or a pseudo-inverse if singular."""
    try:
        chol = scipy.linalg.cho_factor(cov, lower=True, check_finite=False)
        inv: np.ndarray = scipy.linalg.cho_solve(chol, np.eye(cov.shape[0]), check_finite=False)
    except np.linalg.LinAlgError:
        inv = scipy.linalg.pinvh(cov, check_finite=False)
    return inv
