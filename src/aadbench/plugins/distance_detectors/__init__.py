"""Distance detectors on any extractor's features: Mahalanobis distance and k nearest neighbours, and
their domain-aware forms for DCASE domain shift."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DetectorSpec

_MOD = "aadbench.plugins.distance_detectors"
#: kNN parameters added after results were stored: at these values they stay out of job keys
_KNN_ADDED = {"metric": "euclidean", "coreset": 0.0, "coreset_seed": 0}


@hookimpl
def register_detectors() -> list[DetectorSpec]:
    return [
        DetectorSpec("mahalanobis", f"{_MOD}.mahalanobis:Mahalanobis",
                     "Squared Mahalanobis distance to the training mean, Ledoit-Wolf shrinkage covariance.",
                     {"shrinkage": "ledoit-wolf"}),
        DetectorSpec("knn", f"{_MOD}.knn:KNN",
                     "Mean Euclidean (or cosine) distance to the k=5 nearest training features (exact), over "
                     "all training rows or a greedy coreset of them (coreset=0.1: 10%, as PatchCore).",
                     {"k": 5, "device": "auto", "chunk_size": 1024, **_KNN_ADDED},
                     unkeyed_defaults=_KNN_ADDED),
        DetectorSpec("domain-knn", f"{_MOD}.domains:DomainKNN",
                     "Domain-aware kNN (DCASE 2021+): a memory bank per domain (source, target), the score the "
                     "smaller distance; uses the training clips' domains.",
                     {"k": 1, "metric": "euclidean", "device": "auto", "chunk_size": 1024}),
        DetectorSpec("selective-mahalanobis", f"{_MOD}.domains:SelectiveMahalanobis",
                     "The DCASE 2023 baseline's selective Mahalanobis: a mean and shrunk covariance per domain, "
                     "the score the smaller distance; uses the training clips' domains.",
                     {"shrinkage": "ledoit-wolf"}),
    ]
