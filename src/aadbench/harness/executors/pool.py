"""Detector jobs in worker processes, one BLAS thread each (``--jobs N``).

CPU-bound detectors (scikit-learn's mixtures, OC-SVM, Isolation Forest, ...) fit one per core
instead of one after another; the coordinator alone commits their outcomes. Workers are forked
from a server that has the harness imported, so starting one is cheap. A job's failure comes back
as plain text (an exception of a plugin may not survive pickling).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from ..grid import CachedExtraction, DetectorJob, DetectorOutcome, Extraction
from ..protocol import ProtocolConfig

log = logging.getLogger(__name__)

#: environment variables that cap the threads of BLAS and OpenMP libraries in a worker
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class JobFailure:
    """How a job failed in a worker: its exception's type name and message."""

    error_type: str
    message: str


class RemoteJobError(Exception):
    """A detector job's failure in a worker process, as the coordinator stores it."""

    def __init__(self, failure: JobFailure) -> None:
        super().__init__(failure.message)
        self.error_type = failure.error_type


def _init_worker() -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # the libraries already loaded (numpy's BLAS)
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        pass


def run_in_worker(extraction: Extraction | CachedExtraction, job: DetectorJob, protocol: ProtocolConfig
                  ) -> DetectorOutcome | JobFailure:
    """One detector job, in a worker: its outcome or what went wrong."""
    from .work import run_detector

    try:
        loaded = extraction.load() if isinstance(extraction, CachedExtraction) else extraction
        return run_detector(loaded, job, protocol)
    except Exception as exc:
        return JobFailure(type(exc).__name__, str(exc))


class DetectorPool:
    """A bounded pool of worker processes: at most ``2 x jobs`` detector jobs in flight."""

    def __init__(self, jobs: int) -> None:
        self.jobs = int(jobs)
        self._executor: ProcessPoolExecutor | None = None
        self._pending: dict[Future[DetectorOutcome | JobFailure], Any] = {}

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["aadbench.harness.executors.pool", "aadbench.harness.executors.work"])
            self._executor = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_init_worker)
            log.debug("started %d detector worker processes", self.jobs)
        return self._executor

    def submit(self, extraction: Extraction, job: DetectorJob, protocol: ProtocolConfig, tag: Any
               ) -> Iterator[tuple[Any, DetectorOutcome | JobFailure]]:
        """Queue a job; yields the ``(tag, outcome)`` of jobs that finished while there was no room."""
        while len(self._pending) >= 2 * self.jobs:
            yield from self._completed(block=True)
        payload = extraction.by_reference()  # the cache's file paths instead of the features, where it can
        self._pending[self._pool().submit(run_in_worker, payload, job, protocol)] = tag

    def _completed(self, block: bool) -> Iterator[tuple[Any, DetectorOutcome | JobFailure]]:
        if not self._pending:
            return
        done, _ = wait(list(self._pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            tag = self._pending.pop(future)
            try:
                yield tag, future.result()
            except Exception as exc:  # the worker process died (out of memory, killed)
                yield tag, JobFailure(type(exc).__name__, str(exc) or "the worker process ended")

    def drain(self) -> Iterator[tuple[Any, DetectorOutcome | JobFailure]]:
        """Every job still in flight, as it finishes."""
        while self._pending:
            yield from self._completed(block=True)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> DetectorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None and self._executor is not None:  # interrupted: do not wait for the queue
            for future in self._pending:
                future.cancel()
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self.close()
