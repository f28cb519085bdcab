"""Squared Mahalanobis distance under a shrunk covariance (Narita & Tamamori's baseline).

With hundreds or thousands of feature dimensions the empirical covariance is singular or
badly conditioned; shrinkage towards a scaled identity fixes that. ``shrinkage`` is
``"ledoit-wolf"`` (the coefficient estimated from the data), ``"oas"``, or a number in
[0, 1] for scikit-learn's ``ShrunkCovariance`` (0 = the empirical covariance).
"""
from __future__ import annotations

from typing import Any

import numpy as np

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


class Mahalanobis(Detector):
    def __init__(self, shrinkage: str | float = "ledoit-wolf") -> None:
        self.shrinkage = _shrinkage(shrinkage)

    def _estimator(self) -> Any:
        from sklearn.covariance import OAS, LedoitWolf, ShrunkCovariance

        if self.shrinkage == "ledoit-wolf":
            return LedoitWolf()
        if self.shrinkage == "oas":
            return OAS()
        return ShrunkCovariance(shrinkage=self.shrinkage)

    def fit(self, X: np.ndarray) -> Mahalanobis:
        X = as_float64(X, "mahalanobis")
        model = self._estimator().fit(X)
        self.location_, self.covariance_ = model.location_, model.covariance_
        self.precision_ = model.get_precision()
        self.shrinkage_ = float(getattr(model, "shrinkage_", self.shrinkage))
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        centred = as_float64(X, "mahalanobis") - self.location_
        distances: np.ndarray = np.einsum("ij,jk,ik->i", centred, self.precision_, centred, optimize=True)
        return distances
