"""The decision threshold of a model: the DCASE baselines' gamma quantile of the training clip
scores (default 0.9), or the F1-best threshold on a labelled validation folder."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ConfigError
from ..metrics import decision_threshold

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
NORMAL_DIRS = ("normal",)
ANOMALOUS_DIRS = ("anomalous", "abnormal", "anomaly")


@dataclass(frozen=True)
class Threshold:
    value: float
    method: str
    quantile: float | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "method": self.method, "quantile": self.quantile, "detail": self.detail}


def choose_threshold(train_scores: np.ndarray, quantile: float = 0.9, *,
                     validation: tuple[np.ndarray, np.ndarray] | None = None, source: str = "") -> Threshold:
    if not 0.0 < quantile < 1.0:
        raise ConfigError(f"--threshold-quantile must be between 0 and 1, not {quantile}")
    if validation is None:
        value, how = decision_threshold(train_scores, quantile)
        what = "a gamma law fitted to" if how == "gamma" else "the empirical quantile of"
        return Threshold(value, how, quantile, f"the {quantile:g} quantile of {what} {len(train_scores)} "
                                               f"training clip scores")
    scores, labels = validation
    value, f1 = f1_best_threshold(scores, labels)
    n_anomalous = int(np.sum(labels == 1))
    return Threshold(value, "f1-validation", None,
                     f"the F1-best threshold (F1 {f1:.3f}) on {len(labels) - n_anomalous} normal and "
                     f"{n_anomalous} anomalous clips of {source}")


def f1_best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold (midway between neighbouring scores) whose ``score > t`` decision has the best F1."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=int)
    if not (y == 1).any() or not (y == 0).any():
        raise ConfigError("--validation needs normal and anomalous clips")
    values = np.unique(s)
    candidates = np.concatenate([[values[0] - 1.0], (values[:-1] + values[1:]) / 2, [values[-1] + 1.0]])
    best, best_f1 = float(candidates[0]), -1.0
    for t in candidates:
        pred = s > t
        tp = int(np.sum(pred & (y == 1)))
        fp, fn = int(np.sum(pred & (y == 0))), int(np.sum(~pred & (y == 1)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best, best_f1


def validation_files(root: str, task: str) -> tuple[list[str], list[int]]:
    """``root/normal`` and ``root/anomalous`` (or ``abnormal``), or the same under ``root/<task>``."""
    base = Path(root).expanduser()
    if (base / task).is_dir():
        base = base / task
    files: list[str] = []
    labels: list[int] = []
    for names, label in ((NORMAL_DIRS, 0), (ANOMALOUS_DIRS, 1)):
        for name in names:
            folder = base / name
            if folder.is_dir():
                found = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
                files += [str(p) for p in found]
                labels += [label] * len(found)
    if not files or 0 not in labels or 1 not in labels:
        raise ConfigError(f"--validation {root}: needs audio files in normal/ and anomalous/ (or abnormal/) "
                          f"under {base}")
    return files, labels
