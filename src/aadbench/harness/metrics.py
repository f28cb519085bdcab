"""Metrics computed as the official DCASE evaluators do (scikit-learn)."""
from __future__ import annotations

import numpy as np


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC: ``sklearn.metrics.roc_auc_score``."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def pauc(labels: np.ndarray, scores: np.ndarray, max_fpr: float = 0.1) -> float:
    """Standardised partial AUC (McClish), ``roc_auc_score(..., max_fpr=0.1)``, chance = 0.5."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores, max_fpr=max_fpr))


def check_scores(scores: np.ndarray, who: str) -> np.ndarray:
    arr = np.asarray(scores, dtype=np.float64).ravel()
    if not np.isfinite(arr).all():
        raise ValueError(f"{who} returned {int((~np.isfinite(arr)).sum())} non-finite scores")
    return arr
