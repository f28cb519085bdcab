"""The conformance checks every component must pass."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..components import ANOMALOUS, NORMAL, UNKNOWN, Dataset, Detector, Extractor
from ..specs import ComponentSpec
from .data import blobs, tiny_waves


def _factory(component: Any, params: dict[str, Any]) -> Callable[[], Any]:
    if isinstance(component, ComponentSpec):
        return lambda: component.create(**params)
    return lambda: component(**params)


def check_extractor(component: Any, params: dict[str, Any] | None = None, *, seconds: float = 2.0,
                    atol: float = 1e-4) -> dict[str, Any]:
    """Shapes, dtype, finiteness and determinism of an extractor on tiny clips.

    ``component``: an :class:`ExtractorSpec`, a class or any factory; ``params`` are
    passed to it (use ``{"weights": "none"}`` for networks). Returns facts it measured.
    """
    make = _factory(component, params or {})
    extractor = make()
    assert isinstance(extractor, Extractor), f"{extractor!r} is not an aadbench.Extractor"
    sr = int(extractor.sample_rate)
    waves = tiny_waves(2, seconds, sr) + tiny_waves(1, seconds * 2, sr, seed=1)
    feats = extractor.extract(waves)
    assert isinstance(feats, list) and len(feats) == len(waves), "extract must return one array per waveform"
    dims = set()
    for f in feats:
        assert isinstance(f, np.ndarray) and f.ndim == 2, f"features must be 2-D arrays, got {getattr(f, 'shape', f)}"
        assert f.shape[0] >= 1, "every clip must give at least one segment"
        assert f.dtype == np.float32, f"features must be float32, got {f.dtype}"
        assert np.isfinite(f).all(), "features must be finite"
        dims.add(f.shape[1])
    assert len(dims) == 1, f"every clip must give the same feature dimension, got {sorted(dims)}"
    assert feats[2].shape[0] >= feats[0].shape[0], "a longer clip must not give fewer segments"
    again = make().extract(waves[:1])[0]
    np.testing.assert_allclose(again, feats[0], atol=atol, rtol=1e-4,
                               err_msg="two instances with the same parameters must give the same features")
    identity = extractor.identity()
    assert isinstance(identity, dict), "identity() must return a dict"
    return {"dim": dims.pop(), "segments": [f.shape[0] for f in feats]}


def check_detector(component: Any, params: dict[str, Any] | None = None, *, dim: int = 16,
                   seeded: bool = True) -> dict[str, Any]:
    """Contract, finiteness, determinism and score direction of a detector.

    Training features are standard normal; half the test rows are shifted far away and
    must score higher (higher = more anomalous).
    """
    make = _factory(component, params or {})
    X_train, X_test, is_far = blobs(dim=dim)
    detector = make()
    assert isinstance(detector, Detector), f"{detector!r} is not an aadbench.Detector"
    assert detector.fit(X_train) is detector, "fit must return self"
    scores = np.asarray(detector.score(X_test))
    assert scores.shape == (len(X_test),), f"score must return shape ({len(X_test)},), got {scores.shape}"
    assert np.isfinite(scores).all(), "scores must be finite"
    near, far = scores[~is_far], scores[is_far]
    assert far.min() > np.median(near), (
        "points far from the training data must score higher (score = anomaly score, higher = more anomalous); "
        f"far min {far.min():.4g} vs near median {np.median(near):.4g}")
    if seeded:
        again = make().fit(X_train).score(X_test)
        np.testing.assert_allclose(again, scores, rtol=1e-5, atol=1e-6,
                                   err_msg="the same parameters and data must give the same scores")
    return {"near_mean": float(near.mean()), "far_mean": float(far.mean())}


def check_dataset(dataset: Dataset, *, max_clips: int = 3) -> dict[str, Any]:
    """Tasks, clip keys and labels, and that audio loads as finite mono float32."""
    assert isinstance(dataset, Dataset), f"{dataset!r} is not an aadbench.Dataset"
    tasks = dataset.tasks()
    assert tasks, "a dataset must have at least one task"
    names = [t.name for t in tasks]
    assert len(set(names)) == len(names), f"task names must be unique: {names}"
    loaded = 0
    for task in tasks:
        keys = [c.key for c in task.clips]
        assert len(set(keys)) == len(keys), f"clip keys must be unique within {task.name}"
        assert all(c.label in (NORMAL, ANOMALOUS, UNKNOWN) for c in task.clips)
        assert any(c.label == NORMAL for c in task.clips), f"{task.name} has no normal clip to train on"
        for clip in task.clips[:max_clips]:
            wave = dataset.load(clip)
            assert isinstance(wave, np.ndarray) and wave.ndim == 1, f"load({clip.key}) must return a 1-D array"
            assert wave.dtype == np.float32 and wave.size > 0, f"load({clip.key}) must return non-empty float32"
            assert np.isfinite(wave).all(), f"load({clip.key}) returned non-finite samples"
            loaded += 1
    return {"tasks": len(tasks), "loaded": loaded}
