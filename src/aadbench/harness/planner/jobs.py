"""The grid: every job's key, from the dataset's tasks and data, the extractors' identities and the
detectors' parameters; the jobs the store does not hold (for the data as it is now) are the work."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ... import weights as weights_api
from ...components import Dataset, Task
from ...errors import ConfigError, plural
from ...hardware import resolve_backend
from ...specs import ComponentSpec, ExtractorSpec
from ..grid import CacheOptions, Component, DetectorJob, ExtractionJob, Grid, RunPlan, TaskWork
from ..identity import detector_key, extractor_identity, features_id, fill
from ..registry import Registry, RegistryOptions
from .data import TaskData, describe_change, task_data

#: builds an extractor from its registered name and full parameters (memoised by the executor)
Build = Callable[[str, Mapping[str, Any]], Any]


def select_tasks(tasks: Sequence[Task], machines: Sequence[str] | None) -> list[Task]:
    """The tasks of the chosen machine types (all without a choice)."""
    if not machines:
        return list(tasks)
    known = sorted({t.machine_type for t in tasks})
    missing = [m for m in machines if m not in known]
    if missing:
        raise ConfigError(f"--machines {','.join(missing)}: the dataset has {', '.join(known)}")
    return [t for t in tasks if t.machine_type in machines]


@dataclasses.dataclass(frozen=True)
class GridContext:
    """What planning the grid needs besides the plan: the built dataset, where results are,
    how the work will run."""

    registry: Registry
    dataset: Dataset
    tasks: tuple[Task, ...]
    #: the stored successful jobs among the keys, with the digest of the data each was computed from
    stored: Callable[[Sequence[str]], Mapping[str, str | None]]
    #: the manifest stored for a data digest, if any (to say what changed)
    manifest: Callable[[str], Mapping[str, list[Any]] | None] = lambda digest: None
    cache: CacheOptions = CacheOptions()
    registry_options: RegistryOptions = RegistryOptions()
    progress: bool = True
    #: the device an extractor is built on to learn its identity (a Dask coordinator: cpu)
    identity_device: str | None = None
    build: Build | None = None


def plan_grid(plan: RunPlan, ctx: GridContext) -> Grid:
    """Every job's key, and the work for the jobs not stored yet for the data as it is now."""
    dataset_config = ctx.dataset.config()
    content = ctx.cache.key_mode == "content"
    data = {t.name: task_data(ctx.dataset, t, skip_bad_files=plan.skip_bad_files, content=content)
            for t in ctx.tasks}
    requires = {d.label: getattr(ctx.registry.get("detector", d.name), "requires", None) for d in plan.detectors}
    work: list[TaskWork] = []
    keys: list[str] = []
    notes: list[str] = []
    changed: dict[str, tuple[str, int]] = {}
    stored = legacy = 0
    for ext in plan.extractors:
        detectors = plan.pairs(ext, requires)
        if not detectors:
            continue
        spec = ctx.registry.get("extractor", ext.name)
        assert isinstance(spec, ExtractorSpec)
        planner = _ExtractorPlanner(plan, ctx, spec, ext, detectors, dataset_config, data)
        ext_work, ext_keys, ext_stored, note = planner.build()
        work += ext_work
        keys += ext_keys
        stored += ext_stored
        legacy += planner.legacy
        for task, old in planner.changed.items():
            changed[task] = (old, changed.get(task, (old, 0))[1] + planner.changed_jobs[task])
        notes += [note] if note else []
    notes += [f"{task}: {describe_change(ctx.manifest(old), data[task].manifest)} since its results were stored; "
              f"{plural(n, 'job')} computed again" for task, (old, n) in sorted(changed.items())]
    if legacy:
        one = legacy == 1
        notes.append(f"{plural(legacy, 'stored result')} {'predates' if one else 'predate'} the data check (no digest "
                     f"of {'its' if one else 'their'} data was stored): {'it is' if one else 'they are'} kept; "
                     f"--recompute computes everything again")
    order = {t.name: i for i, t in enumerate(ctx.tasks)}
    work.sort(key=lambda w: order[w.extraction.task])  # task-major: a task's extractors share one decode
    manifests = {d.digest: d for d in data.values()}
    return Grid(plan, tuple(work), tuple(keys), stored, tuple(notes), manifests)


class _ExtractorPlanner:
    """The jobs of one extractor: its identity (fetched only when there is work), keys, pending jobs."""

    def __init__(self, plan: RunPlan, ctx: GridContext, spec: ExtractorSpec, ext: Component,
                 detectors: Sequence[Component], dataset_config: Mapping[str, Any], data: Mapping[str, TaskData]
                 ) -> None:
        self.plan, self.ctx, self.spec, self.ext = plan, ctx, spec, ext
        self.detectors, self.dataset_config, self.data = detectors, dataset_config, data
        self.unkeyed = {d.label: ctx.registry.get("detector", d.name).unkeyed_defaults for d in detectors}
        #: tasks whose stored results were computed from other data: the old digest, and the jobs affected
        self.changed: dict[str, str] = {}
        self.changed_jobs: dict[str, int] = {}
        self.legacy = 0
        self.params = fill(ext.params, spec.defaults, ext.overrides,
                           device=ctx.identity_device or plan.device, offline=plan.offline)

    def _identity(self, fetch: bool) -> dict[str, Any]:
        build = self.ctx.build
        if self.spec.identity is None and build is not None:
            return {k: v for k, v in build(self.spec.name, self.params).identity().items() if k != "device"}
        return extractor_identity(self.spec, self.params, fetch=fetch)

    def build(self) -> tuple[list[TaskWork], list[str], int, str]:
        identity = self._identity(fetch=False)
        fid, jobs = self._jobs(identity)
        pending = self._pending(jobs)
        if pending and self.spec.identity is not None:
            fetched = self._identity(fetch=True)
            if fetched != identity:
                identity = fetched
                fid, jobs = self._jobs(fetched)
                pending = self._pending(jobs)
        keys = [j.key for _, task_jobs in jobs for j in task_jobs]
        weights = identity.get("weights")
        fallback = isinstance(weights, Mapping) and weights_api.is_fallback(dict(weights))
        note = ""
        if fallback and not pending:
            note = (f"{self.ext.label}: its pretrained weights are not cached, so these results use random weights; "
                    f"`aadbench weights fetch {self.spec.name}` (or --weights pretrained) computes pretrained ones")
        offline = self.plan.offline or fallback  # a download that failed here is not tried again by workers
        work = [TaskWork(self._extraction_job(task, fid, identity, offline=offline), tuple(todo))
                for task, todo in pending]
        return work, keys, len(keys) - sum(len(todo) for _, todo in pending), note

    def _jobs(self, identity: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[Task, list[DetectorJob]]]]:
        fid = features_id(self.spec, self.params, identity)
        protocol = self.plan.protocol.as_dict()
        out: list[tuple[Task, list[DetectorJob]]] = []
        for task in self.ctx.tasks:
            task_jobs: list[DetectorJob] = []
            for seed in self.plan.seeds:
                for det in self.detectors:
                    params = self._detector_params(det, seed)
                    key = detector_key(dataset=self.plan.dataset.label, dataset_config=self.dataset_config,
                                       task=task.name, features=fid, detector=det.label, detector_params=params,
                                       seed=seed, protocol=protocol, unkeyed=self.unkeyed[det.label])
                    task_jobs.append(DetectorJob(key, dataclasses.replace(det, params=params), seed))
            out.append((task, task_jobs))
        return fid, out

    def _detector_params(self, det: Component, seed: int) -> dict[str, Any]:
        spec = self.ctx.registry.get("detector", det.name)
        params = fill(det.params, spec.defaults, det.overrides, device=self.plan.device, random_state=seed,
                      progress=None if self.ctx.progress else False)
        if params.get("backend") == "auto":  # what auto means on this machine is part of the result
            params["backend"] = resolve_backend("auto", self.plan.device)
        return params

    def _pending(self, jobs: Sequence[tuple[Task, list[DetectorJob]]]) -> list[tuple[Task, list[DetectorJob]]]:
        """The jobs not stored for the data as it is now (all of them with ``recompute``)."""
        stored = {} if self.plan.recompute else self.ctx.stored([j.key for _, task_jobs in jobs for j in task_jobs])
        self.changed, self.changed_jobs, self.legacy = {}, {}, 0
        pending = []
        for task, task_jobs in jobs:
            digest, todo = self.data[task.name].digest, []
            for job in task_jobs:
                if job.key not in stored:
                    todo.append(job)
                elif stored[job.key] is None:  # stored before data digests existed
                    self.legacy += 1
                elif stored[job.key] != digest:
                    todo.append(job)
                    self.changed[task.name] = str(stored[job.key])
                    self.changed_jobs[task.name] = self.changed_jobs.get(task.name, 0) + 1
            if todo:
                pending.append((task, todo))
        return pending

    def _extraction_job(self, task: Task, fid: Mapping[str, Any], identity: Mapping[str, Any], *,
                        offline: bool) -> ExtractionJob:
        params = fill(self.ext.params, self.spec.defaults, self.ext.overrides, device=self.plan.device,
                      offline=offline)
        return ExtractionJob(dataset=self.plan.dataset, dataset_config=self.dataset_config,
                             machine_type=task.machine_type, machine_id=task.machine_id,
                             extractor=self.ext.with_params(**params), features_id=fid, identity=identity,
                             data_digest=self.data[task.name].digest,
                             skip_bad_files=self.plan.skip_bad_files, cache=self.ctx.cache,
                             registry=self.ctx.registry_options)


def weights_requests(plan: RunPlan, registry: Registry) -> Iterable[tuple[str, tuple[Any, ...], str]]:
    """``(label, weights files, choice)`` of every extractor, for :func:`aadbench.weights.preflight`."""
    for ext in plan.extractors:
        spec = registry.get("extractor", ext.name)
        files = getattr(spec, "weights", ())
        yield ext.label, tuple(files), str(ext.params.get("weights", "auto"))


def spec_of(registry: Registry, component: Component) -> ComponentSpec:
    return registry.get(component.kind, component.name)
