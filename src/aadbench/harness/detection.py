"""A detector job: standardise one seed's split, fit on train, score the test clips, measure."""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..components import Detector, RowMeta, Task
from ..errors import ContractError, plural
from . import bootstrap, metrics
from .grid import ClipScore, JobMetrics
from .protocol import ProtocolConfig, Split, Standardizer, pool, stack


@dataclass(frozen=True)
class Prepared:
    """Train and test segment features of one split, standardised, with each row's clip position."""

    X_train: np.ndarray
    X_test: np.ndarray
    owner: np.ndarray
    train_owner: np.ndarray
    split: Split


def prepare(features: Sequence[np.ndarray], split: Split, protocol: ProtocolConfig) -> Prepared:
    X_train, train_owner = stack(features, split.train)
    X_test, owner = stack(features, split.test)
    if protocol.standardize:
        scaler = Standardizer().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return Prepared(X_train, X_test, owner, train_owner, split)


def fit_and_score(detector: Detector, prepared: Prepared, task: Task, protocol: ProtocolConfig,
                  name: str) -> tuple[JobMetrics, tuple[ClipScore, ...]]:
    """Fit on train, score the test segments, pool per clip and measure."""
    t0 = time.perf_counter()
    detector = fit_detector(detector, prepared.X_train, task, prepared.split.train, prepared.train_owner)
    t1 = time.perf_counter()
    seg = metrics.check_scores(detector.score(prepared.X_test), f"detector {name}")
    if seg.shape[0] != prepared.X_test.shape[0]:
        raise ContractError(f"detector {name} returned {plural(seg.shape[0], 'score')} for "
                            f"{plural(prepared.X_test.shape[0], 'row')}")
    t2 = time.perf_counter()
    test = prepared.split.test
    clip_scores = pool(seg, prepared.owner, len(test), protocol.pooling)
    clips = [task.clips[i] for i in test]
    labels = np.array([c.label for c in clips])
    extra: dict[str, Any] = metrics.domain_metrics(labels, clip_scores, [c.domain for c in clips])
    extra.update(bootstrap.intervals(labels, clip_scores))  # 95% intervals of AUC and pAUC, seeded
    flags = metrics.auc_flags(labels, clip_scores)
    if flags:
        extra["auc_flags"] = flags
    if protocol.threshold_quantile:
        extra.update(_decision(detector, prepared, protocol, labels, clip_scores, name, task))
    counts = prepared.split.counts(task.clips)
    result = JobMetrics(auc=metrics.auc(labels, clip_scores), pauc=metrics.pauc(labels, clip_scores),
                        n_train=counts["n_train"], n_test_normal=counts["n_test_normal"],
                        n_test_anomalous=counts["n_test_anomalous"], n_scored=len(test),
                        n_train_segments=int(prepared.X_train.shape[0]), fit_s=t1 - t0, score_s=t2 - t1,
                        metrics=extra)
    scores = tuple(ClipScore(c.key, c.label, float(s), c.domain) for c, s in zip(clips, clip_scores))
    return result, scores


def fit_detector(detector: Detector, X: np.ndarray, task: Task, train: np.ndarray, owner: np.ndarray) -> Detector:
    """``detector.fit(X)``, or ``fit(X, meta=...)`` for a detector that uses the rows' metadata;
    the fitted detector (``fit`` may return another object)."""
    if getattr(detector, "uses_metadata", False):
        meta = RowMeta.of_clips([task.clips[i] for i in train], owner, task.machine_id)
        fitted = detector.fit(X, meta=meta)  # type: ignore[call-arg]
    else:
        fitted = detector.fit(X)
    return fitted if fitted is not None else detector


def _decision(detector: Detector, prepared: Prepared, protocol: ProtocolConfig, labels: np.ndarray,
              clip_scores: np.ndarray, name: str, task: Task) -> dict[str, Any]:
    """Precision / recall / F1 at the gamma-quantile threshold of the training clip scores."""
    train_seg = metrics.check_scores(detector.score(prepared.X_train), f"detector {name} (training data)")
    train_clips = pool(train_seg, prepared.train_owner, len(prepared.split.train), protocol.pooling)
    threshold, method = metrics.decision_threshold(train_clips, protocol.threshold_quantile)
    out: dict[str, Any] = {**metrics.decision_metrics(labels, clip_scores, threshold), "threshold_method": method}
    domains = np.array(_test_domains(prepared, task))
    if len(set(domains.tolist())) > 1:  # DCASE 2021+: precision, recall and F1 per domain at the same threshold
        for d in sorted(set(domains.tolist())):
            own = domains == d
            if (labels[own] == 1).any():
                scores_d = metrics.decision_metrics(labels[own], clip_scores[own], threshold)
                out.update({f"{k}_{d}": v for k, v in scores_d.items() if k != "threshold"})
    return out


def _test_domains(prepared: Prepared, task: Task) -> list[str]:
    return [task.clips[i].domain for i in prepared.split.test]


def describe_error(exc: BaseException) -> str:
    """``Type: message``; a failure in a worker process keeps the type it had there."""
    return f"{getattr(exc, 'error_type', type(exc).__name__)}: {exc}"
