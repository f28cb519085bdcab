"""The conformance checks every component must pass."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from ..components import ANOMALOUS, NORMAL, UNKNOWN, Dataset, Detector, Extractor
from ..specs import ComponentSpec, ExtractorSpec, load_ref
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
    json.dumps(identity, sort_keys=True)  # keys hang on it: it must be JSON data
    if isinstance(component, ExtractorSpec) and component.identity is not None:
        full = {**component.defaults, **(params or {}), **component.fixed}
        static = load_ref(component.identity)(full, False)
        built = {k: v for k, v in identity.items() if k != "device"}
        assert static == built, (
            f"the record's identity function must give what identity() of the built extractor gives (device aside):"
            f"\n  identity function: {static}\n  built extractor:   {built}")
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
    assert isinstance(dataset.sample_rate, int) and dataset.sample_rate > 0, "sample_rate must be a positive int"
    assert dataset.channel is None or isinstance(dataset.channel, (int, str)), "channel must be an int, a str or None"
    assert isinstance(dataset.describe(), str) and dataset.describe(), "describe() must name the dataset"
    for what, value in (("config()", dataset.config()), ("audio_config()", dataset.audio_config())):
        assert isinstance(value, dict), f"{what} must return a dict"
        json.dumps(value, sort_keys=True)  # results and cache keys store it: it must be JSON data
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
            fingerprint = dataset.fingerprint(clip)
            assert isinstance(fingerprint, str) and fingerprint == dataset.fingerprint(clip), (
                f"fingerprint({clip.key}) must be a string that stays the same while the audio does")
            loaded += 1
    stats = dataset.load_stats()
    assert isinstance(stats, dict) and all(isinstance(k, str) and isinstance(v, int) for k, v in stats.items()), (
        "load_stats() must return a dict of counts")
    skipped = dataset.skipped_files()
    assert all(isinstance(p, str) and isinstance(r, str) for p, r in skipped), (
        "skipped_files() must return (path, reason) pairs")
    notes = dataset.notes()
    assert isinstance(notes, list) and all(isinstance(n, str) for n in notes), "notes() must return strings"
    return {"tasks": len(tasks), "loaded": loaded, "load_stats": stats, "skipped": len(skipped)}
