"""Extracting a task: features of every clip for every extractor of the run, each clip decoded once.

Clips are read (decoded at the dataset's rate) by a small thread pool one chunk ahead of the
extractors, so decoding overlaps the frontends and networks; each chunk is resampled once per
rate the extractors want and handed to every extractor that does not have the clips cached.
Features are cached as soon as a chunk is extracted, so an interruption loses at most one chunk.
Unreadable clips are collected and handled by the bad-file policy (:func:`without_bad`).
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
from ..errors import ContractError, TaskError, plural
from ..progress import bar
from .cache import ExtractorCache

log = logging.getLogger(__name__)

#: clips handed to an extractor at once on the CPU (its own batching works across them); their
#: features are cached as soon as the call returns, so an interruption loses at most this many
CLIPS_PER_CALL = 8
#: the same on a GPU, where batches must be large to fill the device
CLIPS_PER_CALL_GPU = 64
#: threads that read (decode) clips ahead of the extractors
DECODE_WORKERS = 2

Wave = np.ndarray | AudioError


@dataclass(frozen=True)
class TaskFeatures:
    """Per-clip segment features of one task (aligned with its readable clips), and their cost.

    ``bad`` maps the key of each clip that could not be read to its problem's kind and message;
    ``n_extracted`` counts the clips extracted now, ``n_cached`` those read from the feature
    cache, ``n_decoded`` the files this extraction decoded (shared by all its extractors).
    """

    features: tuple[np.ndarray, ...]
    seconds: float
    n_extracted: int
    n_cached: int
    bad: dict[str, tuple[str, str]] = field(default_factory=dict)
    n_decoded: int = 0
    #: the feature cache file of each clip (aligned with ``features``; empty without a cache)
    paths: tuple[str, ...] = ()


@dataclass
class _Member:
    """One extractor's side of a shared extraction."""

    extractor: Extractor
    cache: ExtractorCache | None
    feats: dict[str, np.ndarray] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    n_cached: int = 0
    n_extracted: int = 0
    seconds: float = 0.0

    def look_up(self, dataset: Dataset, clips: Sequence[Clip]) -> list[Clip]:
        """The clips not in the cache (every clip under content keys: their audio must be read first)."""
        if self.cache is None or self.cache.by_content:
            return list(clips)
        missing = []
        for clip in clips:
            self.keys[clip.key] = self.cache.clip_key(dataset, clip)
            hit = self.cache.load(self.keys[clip.key])
            if hit is None:
                missing.append(clip)
            else:
                self.feats[clip.key] = hit
        self.n_cached = len(self.feats)
        return missing


def extract_task(dataset: Dataset, task: Task, extractor: Extractor, *, desc: str = "", progress: bool = True,
                 cache: ExtractorCache | None = None, decode_workers: int = DECODE_WORKERS,
                 clips_per_call: int = CLIPS_PER_CALL) -> TaskFeatures:
    """Features of every clip of the task with one extractor (see :func:`extract_shared`)."""
    return extract_shared(dataset, task, [(extractor, cache)], desc=desc, progress=progress,
                          decode_workers=decode_workers, clips_per_call=clips_per_call)[0]


def extract_shared(dataset: Dataset, task: Task, extractors: Sequence[tuple[Extractor, ExtractorCache | None]], *,
                   desc: str = "", progress: bool = True, decode_workers: int = DECODE_WORKERS,
                   clips_per_call: int = CLIPS_PER_CALL) -> list[TaskFeatures]:
    """Features of every clip of the task for each extractor, every needed clip decoded once."""
    start = time.perf_counter()
    members = [_Member(ex, cache) for ex, cache in extractors]
    missing = {m_i: {c.key for c in m.look_up(dataset, task.clips)} for m_i, m in enumerate(members)}
    wanted = set().union(*missing.values()) if missing else set()
    todo = [c for c in task.clips if c.key in wanted]
    bad: dict[str, tuple[str, str]] = {}
    decode_wait = 0.0
    pool = ThreadPoolExecutor(decode_workers, thread_name_prefix="aadbench-decode") if decode_workers > 0 else None
    label = desc or (task.name if len(members) == 1 else f"{task.name} ({len(members)} extractors)")
    with bar(total=len(task.clips), desc=label, unit="clip", enabled=progress) as pbar, \
            (pool or contextlib.nullcontext()):
        pbar.update(len(task.clips) - len(todo))
        chunks = _read_ahead(pool, dataset, todo, clips_per_call)
        while True:
            t0 = time.perf_counter()
            item = next(chunks, None)
            decode_wait += time.perf_counter() - t0
            if item is None:
                break
            chunk, waves = item
            readable = []
            for clip, wave in zip(chunk, waves):
                if isinstance(wave, AudioError):
                    bad[clip.key] = (wave.kind, str(wave))
                else:
                    readable.append((clip, wave))
            by_rate: dict[int, list[np.ndarray]] = {}
            for m_i, member in enumerate(members):
                _feed(member, dataset, readable, missing[m_i], by_rate)
            pbar.update(len(chunk))
    share = decode_wait / max(1, len(members))
    elapsed = time.perf_counter() - start
    out = []
    for m in members:
        ordered = tuple(m.feats[c.key] for c in task.clips if c.key in m.feats)
        paths = tuple(str(m.cache.path(m.keys[c.key])) for c in task.clips if c.key in m.feats) \
            if m.cache is not None else ()
        seconds = m.seconds + share if len(members) > 1 else elapsed
        out.append(TaskFeatures(ordered, seconds, m.n_extracted, m.n_cached, dict(bad), n_decoded=len(todo),
                                paths=paths))
    return out


def _feed(member: _Member, dataset: Dataset, readable: Sequence[tuple[Clip, np.ndarray]], missing: set[str],
          by_rate: dict[int, list[np.ndarray]]) -> None:
    """Hand one chunk of decoded clips to one extractor (resampled once per rate for all of them)."""
    t0 = time.perf_counter()
    rate = int(member.extractor.sample_rate)
    if rate not in by_rate:
        by_rate[rate] = [resample(w, dataset.sample_rate, rate) for _, w in readable]
    ready: list[tuple[Clip, np.ndarray]] = []
    for (clip, _), wave in zip(readable, by_rate[rate]):
        if clip.key not in missing:
            continue
        cache = member.cache
        if cache is not None and cache.by_content:
            member.keys[clip.key] = cache.content_key(wave, rate)
            hit = cache.load(member.keys[clip.key])
            if hit is not None:
                member.feats[clip.key] = hit
                member.n_cached += 1
                continue
        ready.append((clip, wave))
    _extract_chunk(member.extractor, ready, member.feats, member.cache, member.keys)
    member.n_extracted += len(ready)
    member.seconds += time.perf_counter() - t0


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


def _read_ahead(pool: ThreadPoolExecutor | None, dataset: Dataset, clips: list[Clip], size: int
                ) -> Iterator[tuple[list[Clip], list[Wave]]]:
    """Chunks of clips with their waveforms at the dataset's rate (or the AudioError that reading
    raised), one chunk ahead when there is a pool (else read in turn)."""
    def read(clip: Clip) -> Wave:
        try:
            return dataset.load(clip)
        except AudioError as exc:
            return exc
        except OSError as exc:  # a dataset that reads files its own way: the same typed problems
            return file_error(clip.path or clip.key, exc)

    chunks = [clips[i: i + size] for i in range(0, len(clips), size)]
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
        raise TaskError(f"{plural(len(test_bad), 'test clip')} of {task.name} cannot be read: {listing}"
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
