"""Runs a plan: extraction jobs (task x extractor) feed detector jobs (x detector x seed).

Each finished detector job is committed on its own, so an interrupted run resumes where
it stopped; a job already stored is never recomputed.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..components import Task
from . import environment, jobs
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
    fit_s: float = 0.0
    score_s: float = 0.0


@dataclass
class _Detector:
    name: str
    params: dict[str, Any]


class Runner:
    def __init__(self, registry: Registry, store: ResultStore, config: RunConfig, *, command: str = "",
                 progress: bool = True) -> None:
        add_required(config, registry)
        validate(config, registry)
        self.registry, self.store, self.config = registry, store, config
        self.command, self.progress = command, progress

    def run(self) -> RunReport:
        cfg = self.config
        ds_spec = self.registry.get("dataset", cfg.dataset.name)
        dataset = create(ds_spec, full_params(ds_spec, cfg.dataset.params))
        tasks = self._tasks(dataset.tasks())
        report = RunReport(run_id=uuid.uuid4().hex[:12])
        from .devices import device_label, resolve_device

        self.store.start_run(report.run_id, command=self.command, config=cfg.as_dict(),
                             versions=environment.versions(), host=environment.host(),
                             device=device_label(resolve_device(cfg.device)))
        status = "failed"
        try:
            for choice in cfg.extractors:
                self._run_extractor(choice, dataset, tasks, report)
            status = "finished" if report.failed == 0 else "finished with failures"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            self.store.finish_run(report.run_id, status)
        return report

    def _tasks(self, tasks: list[Task]) -> list[Task]:
        wanted = self.config.machines
        if not wanted:
            return tasks
        known = sorted({t.machine_type for t in tasks})
        missing = [m for m in wanted if m not in known]
        if missing:
            raise ValueError(f"--machines {','.join(missing)}: the dataset has {', '.join(known)}")
        return [t for t in tasks if t.machine_type in wanted]

    def _run_extractor(self, choice, dataset, tasks: list[Task], report: RunReport) -> None:
        cfg = self.config
        spec = self.registry.get("extractor", choice.name)
        extractor = create(spec, full_params(spec, choice.params, device=cfg.device))
        identity = extractor.identity()
        features_id = feature_identity(spec.name, {**full_params(spec, choice.params), **identity})
        detectors = [_Detector(c.name, c.params) for c in cfg.detectors
                     if pairs_with(choice, self.registry.get("detector", c.name).requires)]
        if not detectors:
            return
        for task in tasks:
            self._run_task(dataset, task, extractor, spec.name, identity, features_id, detectors, report)

    def _run_task(self, dataset, task, extractor, ext_name, identity, features_id, detectors, report) -> None:
        cfg = self.config
        ds_name, ds_config = cfg.dataset.name, dataset.config()
        pending: dict[int, list[tuple[str, Any, dict]]] = {}
        for seed in cfg.seeds:
            for det in detectors:
                spec = self.registry.get("detector", det.name)
                params = full_params(spec, det.params, device=cfg.device, seed=seed)
                key = detector_key(ds_name, ds_config, task, features_id, det.name, params, seed, cfg.protocol)
                report.keys.append(key)
                pending.setdefault(seed, []).append((key, spec, params))
        done = self.store.done_keys([k for jobs_ in pending.values() for k, _, _ in jobs_])
        report.skipped += len(done)
        todo = {s: [j for j in js if j[0] not in done] for s, js in pending.items()}
        if not any(todo.values()):
            return
        base = {"dataset": ds_name, "dataset_config": ds_config, "machine_type": task.machine_type,
                "machine_id": task.machine_id, "extractor": ext_name, "extractor_config": identity,
                "weights": identity.get("weights_label", "n/a"),
                "pretrained": int(bool(identity.get("weights", {}).get("pretrained", False))),
                "protocol": cfg.protocol.as_dict(), "device": identity.get("device", "cpu")}
        try:
            feats = jobs.extract_task(dataset, task, extractor, desc=f"{ext_name} {task.name}",
                                      progress=self.progress)
            base.update(extract_s=feats.seconds, n_extracted_clips=feats.n_clips)
            task, skipped = jobs.without_bad(task, feats.bad, cfg.skip_bad_files)
        except Exception as exc:
            if cfg.fail_fast:
                raise
            log.error("%s with %s: %s", task.name, ext_name, jobs.describe_error(exc))
            for seed, js in todo.items():
                for key, spec, params in js:
                    self._save_failure(report, base, key, spec.name, params, seed, exc)
            return
        report.extract_s += feats.seconds
        report.extracted_clips += feats.n_clips
        base["skipped"] = {**skipped, "load_stats": dict(getattr(dataset, "load_stats", {}) or {})}
        for seed, js in todo.items():
            self._run_seed(task, feats, seed, js, base, report)

    def _run_seed(self, task, feats, seed, js, base, report) -> None:
        from .protocol import split_task

        cfg = self.config
        prepared = jobs.prepare(feats, split_task(task, seed, cfg.protocol), cfg.protocol)
        for key, spec, params in js:
            try:
                detector = create(spec, params)
                values, scores = jobs.detector_job(detector, prepared, task, cfg.protocol, spec.name)
            except Exception as exc:
                if cfg.fail_fast:
                    raise
                log.error("%s on %s (%s, seed %d) failed: %s", spec.name, task.name, base["extractor"], seed,
                          jobs.describe_error(exc))
                self._save_failure(report, base, key, spec.name, params, seed, exc)
                continue
            values["metrics"] = {**values.get("metrics", {}), **base.get("skipped", {})}
            row = {**{k: v for k, v in base.items() if k != "skipped"}, **values, "job_key": key, "run_id": report.run_id, "detector": spec.name,
                   "detector_config": params, "seed": seed, "status": "ok"}
            self.store.save(JobResult(row, scores))
            report.computed += 1
            report.fit_s += values["fit_s"]
            report.score_s += values["score_s"]

    def _save_failure(self, report, base, key, name, params, seed, exc) -> None:
        row = {**{k: v for k, v in base.items() if k != "skipped"}, "job_key": key, "run_id": report.run_id,
               "detector": name, "detector_config": params,
               "seed": seed, "status": "failed", "error": jobs.describe_error(exc)}
        self.store.save(JobResult(row))
        report.failed += 1
