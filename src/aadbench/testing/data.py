"""Tiny synthetic inputs for fast tests."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..components import Dataset


def tiny_waves(n: int = 2, seconds: float = 2.0, sample_rate: int = 16000, seed: int = 0) -> list[np.ndarray]:
    """``n`` short machine-like clips (a fan of the synthetic dataset), float32 mono."""
    from ..datasets.synthetic.generator import generate_clip

    return [generate_clip("fan", "id_00", 0, i, seed=seed, duration=seconds, sample_rate=sample_rate)[0]
            for i in range(n)]


def tiny_synthetic(**overrides: Any) -> Dataset:
    """A small synthetic dataset: one machine, one ID, 2 s clips, 6 normal and 3 anomalous."""
    from ..datasets.synthetic.dataset import SyntheticDataset

    params = {"machines": ["fan"], "ids": ["id_00"], "n_normal": 6, "n_anomalous": 3, "duration": 2.0}
    return SyntheticDataset(**{**params, **overrides})


def blobs(n_train: int = 300, n_test: int = 60, dim: int = 16, shift: float = 6.0,
          seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard-normal training features; test rows half from the same law, half shifted far away.

    Returns ``(X_train, X_test, is_far)``.
    """
    rng = np.random.default_rng(seed)
    X_train = rng.standard_normal((n_train, dim)).astype(np.float32)
    near = rng.standard_normal((n_test // 2, dim))
    far = rng.standard_normal((n_test - n_test // 2, dim)) + shift
    is_far = np.r_[np.zeros(len(near), bool), np.ones(len(far), bool)]
    return X_train, np.vstack([near, far]).astype(np.float32), is_far
