"""Gaussian kernel density with an exact log-sum-exp (scikit-learn's underflows in 512-d).

log p(x) = logsumexp_i(-|x - x_i|^2 / (2 h^2)) - log n - (d/2) log(2 pi h^2)

With h = 0.1 on standardised 512-d features every kernel value is far below float64's
smallest number, so scikit-learn's ``KernelDensity`` returns -inf or equal scores
(scikit-learn issues 25799 and 7492). ``backend="sklearn"`` keeps it for comparison.
"""
from __future__ import annotations

import math

import numpy as np

from ...components import Detector
from .sklearn_models import as_float64

BACKENDS = ("torch", "sklearn")


class KDE(Detector):
    def __init__(self, bandwidth: float = 0.1, backend: str = "torch", device: str = "auto",
                 chunk_size: int = 1024) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"kde backend {backend!r} is not one of {BACKENDS}")
        if float(bandwidth) <= 0:
            raise ValueError(f"kde bandwidth must be positive, not {bandwidth!r}")
        self.bandwidth, self.backend, self.device, self.chunk_size = float(bandwidth), backend, device, int(chunk_size)

    def fit(self, X: np.ndarray) -> KDE:
        X = as_float64(X, "KDE")
        if self.backend == "sklearn":
            from sklearn.neighbors import KernelDensity

            self.model_ = KernelDensity(kernel="gaussian", bandwidth=self.bandwidth).fit(X)
        self.train_ = X
        return self

    def log_density(self, X: np.ndarray) -> np.ndarray:
        X = as_float64(X, "KDE")
        if self.backend == "sklearn":
            log_density: np.ndarray = self.model_.score_samples(X)
            return log_density
        import torch

        from ...devices import resolve_device

        dev = resolve_device(self.device)
        train = torch.as_tensor(self.train_, device=dev)
        n, d = train.shape
        h2 = self.bandwidth ** 2
        const = math.log(n) + 0.5 * d * math.log(2 * math.pi * h2)
        out = []
        for i in range(0, X.shape[0], self.chunk_size):
            q = torch.as_tensor(X[i: i + self.chunk_size], device=dev)
            sq = torch.cdist(q, train).square_()
            out.append((torch.logsumexp(sq.mul_(-0.5 / h2), dim=1) - const).cpu().numpy())
        return np.concatenate(out)

    def score(self, X: np.ndarray) -> np.ndarray:
        return -self.log_density(X)
