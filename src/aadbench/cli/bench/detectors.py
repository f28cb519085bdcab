"""Detector fit and score seconds at the paper's scale (15k training rows, 5.4k scored)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from . import DETECTORS, BenchResult, Scale


def paper_scale_features(n_train: int, n_test: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardised, correlated, clustered rows like CNN features (a low-rank mixture plus noise)."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((32, dim)) / np.sqrt(32)
    centres = rng.standard_normal((20, 32)) * 2.0

    def draw(n: int, shift: float) -> np.ndarray:
        z = centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, 32)) + shift
        return (z @ basis + 0.3 * rng.standard_normal((n, dim))).astype(np.float32)

    train = draw(n_train, 0.0)
    test = np.vstack([draw(n_test // 2, 0.0), draw(n_test - n_test // 2, 0.5)])
    mean, std = train.mean(0), train.std(0)
    return (train - mean) / std, (test - mean) / std


def bench_detectors(scale: Scale, result: BenchResult, log: Callable[[str], None], device: str = "cpu") -> None:
    """The paper's detectors at 15k x 512 (and Mahalanobis at 15k x 4096); on a GPU with its backends,
    at both widths."""
    from ...harness.registry import get_registry

    n_train, n_test, dim = scale.det_rows
    gpu = device.startswith("cuda")
    plan: list[tuple[str, int]] = [(name, dim) for name in (*DETECTORS, "knn", "mahalanobis")]
    if scale.det_wide:
        plan += [(name, scale.det_wide) for name in (("gmm", "bgmm", "kde", "knn", "mahalanobis") if gpu
                                                       else ("mahalanobis",))]
    registry = get_registry()
    features: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for name, width in plan:
        if width not in features:
            features[width] = paper_scale_features(n_train, n_test, width)
        X, Y = features[width]
        spec = registry.get("detector", name)
        wanted: dict[str, Any] = {"device": device, "random_state": 0, "backend": "torch" if gpu else "auto"}
        if name == "kde" and not gpu:
            wanted["backend"] = "torch"
        params = {k: v for k, v in wanted.items() if k in spec.defaults}
        det = spec.create(**params)
        t0 = time.perf_counter()
        det.fit(X)
        t1 = time.perf_counter()
        det.score(Y)
        _synchronise(device)
        t2 = time.perf_counter()
        key = name if width == dim else f"{name}_{width}"
        result.detectors[key] = {"fit_s": t1 - t0, "score_s": t2 - t1, "n_train": n_train, "n_scored": n_test,
                                 "dim": width, "backend": str(params.get("backend", "-"))}
        log(f"{key}: fit {t1 - t0:.2f} s, score {t2 - t1:.2f} s ({n_train} x {width} train, {n_test} scored)")
    result.summary["kde_score_s"] = result.detectors["kde"]["score_s"]
    wide = result.detectors.get(f"mahalanobis_{scale.det_wide}")
    if wide is not None:
        result.summary["mahalanobis_wide_s"] = wide["fit_s"] + wide["score_s"]


def _synchronise(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
