"""Domain-aware distance detectors for DCASE 2021+ domain shift (they use the training rows' domains).

``domain-knn``: a memory bank per domain (source, target), the score the smaller of the two kNN
distances: the common back end of DCASE 2023-2025 systems, where a handful of target-domain
normals would be drowned in one shared bank. ``selective-mahalanobis``: the DCASE 2023 baseline's
selective Mahalanobis, a mean and shrunk covariance per domain, the score the smaller distance.
Without target rows both are their single-domain detector.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...components import Detector, RowMeta
from .knn import KNN
from .mahalanobis import Mahalanobis


def _split(X: np.ndarray, meta: RowMeta | None) -> dict[str, np.ndarray]:
    if meta is None:
        return {"source": X}
    domains = np.asarray(meta.domain).astype(str)
    return {d: X[domains == d] for d in sorted(set(domains.tolist())) if (domains == d).any()}


class DomainKNN(Detector):
    uses_metadata = True

    def __init__(self, k: int = 1, metric: str = "euclidean", device: str = "auto", chunk_size: int = 1024) -> None:
        self.k, self.metric, self.device, self.chunk_size = int(k), metric, device, int(chunk_size)
        KNN(k=self.k, metric=metric, device=device, chunk_size=chunk_size)  # checks the parameters

    def fit(self, X: np.ndarray, meta: RowMeta | None = None) -> DomainKNN:
        self.banks_ = {}
        for domain, rows in _split(np.asarray(X), meta).items():
            k = min(self.k, rows.shape[0])  # a few target clips may hold fewer rows than k
            self.banks_[domain] = KNN(k=k, metric=self.metric, device=self.device, chunk_size=self.chunk_size).fit(rows)
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = np.min([bank.score(X) for bank in self.banks_.values()], axis=0)
        return scores

    def info(self) -> dict[str, Any]:
        return {"rows_per_domain": {d: int(b.train_.shape[0]) for d, b in self.banks_.items()}}


class SelectiveMahalanobis(Detector):
    uses_metadata = True

    def __init__(self, shrinkage: str | float = "ledoit-wolf") -> None:
        self.shrinkage = shrinkage
        Mahalanobis(shrinkage)  # checks the parameter

    def fit(self, X: np.ndarray, meta: RowMeta | None = None) -> SelectiveMahalanobis:
        self.models_ = {d: Mahalanobis(self.shrinkage).fit(rows) for d, rows in _split(np.asarray(X), meta).items()
                        if rows.shape[0] >= 2}
        if not self.models_:
            raise ValueError("selective-mahalanobis: needs at least 2 training rows in a domain")
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = np.min([m.score(X) for m in self.models_.values()], axis=0)
        return scores
