"""Metrics computed as the official DCASE evaluators do (scikit-learn, scipy).

- AUC: ``roc_auc_score``; pAUC: ``roc_auc_score(max_fpr=0.1)`` (standardised, chance 0.5).
- 2021 (per type, section, domain): AUC and pAUC on that domain's normal and anomalous clips.
- 2022 on (per section): AUC(source) on source normals + all anomalies, AUC(target) on target
  normals + all anomalies, pAUC on all clips.
- Official scores: arithmetic means in 2020; harmonic mean of all AUCs and pAUCs from 2021.
- Decision threshold of the baselines: the 0.9 quantile of a gamma distribution fitted to
  the training scores; precision, recall and F1 at it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ContractError

log = logging.getLogger(__name__)

MAX_FPR = 0.1


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC: ``sklearn.metrics.roc_auc_score``."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def pauc(labels: np.ndarray, scores: np.ndarray, max_fpr: float = MAX_FPR) -> float:
    """Standardised partial AUC (McClish), ``roc_auc_score(..., max_fpr=0.1)``, chance = 0.5."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores, max_fpr=max_fpr))


def check_scores(scores: np.ndarray, who: str) -> np.ndarray:
    arr = np.asarray(scores, dtype=np.float64).ravel()
    if not np.isfinite(arr).all():
        raise ContractError(f"{who} returned {int((~np.isfinite(arr)).sum())} non-finite scores")
    return arr


#: fewer clips than this of either class make an AUC too uncertain to rank pipelines by
MIN_CLIPS_PER_CLASS = 5


def auc_flags(labels: np.ndarray, scores: np.ndarray) -> list[str]:
    """Why an AUC deserves a warning: ``few_clips`` (fewer than :data:`MIN_CLIPS_PER_CLASS` normal or
    anomalous test clips) and ``constant_scores`` (every clip scored alike: 0.5 by construction)."""
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    out = []
    if min(int((labels == 0).sum()), int((labels == 1).sum())) < MIN_CLIPS_PER_CLASS:
        out.append("few_clips")
    if scores.size and float(np.ptp(scores)) == 0.0:
        out.append("constant_scores")
    return out


def _both_classes(labels: np.ndarray) -> bool:
    return bool((labels == 0).any() and (labels == 1).any())


def domain_metrics(labels: np.ndarray, scores: np.ndarray, domains: Sequence[str]) -> dict[str, float]:
    """Per-domain AUCs of the 2021 and the 2022+ definitions (absent where a class is missing)."""
    labels, scores, names = np.asarray(labels), np.asarray(scores), np.asarray(domains)
    out: dict[str, float] = {}
    for d in sorted(set(names.tolist())):
        own = names == d
        if _both_classes(labels[own]):  # 2021: this domain's normals and anomalies
            out[f"auc_{d}_2021"] = auc(labels[own], scores[own])
            out[f"pauc_{d}_2021"] = pauc(labels[own], scores[own])
        mixed = own | (labels == 1)  # 2022+: this domain's normals and every anomaly
        if _both_classes(labels[mixed]) and (labels[own] == 0).any():
            out[f"auc_{d}"] = auc(labels[mixed], scores[mixed])
    return out


def gamma_threshold(train_scores: np.ndarray, quantile: float = 0.9) -> float:
    """The DCASE baselines' threshold: a quantile of a gamma law fitted to the training scores.

    Anomaly scores may be negative (negated log-likelihoods): they are shifted to start just
    above zero before the fit, and the threshold shifted back.
    """
    from scipy import stats

    x = np.asarray(train_scores, dtype=np.float64)
    shift = min(0.0, float(x.min())) - 1e-6 * (abs(float(x.min())) + 1.0) if x.min() <= 0 else 0.0
    shape, loc, scale = stats.gamma.fit(x - shift)
    return float(stats.gamma.ppf(quantile, shape, loc=loc, scale=scale) + shift)


def decision_threshold(train_scores: np.ndarray, quantile: float = 0.9) -> tuple[float, str]:
    """:func:`gamma_threshold`, or the empirical quantile of the training scores where a gamma
    law cannot be fitted (too few or identical scores, scipy's FitError): ``(threshold, method)``."""
    x = np.asarray(train_scores, dtype=np.float64)
    if x.size >= 3 and np.ptp(x) > 0:
        try:
            threshold = gamma_threshold(x, quantile)
            if np.isfinite(threshold):
                return threshold, "gamma"
        except Exception as exc:  # scipy.stats.FitError, RuntimeError, ...
            log.warning("no gamma law fits the %d training scores (%s); the threshold is their empirical "
                        "%.2f quantile", x.size, exc, quantile)
    return float(np.quantile(x, quantile)), "empirical"


def decision_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 of ``score > threshold`` as anomalous."""
    from sklearn.metrics import precision_recall_fscore_support

    pred = (np.asarray(scores) > threshold).astype(int)
    p, r, f, _ = precision_recall_fscore_support(labels, pred, average="binary", zero_division=0)
    return {"threshold": float(threshold), "precision": float(p), "recall": float(r), "f1": float(f)}


def hmean(values: Iterable[float]) -> float:
    """Harmonic mean (scipy), as the DCASE 2021+ evaluators."""
    from scipy.stats import hmean as _hmean

    vals = np.asarray(list(values), dtype=np.float64)
    if vals.size == 0:
        return float("nan")
    return float(_hmean(np.maximum(vals, np.finfo(float).eps)))


def official_score(year: int | None, rows: Sequence[Mapping[str, Any]]) -> float:
    """One number for a set of per-task results of one (extractor, detector, seed).

    ``rows`` hold ``auc``, ``pauc`` and the per-domain entries of :func:`domain_metrics`.
    2020 and datasets without a year: mean of all AUCs and pAUCs. 2021: harmonic mean of every
    domain's AUC and pAUC. 2022 on: harmonic mean of AUC(source), AUC(target) and pAUC.
    """
    if not rows:
        return float("nan")
    if year is None or year <= 2020:
        return float(np.mean([r["auc"] for r in rows] + [r["pauc"] for r in rows]))
    if year == 2021:
        vals = [v for r in rows for k, v in r.items() if k.endswith("_2021") and v is not None]
        return hmean(vals)
    vals = [r[k] for r in rows for k in ("auc_source", "auc_target") if r.get(k) is not None]
    return hmean(vals + [r["pauc"] for r in rows])
