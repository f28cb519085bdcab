"""The two kinds of work in a grid, as plain functions: extract a task, run a detector job."""
from __future__ import annotations

import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..components import Clip, Dataset, Detector, Extractor, Task
from . import metrics
from .audio import AudioError, resample
from .progress import bar
from .protocol import ProtocolConfig, Split, Standardizer, pool, stack
from .store import ClipScore

if TYPE_CHECKING:
    from .cache import ExtractorCache

log = logging.getLogger(__name__)

#: clips handed to an extractor at once (its own batching works across them)
CLIPS_PER_CALL = 32
#: threads that read (decode, resample) clips ahead of the extractor
DECODE_WORKERS = 2


@dataclass
class TaskFeatures:
    """Per-clip segment features of one task (aligned with its clips), and their cost.

    ``bad`` maps the key of each clip that could not be read to the reason; ``n_clips``
    counts the clips extracted now, ``cached`` those read from the feature cache.
    """

    features: list[np.ndarray]
    seconds: float
    n_clips: int
    bad: dict[str, str] = field(default_factory=dict)
    cached: int = 0


def extract_task(dataset: Dataset, task: Task, extractor: Extractor, *, desc: str = "",
                 progress: bool = True, cache: "ExtractorCache | None" = None,
                 decode_workers: int = DECODE_WORKERS) -> TaskFeatures:
    """Features of every clip of the task: from the cache where there, else loaded and extracted.

    Clips are read by a small thread pool one chunk ahead of the extractor; every clip
    extracted is written to the cache at once, so an interrupted extraction loses nothing.
    Unreadable clips are collected in ``bad``.
    """
    start = time.perf_counter()
    feats: dict[str, np.ndarray] = {}
    bad: dict[str, str] = {}
    keys: dict[str, str] = {}
    todo = list(task.clips)
    if cache is not None and not cache.by_content:
        todo = []
        for clip in task.clips:
            keys[clip.key] = cache.clip_key(dataset, clip)
            hit = cache.load(keys[clip.key])
            if hit is None:
                todo.append(clip)
            else:
                feats[clip.key] = hit
    cached, extracted = len(feats), 0
    pool = ThreadPoolExecutor(decode_workers, thread_name_prefix="aadbench-decode") if decode_workers > 0 else None
    with bar(total=len(task.clips), desc=desc or task.name, unit="clip", enabled=progress) as pbar, \
            (pool or contextlib.nullcontext()):
        pbar.update(cached)
        for chunk, waves in _read_ahead(pool, dataset, extractor.sample_rate, todo):
            ready = []
            for clip, wave in zip(chunk, waves):
                if isinstance(wave, AudioError):
                    bad[clip.key] = str(wave)
                    continue
                if cache is not None and cache.by_content:
                    keys[clip.key] = cache.content_key(wave, extractor.sample_rate)
                    hit = cache.load(keys[clip.key])
                    if hit is not None:
                        feats[clip.key] = hit
                        cached += 1
                        continue
                ready.append((clip, wave))
            _extract_chunk(extractor, ready, feats, cache, keys)
            extracted += len(ready)
            pbar.update(len(chunk))
    ordered = [feats[c.key] for c in task.clips if c.key in feats]
    return TaskFeatures(ordered, time.perf_counter() - start, extracted, bad, cached)


def _extract_chunk(extractor: Extractor, ready: list, feats: dict, cache, keys: dict) -> None:
    if not ready:
        return
    out = extractor.extract([w for _, w in ready])
    if len(out) != len(ready):
        raise RuntimeError(f"extractor returned {len(out)} feature arrays for {len(ready)} clips")
    for (clip, _), f in zip(ready, out):
        _check_features(f, clip.key)
        feats[clip.key] = arr = np.asarray(f, dtype=np.float32)
        if cache is not None:
            cache.save(keys[clip.key], arr)


def _read_ahead(pool: ThreadPoolExecutor | None, dataset: Dataset, rate: int, clips: list[Clip]
                ) -> Iterator[tuple[list[Clip], list]]:
    """Chunks of clips with their waveforms (or the AudioError that reading raised), one chunk ahead
    when there is a pool (else read in turn)."""
    def read(clip: Clip):
        try:
            return resample(dataset.load(clip), dataset.sample_rate, rate)
        except AudioError as exc:
            return exc

    chunks = [clips[i: i + CLIPS_PER_CALL] for i in range(0, len(clips), CLIPS_PER_CALL)]
    if pool is None:
        for chunk in chunks:
            yield chunk, [read(c) for c in chunk]
        return
    pending = [pool.submit(read, c) for c in chunks[0]] if chunks else []
    for i, chunk in enumerate(chunks):
        current = pending
        pending = [pool.submit(read, c) for c in chunks[i + 1]] if i + 1 < len(chunks) else []
        yield chunk, [f.result() for f in current]


def without_bad(task: Task, bad: dict[str, str], skip_bad_test: bool) -> tuple[Task, dict[str, int]]:
    """The task minus unreadable clips.

    A broken training clip (a fixed ``train`` split, or a normal clip under the paper's
    hold-out) is skipped with a warning; a broken test clip fails the task unless
    ``skip_bad_test``.
    """
    if not bad:
        return task, {"skipped_train": 0, "skipped_test": 0}
    is_test = {c.key: c.split == "test" or (c.split is None and c.label != 0) for c in task.clips if c.key in bad}
    test_bad = [k for k, t in is_test.items() if t]
    if test_bad and not skip_bad_test:
        listing = "; ".join(bad[k] for k in test_bad[:5])
        raise RuntimeError(f"{len(test_bad)} test clip(s) of {task.name} cannot be read: {listing}"
                           f"{' ...' if len(test_bad) > 5 else ''}. Fix or remove them, or pass --skip-bad-files")
    for key, reason in bad.items():
        log.warning("skipping %s clip of %s: %s", "test" if is_test[key] else "training", task.name, reason)
    kept = tuple(c for c in task.clips if c.key not in bad)
    return Task(task.machine_type, task.machine_id, kept), {
        "skipped_train": len(bad) - len(test_bad), "skipped_test": len(test_bad)}


def _check_features(f: np.ndarray, key: str) -> None:
    if f.ndim != 2 or f.shape[0] == 0:
        raise RuntimeError(f"features of clip {key} have shape {f.shape}, expected (n_segments, dim)")
    if not np.isfinite(f).all():
        raise RuntimeError(f"features of clip {key} contain NaN or infinite values")


@dataclass
class Prepared:
    """Train and test segment features of one split, standardised."""

    X_train: np.ndarray
    X_test: np.ndarray
    owner: np.ndarray
    train_owner: np.ndarray
    split: Split


def prepare(task_features: TaskFeatures, split: Split, protocol: ProtocolConfig) -> Prepared:
    X_train, train_owner = stack(task_features.features, split.train)
    X_test, owner = stack(task_features.features, split.test)
    if protocol.standardize:
        scaler = Standardizer().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return Prepared(X_train, X_test, owner, train_owner, split)


def detector_job(detector: Detector, prepared: Prepared, task: Task, protocol: ProtocolConfig,
                 name: str) -> tuple[dict[str, Any], list[ClipScore]]:
    """Fit on train, score the test segments, pool per clip and measure."""
    t0 = time.perf_counter()
    fitted = detector.fit(prepared.X_train)
    if fitted is not detector and fitted is not None:
        detector = fitted
    t1 = time.perf_counter()
    seg = metrics.check_scores(detector.score(prepared.X_test), f"detector {name}")
    if seg.shape[0] != prepared.X_test.shape[0]:
        raise RuntimeError(f"detector {name} returned {seg.shape[0]} scores for {prepared.X_test.shape[0]} rows")
    t2 = time.perf_counter()
    test = prepared.split.test
    clip_scores = pool(seg, prepared.owner, len(test), protocol.pooling)
    clips = [task.clips[i] for i in test]
    labels = np.array([c.label for c in clips])
    values = {"auc": metrics.auc(labels, clip_scores), "pauc": metrics.pauc(labels, clip_scores),
              "fit_s": t1 - t0, "score_s": t2 - t1, "n_scored": len(test),
              "n_train_segments": int(prepared.X_train.shape[0]), **prepared.split.counts(task.clips)}
    extra = metrics.domain_metrics(labels, clip_scores, [c.domain for c in clips])
    if protocol.threshold_quantile:
        extra.update(_decision(detector, prepared, protocol, labels, clip_scores, name))
    values["metrics"] = extra
    scores = [ClipScore(c.key, c.label, float(s), c.domain) for c, s in zip(clips, clip_scores)]
    return values, scores


def _decision(detector: Detector, prepared: Prepared, protocol: ProtocolConfig, labels: np.ndarray,
              clip_scores: np.ndarray, name: str) -> dict[str, float]:
    """Precision / recall / F1 at the gamma-quantile threshold of the training clip scores."""
    train_seg = metrics.check_scores(detector.score(prepared.X_train), f"detector {name} (training data)")
    train_clips = pool(train_seg, prepared.train_owner, len(prepared.split.train), protocol.pooling)
    threshold, method = metrics.decision_threshold(train_clips, protocol.threshold_quantile)
    return {**metrics.decision_metrics(labels, clip_scores, threshold), "threshold_method": method}


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"

