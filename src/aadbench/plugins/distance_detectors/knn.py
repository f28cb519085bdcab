"""Mean distance to the k nearest training features, exact, in chunks on the device.

Distances are Euclidean or cosine (``metric``) and computed in float64 (on the GPU when there
is one), so the result is the brute-force one; ``chunk_size`` test rows at a time bound the
memory. ``coreset`` keeps a memory bank of that fraction (0 < c < 1) or number (c >= 1) of the
training rows, chosen by greedy coreset selection as PatchCore does (Roth et al. 2022): start
from a random row (``coreset_seed``), repeatedly add the row farthest from those kept, distances measured after a
seeded random projection to 128 dimensions. It is how frozen-encoder systems (BEATs + kNN)
keep kNN fast on large training sets.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...components import Detector
from ..classic_detectors.sklearn_models import as_float64

METRICS = ("euclidean", "cosine")
PROJECTION_DIM = 128


class KNN(Detector):
    def __init__(self, k: int = 5, device: str = "auto", chunk_size: int = 1024, metric: str = "euclidean",
                 coreset: float = 0.0, coreset_seed: int = 0) -> None:
        if int(k) < 1 or int(chunk_size) < 1:
            raise ValueError(f"knn: k and chunk_size must be at least 1 (got k={k!r}, chunk_size={chunk_size!r})")
        if metric not in METRICS:
            raise ValueError(f"knn: metric {metric!r} is not one of {', '.join(METRICS)}")
        if float(coreset) < 0:
            raise ValueError(f"knn: coreset must be 0 (every row), a fraction or a number of rows, not {coreset!r}")
        self.k, self.device, self.chunk_size = int(k), device, int(chunk_size)
        self.metric, self.coreset, self.coreset_seed = metric, float(coreset), int(coreset_seed)

    def fit(self, X: np.ndarray) -> KNN:
        X = as_float64(X, "knn")
        if self.metric == "cosine":
            X = _unit_rows(X)
        if self.coreset > 0:
            X = X[greedy_coreset(X, self.coreset, self.coreset_seed, self.device)]
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
        if self.metric == "cosine":
            X = _unit_rows(X)
        dev = resolve_device(self.device)
        train = torch.as_tensor(self.train_, device=dev)
        train_sq = train.square().sum(1)
        out = []
        for i in range(0, X.shape[0], self.chunk_size):
            q = torch.as_tensor(X[i: i + self.chunk_size], device=dev)
            sq = (q.square().sum(1, keepdim=True) + train_sq - 2.0 * q @ train.T).clamp_min_(0.0)
            nearest = torch.topk(sq, self.k, dim=1, largest=False).values  # sorted ascending
            # unit rows: squared Euclidean distance = 2 (1 - cosine similarity)
            out.append((nearest / 2.0 if self.metric == "cosine" else nearest.sqrt_())
                       .cpu().numpy())
        return np.concatenate(out)

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = self.distances(X).mean(axis=1)
        return scores

    def info(self) -> dict[str, Any]:
        return {"memory_bank": int(self.train_.shape[0])}


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    out: np.ndarray = X / np.where(norms > 0, norms, 1.0)
    return out


def greedy_coreset(X: np.ndarray, size: float, seed: int = 0, device: str = "auto") -> np.ndarray:
    """Indices of a greedy (farthest-point) coreset of ``X``: ``size`` rows (a fraction when < 1)."""
    import torch

    from ...devices import resolve_device

    n = X.shape[0]
    m = int(round(size * n)) if size < 1 else int(size)
    m = max(1, min(n, m))
    if m >= n:
        return np.arange(n)
    dev = resolve_device(device)
    gen = torch.Generator().manual_seed(int(seed))
    Z = torch.as_tensor(X, device=dev)
    if Z.shape[1] > PROJECTION_DIM:  # Johnson-Lindenstrauss: distances kept approximately, 128-d is cheap
        proj = torch.randn(Z.shape[1], PROJECTION_DIM, generator=gen, dtype=Z.dtype) / PROJECTION_DIM ** 0.5
        Z = Z @ proj.to(dev)
    chosen = [int(torch.randint(n, (1,), generator=gen))]
    nearest = (Z - Z[chosen[0]]).square().sum(1)
    for _ in range(m - 1):
        nxt = int(torch.argmax(nearest))
        chosen.append(nxt)
        nearest = torch.minimum(nearest, (Z - Z[nxt]).square().sum(1))
    return np.sort(np.asarray(chosen))
