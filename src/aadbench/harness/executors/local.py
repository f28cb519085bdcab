"""The in-process executor: tasks one after another, each decoded once for all its extractors.

Detector jobs that run on the CPU go to :class:`~.pool.DetectorPool` workers when ``jobs`` > 1
(the coordinator extracts the next task meanwhile); jobs on a GPU, and every job with
``jobs`` = 1, run here, in order, each seed's split prepared once.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from itertools import groupby

from ...hardware import runs_on_gpu
from ..detection import Prepared, describe_error
from ..grid import DetectorJob, DetectorOutcome, Extraction, ExtractionStats, TaskWork
from ..protocol import ProtocolConfig
from . import Sink
from .pool import DetectorPool, JobFailure, RemoteJobError
from .work import Components, prepare_split, run_detector, run_extractions

log = logging.getLogger(__name__)


def by_task(works: Sequence[TaskWork]) -> Iterator[list[TaskWork]]:
    """Consecutive works of the same task (the planner orders them so)."""
    for _, group in groupby(works, key=lambda w: (w.extraction.task, w.extraction.dataset.label)):
        yield list(group)


def on_gpu(job: DetectorJob) -> bool:
    """Whether the job's detector runs on a GPU (it then stays in the coordinator, one at a time)."""
    params = job.detector.params
    if "device" not in params or not runs_on_gpu(str(params["device"])):
        return False
    return bool(params.get("backend", "torch") == "torch")  # a scikit-learn backend ignores the device


def _without_bars(job: DetectorJob) -> DetectorJob:
    if job.detector.params.get("progress") is True:
        return dataclasses.replace(job, detector=job.detector.with_params(progress=False))
    return job


class LocalExecutor:
    name = "local"

    def __init__(self, components: Components, *, progress: bool = True, jobs: int = 1) -> None:
        self.components, self.progress, self.jobs = components, progress, max(1, int(jobs))

    def run(self, works: Sequence[TaskWork], protocol: ProtocolConfig, sink: Sink, *, fail_fast: bool) -> None:
        with DetectorPool(self.jobs) as pool:
            for group in by_task(works):
                claimed = [w for w in (sink.claim(g) for g in group) if w is not None]
                for work, extraction in self._extract(claimed, sink, fail_fast):
                    self._detect(work, extraction, protocol, sink, pool, fail_fast)
            for (work, job, stats), outcome in pool.drain():
                self._settle(work, job, outcome, stats, sink, fail_fast)

    def _extract(self, works: list[TaskWork], sink: Sink, fail_fast: bool) -> list[tuple[TaskWork, Extraction]]:
        if not works:
            return []
        try:
            results = run_extractions([w.extraction for w in works], self.components, progress=self.progress)
        except Exception as exc:  # the task itself cannot be read
            results = [exc] * len(works)
        done = []
        for work, result in zip(works, results):
            if isinstance(result, Extraction):
                done.append((work, result))
                continue
            if fail_fast:
                raise result
            log.error("%s with %s: %s", work.extraction.task, work.extraction.extractor.label, describe_error(result))
            for job in work.detectors:
                sink.failed(work, job, result, None)
        return done

    def _detect(self, work: TaskWork, extraction: Extraction, protocol: ProtocolConfig, sink: Sink,
                pool: DetectorPool, fail_fast: bool) -> None:
        here = [j for j in work.detectors if self.jobs == 1 or on_gpu(j)]
        for job in work.detectors:
            if job not in here:
                quiet = _without_bars(job)  # bars of parallel workers would garble the terminal
                for (w, j, stats), outcome in pool.submit(extraction, quiet, protocol, (work, job, extraction.stats)):
                    self._settle(w, j, outcome, stats, sink, fail_fast)
        prepared: dict[int, Prepared | Exception] = {}
        for job in here:
            if job.seed not in prepared:
                try:
                    prepared[job.seed] = prepare_split(extraction, job.seed, protocol)
                except Exception as exc:
                    if fail_fast:
                        raise
                    prepared[job.seed] = exc
            split = prepared[job.seed]
            try:
                if isinstance(split, Exception):
                    raise split
                outcome = run_detector(extraction, job, protocol, self.components, split)
            except Exception as exc:
                if fail_fast:
                    raise
                sink.failed(work, job, exc, extraction.stats)
                continue
            sink.ok(work, job, outcome)

    def _settle(self, work: TaskWork, job: DetectorJob, outcome: DetectorOutcome | JobFailure,
                stats: ExtractionStats, sink: Sink, fail_fast: bool) -> None:
        if isinstance(outcome, DetectorOutcome):
            sink.ok(work, job, outcome)
            return
        error = RemoteJobError(outcome)
        if fail_fast:
            raise error
        sink.failed(work, job, error, stats)
