"""The evaluation protocol: the paper's per-ID hold-out split, standardisation, pooling."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..components import ANOMALOUS, NORMAL, Clip, Task
from ..errors import ConfigError, TaskError

POOLINGS = ("mean", "median", "max")


@dataclass(frozen=True)
class ProtocolConfig:
    """``n_test`` None means min(max_test, anomalous clips, half the normal clips).

    ``threshold_quantile``: the quantile of the gamma law fitted to the training clip
    scores used as decision threshold for precision / recall / F1 (0 = no threshold).
    """

    n_test: int | None = None
    max_test: int = 150
    standardize: bool = True
    pooling: str = "mean"
    threshold_quantile: float = 0.9

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise ConfigError(f"pooling {self.pooling!r} is not one of {', '.join(POOLINGS)}")
        if not 0.0 <= self.threshold_quantile < 1.0:
            raise ConfigError(f"threshold_quantile must be in [0, 1), not {self.threshold_quantile}")
        if self.n_test is not None and self.n_test < 1:
            raise ConfigError(f"n_test must be at least 1, not {self.n_test}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Split:
    """Indices into the task's clips."""

    train: np.ndarray
    test: np.ndarray
    kind: str  # "paper" (drawn per seed) or "given" (fixed by the dataset)

    def counts(self, clips: Sequence[Clip]) -> dict[str, int]:
        labels = np.array([clips[i].label for i in self.test], dtype=int)
        return {"n_train": int(len(self.train)), "n_test_normal": int((labels == NORMAL).sum()),
                "n_test_anomalous": int((labels == ANOMALOUS).sum())}


def split_task(task: Task, seed: int, config: ProtocolConfig) -> Split:
    """The dataset's own split where every clip has one, else the paper's hold-out."""
    splits = {c.split for c in task.clips}
    if splits <= {"train", "test"}:
        idx = np.arange(len(task.clips))
        is_train = np.array([c.split == "train" for c in task.clips])
        return Split(idx[is_train], idx[~is_train], "given")
    if None not in splits or len(splits) > 1:
        raise TaskError(f"task {task.name}: some clips have a fixed split and some do not")
    return paper_split(task, seed, config)


def paper_split(task: Task, seed: int, config: ProtocolConfig) -> Split:
    """Hold out n random normal and n random anomalous clips; all other normal clips train.

    Clips are ordered by key first, so the split depends only on the keys, the seed
    and the counts (the same on generated and on written-then-read data).
    """
    order = sorted(range(len(task.clips)), key=lambda i: task.clips[i].key)
    normal = np.array([i for i in order if task.clips[i].label == NORMAL], dtype=int)
    anomalous = np.array([i for i in order if task.clips[i].label == ANOMALOUS], dtype=int)
    n = config.n_test if config.n_test is not None else min(config.max_test, len(anomalous), len(normal) // 2)
    if n < 1 or len(anomalous) < n or len(normal) - n < 1:
        raise TaskError(
            f"task {task.name}: cannot hold out {n} normal and {n} anomalous clips from "
            f"{len(normal)} normal and {len(anomalous)} anomalous (at least one normal clip must remain to train)")
    rng = np.random.default_rng(seed)
    test_normal = rng.choice(normal, size=n, replace=False)
    test_anomalous = rng.choice(anomalous, size=n, replace=False)
    train = np.setdiff1d(normal, test_normal)
    return Split(np.sort(train), np.concatenate([np.sort(test_normal), np.sort(test_anomalous)]), "paper")


class Standardizer:
    """Feature standardisation fitted on the training features (float64 statistics)."""

    def fit(self, X: np.ndarray) -> Standardizer:
        X64 = np.asarray(X, dtype=np.float64)
        self.mean_ = X64.mean(axis=0)
        std = X64.std(axis=0)
        self.scale_ = np.where(std > 1e-8, std, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        out: np.ndarray = ((np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_).astype(np.float32)
        return out


def stack(features: Sequence[np.ndarray], indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the segment features of the given clips; also each row's clip position."""
    parts = [features[i] for i in indices]
    owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    stacked: np.ndarray = np.concatenate(parts).astype(np.float32, copy=False)
    return stacked, owner


def pool(segment_scores: np.ndarray, owner: np.ndarray, n_clips: int, how: str = "mean") -> np.ndarray:
    """Clip score from its segment scores (the paper: the mean, eq. 1)."""
    reduce = _POOLS[how]
    out = np.empty(n_clips, dtype=np.float64)
    for j in range(n_clips):
        out[j] = reduce(segment_scores[owner == j])
    return out


_POOLS: dict[str, Callable[[np.ndarray], Any]] = {"mean": np.mean, "median": np.median, "max": np.max}
