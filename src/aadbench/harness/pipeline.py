"""Runs a plan: extraction jobs (task x extractor) feed detector jobs (x detector x seed).

The runner is the coordinator: it plans the jobs not yet stored, hands them to an executor
(in-process or Dask) and commits each finished detector job on its own, so an interrupted or
killed run resumes where it stopped; a job already stored is never recomputed. Extracted
features go to the feature cache clip by clip, so a rerun with other detectors or seeds, or
after an interruption mid-extraction, extracts nothing twice. A run with nothing left to
compute builds no network, touches no network connection and is recorded as up to date.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..components import Dataset
from ..progress import GRID_FORMAT, bar
from . import environment
from .detection import describe_error
from .executors import Executor, make_executor
from .executors.work import Components
from .grid import CacheOptions, DetectorJob, DetectorOutcome, ExtractionStats, Grid, ResultRow, RunPlan, TaskWork
from .planner import GridContext, plan_grid, select_tasks
from .registry import Registry
from .store import ResultStore, RunCounts
from .store.writer import HEARTBEAT_S

log = logging.getLogger(__name__)

#: a run's status when it found every job of its grid stored
UP_TO_DATE = "up to date"


@dataclass(frozen=True)
class ExecutionOptions:
    """How a plan runs (not what it computes): cache, executor, progress bars, the command line."""

    cache: CacheOptions = CacheOptions()
    executor: str = "local"
    executor_options: Mapping[str, Any] = field(default_factory=dict)
    progress: bool = True
    command: str = ""


@dataclass
class RunReport:
    """What a run did, for its summary (counts and seconds summed over jobs)."""

    run_id: str
    keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    computed: int = 0
    skipped: int = 0
    failed: int = 0
    extract_s: float = 0.0
    extracted_clips: int = 0
    cached_clips: int = 0
    fit_s: float = 0.0
    score_s: float = 0.0
    #: files left out of the tasks this run extracted: (task, clip key, problem kind, message)
    problems: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: jobs another live run had claimed (it computes them)
    elsewhere: int = 0
    #: audio files decoded (once per task for all the extractors that needed them)
    decoded: int = 0


class Runner:
    """Plans a run's grid against the store, runs what is left, commits every job."""

    def __init__(self, registry: Registry, store: ResultStore, plan: RunPlan,
                 options: ExecutionOptions | None = None) -> None:
        self.registry, self.store, self.plan = registry, store, plan
        self.options = options or ExecutionOptions()
        self.components = Components(registry)

    def grid(self) -> Grid:
        """The planned grid: every job's key and the work left (nothing is computed)."""
        spec = self.registry.get("dataset", self.plan.dataset.name)
        dataset: Dataset = spec.create(**self.plan.dataset.params)
        self.components.put("dataset", spec.name, self.plan.dataset.params, dataset)
        tasks = select_tasks(dataset.tasks(), self.plan.machines)
        ctx = GridContext(registry=self.registry, dataset=dataset, tasks=tuple(tasks), stored=self.store.stored,
                          manifest=self.store.manifest,
                          cache=self.options.cache, registry_options=self.registry.options,
                          progress=self.options.progress,
                          identity_device="cpu" if self.options.executor == "dask" else None,
                          build=self.components.extractor)
        return plan_grid(self.plan, ctx)

    def run(self) -> RunReport:
        grid = self.grid()
        report = RunReport(run_id=uuid.uuid4().hex[:12], keys=grid.keys, notes=grid.notes, skipped=grid.n_stored)
        executor = self._executor() if grid.work else None
        self.store.start_run(report.run_id, command=self.options.command, config=self.plan.as_dict(),
                             versions=environment.versions(), host=environment.host(),
                             device=self._device_label(executor), n_jobs=len(grid.keys), n_stored=grid.n_stored)
        status = "failed"
        try:
            if executor is not None:
                self.store.save_manifests({d: (data.task, data.manifest) for d, data in grid.data.items()})
                total = sum(len(w.detectors) for w in grid.work)
                # the grid's bar on top (it stays), each task's and detector's bars below it
                with bar(total=total, desc="grid", unit="job", enabled=self.options.progress, position=0,
                         leave=True, bar_format=GRID_FORMAT) as overall, \
                        Heartbeat(self.store.path, report.run_id, lambda: (report.computed, report.failed)):
                    sink = _Sink(self.store, report, self.plan.protocol.as_dict(), recompute=self.plan.recompute,
                                 progress=overall)
                    executor.run(grid.work, self.plan.protocol, sink, fail_fast=self.plan.fail_fast)
            status = UP_TO_DATE if not grid.work else ("finished" if report.failed == 0 else "finished with failures")
        except (KeyboardInterrupt, SystemExit):
            status = "interrupted"
            raise
        finally:
            counts = RunCounts(len(grid.keys), report.computed, grid.n_stored, report.failed)
            self.store.finish_run(report.run_id, status, counts)
        return report

    def _executor(self) -> Executor:
        opts = dict(self.options.executor_options)
        if any(p.distribution == "(in-process)" for p in self.registry.plugins):
            opts["jobs"] = 1  # worker processes could not see plugins registered in this process
        return make_executor(self.options.executor, components=self.components, progress=self.options.progress,
                             **opts)

    def _device_label(self, executor: Executor | None) -> str:
        if executor is None:  # nothing to compute: torch is not even imported
            return self.plan.device
        if executor.name == "dask":
            return "dask"
        if self.plan.device == "cpu":
            return "cpu"  # no torch import to say so
        from ..devices import device_label, resolve_device

        return device_label(resolve_device(self.plan.device))


class Heartbeat:
    """Beats the run's heartbeat in the store every :data:`HEARTBEAT_S` seconds (its own connection)."""

    def __init__(self, path: Path, run_id: str, progress: Callable[[], tuple[int, int]] = lambda: (0, 0),
                 every: float = HEARTBEAT_S) -> None:
        self.path, self.run_id, self.every, self.progress = path, run_id, every, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="aadbench-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with ResultStore(self.path) as store:
                    store.heartbeat(self.run_id, *self.progress())
            except Exception as exc:  # a busy or vanished database must not stop the run
                log.debug("heartbeat of run %s failed: %s", self.run_id, exc)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _Sink:
    """Commits each detector job's outcome: the coordinator alone writes the store.

    Every executor settles every job here (``ok`` or ``failed``), so the grid's progress bar
    (``progress``, a :func:`~aadbench.progress.bar`) advances here; jobs another run claimed
    leave its total.
    """

    def __init__(self, store: ResultStore, report: RunReport, protocol: Mapping[str, Any], *,
                 recompute: bool = False, progress: Any = None) -> None:
        self.store, self.report, self.protocol, self.recompute = store, report, dict(protocol), recompute
        self.progress = progress
        self.counted: set[str] = set()
        self.decoded: set[str] = set()

    def _count(self, work: TaskWork, stats: ExtractionStats) -> None:
        """Extraction figures enter the report once per extraction."""
        ext = work.extraction
        tag = f"{ext.task}\0{ext.extractor.label}"
        if tag in self.counted:
            return
        self.counted.add(tag)
        if ext.task not in self.decoded:
            self.decoded.add(ext.task)
            self.report.decoded += stats.n_decoded
        self.report.extract_s += stats.seconds
        self.report.extracted_clips += stats.n_extracted
        self.report.cached_clips += stats.n_cached
        self.report.problems += [(ext.task, key, kind, message) for key, kind, message in stats.problems]

    def _row(self, work: TaskWork, job: DetectorJob, stats: ExtractionStats | None, **values: Any) -> ResultRow:
        ext = work.extraction
        identity = dict(stats.identity) if stats is not None and stats.identity else dict(ext.identity)
        weights = identity.get("weights")
        extra: dict[str, Any] = {}
        if stats is not None:
            extra = {"extract_s": stats.seconds, "n_extracted_clips": stats.n_extracted}
        return ResultRow(
            job_key=job.key, run_id=self.report.run_id, dataset=ext.dataset.label, dataset_config=ext.dataset_config,
            machine_type=ext.machine_type, machine_id=ext.machine_id, extractor=ext.extractor.label,
            extractor_config=identity, weights=str(identity.get("weights_label", "n/a")),
            pretrained=int(bool(weights.get("pretrained", False))) if isinstance(weights, Mapping) else 0,
            detector=job.detector.label, detector_config=job.detector.params, seed=job.seed,
            protocol=self.protocol, data_digest=ext.data_digest or None,
            device=stats.device if stats is not None else str(ext.extractor.params.get("device", "cpu")),
            **extra, **values)

    def claim(self, work: TaskWork) -> TaskWork | None:
        """The part of ``work`` this run now holds (the rest is claimed by a live run, or stored since)."""
        keys = [j.key for j in work.detectors]
        digest = None if self.recompute else work.extraction.data_digest  # recompute: stored ones too
        mine = set(self.store.claim(self.report.run_id, keys, digest))
        self.report.elsewhere += len(keys) - len(mine)
        if self.progress is not None and len(mine) < len(keys):  # another run computes those
            self.progress.total -= len(keys) - len(mine)
            self.progress.refresh()
        if not mine:
            return None
        return TaskWork(work.extraction, tuple(j for j in work.detectors if j.key in mine))

    def ok(self, work: TaskWork, job: DetectorJob, outcome: DetectorOutcome) -> None:
        self._count(work, outcome.stats)
        m, stats = outcome.metrics, outcome.stats
        metrics = {**m.metrics, "skipped_train": stats.skipped_train, "skipped_test": stats.skipped_test,
                   "load_stats": dict(stats.load_stats), "cache_hits": stats.n_cached}
        if stats.problems:
            metrics["skipped_kinds"] = dict(Counter(kind for _, kind, _ in stats.problems))
        row = self._row(work, job, stats, status="ok", auc=m.auc, pauc=m.pauc, n_train=m.n_train,
                        n_test_normal=m.n_test_normal, n_test_anomalous=m.n_test_anomalous, n_scored=m.n_scored,
                        n_train_segments=m.n_train_segments, fit_s=m.fit_s, score_s=m.score_s, metrics=metrics)
        self.store.save(row, outcome.scores)
        self.report.computed += 1
        self.report.fit_s += m.fit_s
        self.report.score_s += m.score_s
        self._settled()

    def failed(self, work: TaskWork, job: DetectorJob, exc: BaseException, stats: ExtractionStats | None) -> None:
        if stats is not None:  # the extraction worked: the detector failed
            self._count(work, stats)
            log.error("%s on %s (%s, seed %d) failed: %s", job.detector.label, work.extraction.task,
                      work.extraction.extractor.label, job.seed, describe_error(exc))
        self.store.save(self._row(work, job, stats, status="failed", error=describe_error(exc)))
        self.report.failed += 1
        self._settled()

    def _settled(self) -> None:
        if self.progress is not None:
            self.progress.update(1)
