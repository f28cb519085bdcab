"""Extracting a task: features of every clip, from the cache where there, else read and extracted.

Clips are read (decoded, resampled) by a small thread pool one chunk ahead of the extractor;
every clip extracted is written to the cache at once, so an interrupted extraction loses
nothing. Unreadable clips are collected and handled by the bad-file policy (:func:`without_bad`).
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..audio import AudioError, file_error, resample
from ..components import Clip, Dataset, Extractor, Task
from ..errors import ContractError, TaskError
from ..progress import bar
from .cache import ExtractorCache

log = logging.getLogger(__name__)

#: clips handed to an extractor at once (its own batching works across them); their features are
#: cached as soon as the call returns, so an interruption loses at most this many clips' work
CLIPS_PER_CALL = 8
#: threads that read (decode, resample) clips ahead of the extractor
DECODE_WORKERS = 2

Wave = np.ndarray | AudioError


@dataclass(frozen=True)
class TaskFeatures:
    """Per-clip segment features of one task (aligned with its readable clips), and their cost.

    ``bad`` maps the key of each clip that could not be read to its problem's kind and message; ``n_extracted``
    counts the clips extracted now, ``n_cached`` those read from the feature cache.
    """

    features: tuple[np.ndarray, ...]
    seconds: float
    n_extracted: int
    n_cached: int
    bad: dict[str, tuple[str, str]] = field(default_factory=dict)


def extract_task(dataset: Dataset, task: Task, extractor: Extractor, *, desc: str = "", progress: bool = True,
                 cache: ExtractorCache | None = None, decode_workers: int = DECODE_WORKERS) -> TaskFeatures:
    """Features of every clip of the task: from the cache where there, else loaded and extracted."""
    start = time.perf_counter()
    feats: dict[str, np.ndarray] = {}
    bad: dict[str, tuple[str, str]] = {}
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
            ready: list[tuple[Clip, np.ndarray]] = []
            for clip, wave in zip(chunk, waves):
                if isinstance(wave, AudioError):
                    bad[clip.key] = (wave.kind, str(wave))
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
    ordered = tuple(feats[c.key] for c in task.clips if c.key in feats)
    return TaskFeatures(ordered, time.perf_counter() - start, extracted, cached, bad)


def _extract_chunk(extractor: Extractor, ready: Sequence[tuple[Clip, np.ndarray]], feats: dict[str, np.ndarray],
                   cache: ExtractorCache | None, keys: dict[str, str]) -> None:
    if not ready:
        return
    out = extractor.extract([w for _, w in ready])
    if len(out) != len(ready):
        raise ContractError(f"extractor returned {len(out)} feature arrays for {len(ready)} clips")
    for (clip, _), f in zip(ready, out):
        _check_features(f, clip.key)
        feats[clip.key] = arr = np.asarray(f, dtype=np.float32)
        if cache is not None:
            cache.save(keys[clip.key], arr)


def _read_ahead(pool: ThreadPoolExecutor | None, dataset: Dataset, rate: int, clips: list[Clip]
                ) -> Iterator[tuple[list[Clip], list[Wave]]]:
    """Chunks of clips with their waveforms (or the AudioError that reading raised), one chunk ahead
    when there is a pool (else read in turn)."""
    def read(clip: Clip) -> Wave:
        try:
            return resample(dataset.load(clip), dataset.sample_rate, rate)
        except AudioError as exc:
            return exc
        except OSError as exc:  # a dataset that reads files its own way: the same typed problems
            return file_error(clip.path or clip.key, exc)

    chunks = [clips[i: i + CLIPS_PER_CALL] for i in range(0, len(clips), CLIPS_PER_CALL)]
    if pool is None:
        for chunk in chunks:
            yield chunk, [read(c) for c in chunk]
        return
    pending: list[Future[Wave]] = [pool.submit(read, c) for c in chunks[0]] if chunks else []
    for i, chunk in enumerate(chunks):
        current = pending
        pending = [pool.submit(read, c) for c in chunks[i + 1]] if i + 1 < len(chunks) else []
        yield chunk, [f.result() for f in current]


def is_test_clip(clip: Clip) -> bool:
    """A clip the task is scored on: a fixed ``test`` split, or an anomalous clip under the paper's hold-out."""
    return clip.split == "test" or (clip.split is None and clip.label != 0)


def without_bad(task: Task, bad: dict[str, tuple[str, str]], skip_bad_test: bool) -> tuple[Task, dict[str, int]]:
    """The task minus unreadable clips.

    A broken training clip (a fixed ``train`` split, or a normal clip under the paper's
    hold-out) is skipped with a warning; a broken test clip fails the task unless
    ``skip_bad_test``.
    """
    if not bad:
        return task, {"skipped_train": 0, "skipped_test": 0}
    is_test = {c.key: is_test_clip(c) for c in task.clips if c.key in bad}
    test_bad = [k for k, t in is_test.items() if t]
    if test_bad and not skip_bad_test:
        listing = "; ".join(bad[k][1] for k in test_bad[:5])
        raise TaskError(f"{len(test_bad)} test clip(s) of {task.name} cannot be read: {listing}"
                        f"{' ...' if len(test_bad) > 5 else ''}. Fix or remove them, or pass --skip-bad-files")
    for key, (_, message) in bad.items():
        log.warning("skipping %s clip of %s: %s", "test" if is_test[key] else "training", task.name, message)
    kept = tuple(c for c in task.clips if c.key not in bad)
    return Task(task.machine_type, task.machine_id, kept), {
        "skipped_train": len(bad) - len(test_bad), "skipped_test": len(test_bad)}


def _check_features(f: np.ndarray, key: str) -> None:
    if not isinstance(f, np.ndarray) or f.ndim != 2 or f.shape[0] == 0:
        raise ContractError(f"features of clip {key} have shape {getattr(f, 'shape', None)}, "
                            f"expected (n_segments, dim)")
    if not np.isfinite(f).all():
        raise ContractError(f"features of clip {key} contain NaN or infinite values")
