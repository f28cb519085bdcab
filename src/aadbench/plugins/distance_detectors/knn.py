"""Mean distance to the k nearest training features, exact, in chunks on the device.

Distances are Euclidean and computed in float64 (on the GPU when there is one), so the
result is the brute-force one; ``chunk_size`` test rows at a time bound the memory.
"""
from __future__ import annotations

import numpy as np

from ...components import Detector
from ..classic_detectors.sklearn_models import as_float64


class KNN(Detector):
    def __init__(self, k: int = 5, device: str = "auto", chunk_size: int = 1024) -> None:
        if int(k) < 1 or int(chunk_size) < 1:
            raise ValueError(f"knn: k and chunk_size must be at least 1 (got k={k!r}, chunk_size={chunk_size!r})")
        self.k, self.device, self.chunk_size = int(k), device, int(chunk_size)

    def fit(self, X: np.ndarray) -> KNN:
        X = as_float64(X, "knn")
        if X.shape[0] < self.k:
            raise ValueError(f"knn: {X.shape[0]} training features for k={self.k}; lower k "
                             f"(e.g. --set knn.k={X.shape[0]}) or train on more clips")
        self.train_ = X
        return self

    def distances(self, X: np.ndarray) -> np.ndarray:
        """The sorted distances to the k nearest training features, shape ``(n, k)``."""
        import torch

        from ...devices import resolve_device

        X = as_float64(X, "knn")
        if X.shape[1] != self.train_.shape[1]:
            raise ValueError(f"knn: fitted on {self.train_.shape[1]}-d features, got {X.shape[1]}-d")
        dev = resolve_device(self.device)
        train = torch.as_tensor(self.train_, device=dev)
        train_sq = train.square().sum(1)
        out = []
        for i in range(0, X.shape[0], self.chunk_size):
            q = torch.as_tensor(X[i: i + self.chunk_size], device=dev)
            sq = (q.square().sum(1, keepdim=True) + train_sq - 2.0 * q @ train.T).clamp_min_(0.0)
            nearest = torch.topk(sq, self.k, dim=1, largest=False).values  # sorted ascending
            out.append(nearest.sqrt_().cpu().numpy())
        return np.concatenate(out)

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = self.distances(X).mean(axis=1)
        return scores
