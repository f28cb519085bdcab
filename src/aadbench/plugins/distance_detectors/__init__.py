"""Distance detectors on any extractor's features: Mahalanobis distance and k nearest neighbours."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DetectorSpec

_MOD = "aadbench.plugins.distance_detectors"


@hookimpl
def register_detectors() -> list[DetectorSpec]:
    return [
        DetectorSpec("mahalanobis", f"{_MOD}.mahalanobis:Mahalanobis",
                     "Squared Mahalanobis distance to the training mean, Ledoit-Wolf shrinkage covariance.",
                     {"shrinkage": "ledoit-wolf"}),
        DetectorSpec("knn", f"{_MOD}.knn:KNN",
                     "Mean Euclidean distance to the k=5 nearest training features (exact).",
                     {"k": 5, "device": "auto", "chunk_size": 1024}),
    ]
