"""Runs a plan: extraction jobs (task x extractor) feed detector jobs (x detector x seed).

The runner is the coordinator: it plans the jobs not yet stored, hands them to an executor
(in-process or Dask) and commits each finished detector job on its own, so an interrupted or
killed run resumes where it stopped; a job already stored is never recomputed. Extracted
features go to the feature cache clip by clip, so a rerun with other detectors or seeds, or
after an interruption mid-extraction, extracts nothing twice.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..components import Task
from . import environment, jobs
from .executors import Executor, make_executor
from .executors.work import Components, DetectorJob, DetectorOutcome, ExtractionJob, TaskWork
from .plan import RunConfig, add_required, create, detector_key, feature_identity, full_params, pairs_with, validate
from .registry import Registry
from .store import JobResult, ResultStore

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    run_id: str
    keys: list[str] = field(default_factory=list)
    computed: int = 0
    skipped: int = 0
    failed: int = 0
    extract_s: float = 0.0
    extracted_clips: int = 0
    cached_clips: int = 0
    fit_s: float = 0.0
    score_s: float = 0.0


@dataclass
class CacheOptions:
    """Where extracted features are cached (``root`` None: the default folder) and how clips are keyed."""

    enabled: bool = True
    root: str | None = None
    key_mode: str = "fingerprint"

    def resolved_root(self) -> str | None:
        if not self.enabled:
            return None
        from .cache import FeatureCache

        return str(FeatureCache(self.root, self.key_mode).root)


class Runner:
    def __init__(self, registry: Registry, store: ResultStore, config: RunConfig, *, command: str = "",
                 progress: bool = True, cache: CacheOptions | None = None, executor: str = "local",
                 executor_options: dict[str, Any] | None = None) -> None:
        add_required(config, registry)
        validate(config, registry)
        self.registry, self.store, self.config = registry, store, config
        self.command, self.progress = command, progress
        self.cache = cache if cache is not None else CacheOptions()
        self.executor_name, self.executor_options = executor, dict(executor_options or {})
        self.components = Components(registry)

    def run(self) -> RunReport:
        cfg = self.config
        ds_spec = self.registry.get("dataset", cfg.dataset.name)
        ds_params = full_params(ds_spec, cfg.dataset.params)
        dataset = create(ds_spec, ds_params)
        self.components.put("dataset", cfg.dataset.name, ds_params, dataset)
        tasks = self._tasks(dataset.tasks())
        report = RunReport(run_id=uuid.uuid4().hex[:12])
        executor = self._executor()
        from .devices import device_label, resolve_device

        device = "dask" if executor.name == "dask" else device_label(resolve_device(cfg.device))
        self.store.start_run(report.run_id, command=self.command, config=cfg.as_dict(),
                             versions=environment.versions(), host=environment.host(), device=device)
        status = "failed"
        try:
            works, self._bases = self._plan(dataset, ds_params, tasks, report)
            executor.run(works, cfg.protocol, _Sink(self, report), fail_fast=cfg.fail_fast)
            status = "finished" if report.failed == 0 else "finished with failures"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            self.store.finish_run(report.run_id, status)
        return report

    def _executor(self) -> Executor:
        return make_executor(self.executor_name, components=self.components, progress=self.progress,
                             **self.executor_options)

    def _tasks(self, tasks: list[Task]) -> list[Task]:
        wanted = self.config.machines
        if not wanted:
            return tasks
        known = sorted({t.machine_type for t in tasks})
        missing = [m for m in wanted if m not in known]
        if missing:
            raise ValueError(f"--machines {','.join(missing)}: the dataset has {', '.join(known)}")
        return [t for t in tasks if t.machine_type in wanted]

    def _plan(self, dataset, ds_params, tasks: list[Task], report: RunReport) -> tuple[list[TaskWork], dict]:
        """The extraction jobs and their detector jobs not yet stored; the stored row's base per extraction."""
        cfg = self.config
        works: list[TaskWork] = []
        bases: dict[int, dict[str, Any]] = {}
        cache_root = self.cache.resolved_root()
        for choice in cfg.extractors:
            detectors = [c for c in cfg.detectors
                         if pairs_with(choice, self.registry.get("detector", c.name).requires)]
            if not detectors:
                continue
            spec = self.registry.get("extractor", choice.component)
            params = full_params(spec, choice.params, device=self._extractor_device())
            identity = self.components.get("extractor", spec.name, params).identity()
            features_id = feature_identity(spec.name, {**full_params(spec, choice.params), **identity})
            run_params = full_params(spec, choice.params, device=cfg.device)
            for task in tasks:
                pending = self._pending(dataset, task, features_id, detectors, report)
                if not pending:
                    continue
                ext = ExtractionJob(cfg.dataset.name, ds_params, spec.name, run_params, features_id, task.name,
                                    cfg.skip_bad_files, cache_root, self.cache.key_mode)
                works.append(TaskWork(ext, pending))
                bases[id(works[-1])] = self._base(dataset, task, choice.name, identity)
        return works, bases

    def _extractor_device(self) -> str:
        # a Dask coordinator may have no GPU: there the extractor is built on the CPU only for its identity
        return "cpu" if self.executor_name == "dask" else self.config.device

    def _pending(self, dataset, task: Task, features_id, detectors, report: RunReport) -> list[DetectorJob]:
        cfg = self.config
        ds_name, ds_config = cfg.dataset.name, dataset.config()
        planned = []
        for seed in cfg.seeds:
            for det in detectors:
                spec = self.registry.get("detector", det.name)
                params = full_params(spec, det.params, device=cfg.device, seed=seed)
                if not self.progress and "progress" in spec.defaults and "progress" not in det.params:
                    params["progress"] = False  # --no-progress silences training bars too (not in job keys)
                key = detector_key(ds_name, ds_config, task, features_id, det.name, params, seed, cfg.protocol)
                report.keys.append(key)
                planned.append(DetectorJob(key, spec.name, params, seed))
        done = self.store.done_keys([j.key for j in planned])
        report.skipped += len(done)
        return [j for j in planned if j.key not in done]

    def _base(self, dataset, task: Task, ext_name: str, identity: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        return {"dataset": cfg.dataset.name, "dataset_config": dataset.config(), "machine_type": task.machine_type,
                "machine_id": task.machine_id, "extractor": ext_name, "extractor_config": identity,
                "weights": identity.get("weights_label", "n/a"),
                "pretrained": int(bool(identity.get("weights", {}).get("pretrained", False))),
                "protocol": cfg.protocol.as_dict(), "device": identity.get("device", "cpu")}


class _Sink:
    """Commits each detector job's outcome: the coordinator alone writes the store."""

    def __init__(self, runner: Runner, report: RunReport) -> None:
        self.runner, self.report = runner, report
        self.counted: set[int] = set()

    def _base(self, work: TaskWork, info: dict[str, Any] | None) -> dict[str, Any]:
        base = dict(self.runner._bases[id(work)])
        if info:
            identity = info.get("identity") or base["extractor_config"]
            base.update(extractor_config=identity, device=info.get("device", base["device"]),
                        extract_s=info["extract_s"], n_extracted_clips=info["n_extracted_clips"])
            if id(work) not in self.counted:
                self.counted.add(id(work))
                self.report.extract_s += info["extract_s"]
                self.report.extracted_clips += info["n_extracted_clips"]
                self.report.cached_clips += info.get("cache_hits", 0)
        return base

    def ok(self, work: TaskWork, job: DetectorJob, outcome: DetectorOutcome) -> None:
        values, info = dict(outcome.values), outcome.info
        extra = {**info.get("skipped", {}), "load_stats": info.get("load_stats", {}),
                 "cache_hits": info.get("cache_hits", 0)}
        values["metrics"] = {**values.get("metrics", {}), **extra}
        row = {**self._base(work, info), **values, "job_key": job.key, "run_id": self.report.run_id,
               "detector": job.detector, "detector_config": job.params, "seed": job.seed, "status": "ok"}
        self.runner.store.save(JobResult(row, outcome.scores))
        self.report.computed += 1
        self.report.fit_s += values["fit_s"]
        self.report.score_s += values["score_s"]

    def failed(self, work: TaskWork, job: DetectorJob, exc: BaseException, info: dict[str, Any] | None) -> None:
        if info is not None:  # the extraction worked: the detector failed
            log.error("%s on %s (%s, seed %d) failed: %s", job.detector, work.extraction.task,
                      work.extraction.extractor, job.seed, jobs.describe_error(exc))
        row = {**self._base(work, info), "job_key": job.key, "run_id": self.report.run_id,
               "detector": job.detector, "detector_config": job.params, "seed": job.seed, "status": "failed",
               "error": jobs.describe_error(exc)}
        self.runner.store.save(JobResult(row))
        self.report.failed += 1
