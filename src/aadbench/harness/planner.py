"""The planner: from what the user asked to the jobs left to compute.

:func:`plan_run` resolves names (``timm:<model>``, ``<extractor>@<layer>``), adds the
extractors that detectors require, converts and checks every parameter, and returns the
run's :class:`~.grid.RunPlan`. :func:`plan_grid` computes every job's key from the dataset,
the extractors' identities (without building them where their record can say it) and the
detectors' parameters, and keeps the jobs the store does not hold yet: a run with nothing
left to compute builds no network and touches no network connection.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .. import weights as weights_api
from ..components import Dataset, Task
from ..errors import ConfigError, ParameterError
from ..specs import ComponentSpec, ExtractorSpec
from .grid import CacheOptions, Component, DetectorJob, ExtractionJob, Grid, RunPlan, RunRequest, TaskWork
from .identity import detector_key, extractor_identity, features_id, fill
from .names import ParsedName, parse_name
from .params import apply
from .protocol import ProtocolConfig
from .registry import Registry, RegistryOptions

DEFAULT_DATASET = "synthetic"
PROTOCOL = "protocol"

#: builds an extractor from its registered name and full parameters (memoised by the executor)
Build = Callable[[str, Mapping[str, Any]], Any]


# -- the run's configuration ---------------------------------------------------------------------

def plan_run(request: RunRequest, registry: Registry) -> RunPlan:
    """Resolve and check everything the user asked for; fail before any work."""
    parsed = _parse(request, registry)
    datasets = parsed["dataset"]
    if len(datasets) > 1:
        raise ConfigError(f"one dataset per run, got {', '.join(p.label for p in datasets)}")
    dataset = datasets[0] if datasets else parse_name(DEFAULT_DATASET, registry, "dataset")
    auto = _required(parsed["detector"], parsed["extractor"], registry)
    extractors = parsed["extractor"] + auto
    raw = {label: dict(values) for label, values in request.params.items()}
    protocol = _protocol(raw.pop(PROTOCOL, {}))
    if request.data_root is not None:
        spec = registry.get("dataset", dataset.name)
        if "data_root" not in spec.defaults:
            raise ConfigError(f"dataset {dataset.label!r} has no data_root parameter; drop --data-root")
        raw.setdefault(dataset.label, {}).setdefault("data_root", request.data_root)
    if request.weights is not None:
        for ext in extractors:
            if "weights" in registry.get("extractor", ext.name).defaults:
                raw.setdefault(ext.label, {}).setdefault("weights", request.weights)
    everything = [dataset, *extractors, *parsed["detector"]]
    unknown = sorted(set(raw) - {p.label for p in everything})
    if unknown:
        raise ParameterError(f"--set {unknown[0]}.…: {unknown[0]!r} is not part of this run (its components: "
                             f"{', '.join(p.label for p in everything)}, {PROTOCOL})")
    auto_labels = {p.label for p in auto}
    plan = RunPlan(
        dataset=_component(dataset, registry, raw),
        extractors=tuple(_component(p, registry, raw, auto=p.label in auto_labels) for p in extractors),
        detectors=tuple(_component(p, registry, raw) for p in parsed["detector"]),
        seeds=tuple(range(_seeds(request.seeds))),
        machines=tuple(request.machines) if request.machines else None,
        device=request.device, protocol=protocol, fail_fast=request.fail_fast,
        skip_bad_files=request.skip_bad_files, offline=request.offline)
    _check_choices(plan, registry)
    return plan


def _parse(request: RunRequest, registry: Registry) -> dict[str, list[ParsedName]]:
    out: dict[str, list[ParsedName]] = {"dataset": [], "extractor": [], "detector": []}
    given = [(text, None) for text in request.plugins] + [(text, "extractor") for text in request.extractors]
    given += [(text, "detector") for text in request.detectors]
    if request.dataset:
        given.append((request.dataset, "dataset"))
    for text, kind in given:
        parsed = parse_name(text, registry, kind)
        if parsed.params and parsed.kind == "dataset":
            raise ConfigError(f"{text!r}: datasets take no ':' or '@' arguments")
        if parsed.label not in {p.label for p in out[parsed.kind]}:
            out[parsed.kind].append(parsed)
    return out


def _required(detectors: Sequence[ParsedName], extractors: Sequence[ParsedName], registry: Registry
              ) -> list[ParsedName]:
    """The extractors that the detectors require and the user did not name."""
    chosen = {p.label for p in extractors}
    added: list[ParsedName] = []
    for det in detectors:
        need = getattr(registry.get("detector", det.name), "requires", None)
        if need is not None and need not in chosen:
            added.append(parse_name(need, registry, "extractor"))
            chosen.add(need)
    return added


def _component(parsed: ParsedName, registry: Registry, raw: Mapping[str, Mapping[str, Any]], *,
               auto: bool = False) -> Component:
    spec = registry.get(parsed.kind, parsed.name)
    given = apply(spec.label if parsed.label == spec.name else f"{spec.kind} {parsed.label!r}",
                  spec.defaults, raw.get(parsed.label, {}))
    overrides = {**parsed.params, **given}
    return Component(parsed.kind, parsed.label, spec.name, {**spec.defaults, **overrides}, overrides, auto)


def _protocol(values: Mapping[str, Any]) -> ProtocolConfig:
    defaults = {f.name: f.default for f in dataclasses.fields(ProtocolConfig)}
    converted = apply(PROTOCOL, {**defaults, "n_test": 0}, values)  # n_test 0: the paper's rule
    if converted.get("n_test") == 0:
        converted["n_test"] = None
    try:
        return ProtocolConfig(**{**defaults, **converted})
    except ValueError as exc:
        raise ParameterError(f"{PROTOCOL}: {exc}") from None


def _seeds(n: int) -> int:
    if int(n) < 1:
        raise ConfigError(f"--seeds must be at least 1, not {n}")
    return int(n)


def _check_choices(plan: RunPlan, registry: Registry) -> None:
    if not plan.detectors:
        raise ConfigError("no detector chosen: name one with --plugins or --detector (see `aadbench list`)")
    free = [d.label for d in plan.detectors if getattr(registry.get("detector", d.name), "requires", None) is None]
    if free and not [e for e in plan.extractors if not e.auto]:
        raise ConfigError(f"no extractor chosen for {', '.join(free)}: name one with --plugins or --extractor "
                          f"(see `aadbench list`)")


# -- the grid ------------------------------------------------------------------------------------

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
    done: Callable[[Sequence[str]], set[str]]
    cache: CacheOptions = CacheOptions()
    registry_options: RegistryOptions = RegistryOptions()
    progress: bool = True
    #: the device an extractor is built on to learn its identity (a Dask coordinator: cpu)
    identity_device: str | None = None
    build: Build | None = None


def plan_grid(plan: RunPlan, ctx: GridContext) -> Grid:
    """Every job's key, and the work for the jobs not stored yet."""
    dataset_config = ctx.dataset.config()
    requires = {d.label: getattr(ctx.registry.get("detector", d.name), "requires", None) for d in plan.detectors}
    work: list[TaskWork] = []
    keys: list[str] = []
    notes: list[str] = []
    stored = 0
    for ext in plan.extractors:
        detectors = plan.pairs(ext, requires)
        if not detectors:
            continue
        spec = ctx.registry.get("extractor", ext.name)
        assert isinstance(spec, ExtractorSpec)
        planner = _ExtractorPlanner(plan, ctx, spec, ext, detectors, dataset_config)
        ext_work, ext_keys, ext_stored, note = planner.build()
        work += ext_work
        keys += ext_keys
        stored += ext_stored
        notes += [note] if note else []
    return Grid(plan, tuple(work), tuple(keys), stored, tuple(notes))


class _ExtractorPlanner:
    """The jobs of one extractor: its identity (fetched only when there is work), keys, pending jobs."""

    def __init__(self, plan: RunPlan, ctx: GridContext, spec: ExtractorSpec, ext: Component,
                 detectors: Sequence[Component], dataset_config: Mapping[str, Any]) -> None:
        self.plan, self.ctx, self.spec, self.ext = plan, ctx, spec, ext
        self.detectors, self.dataset_config = detectors, dataset_config
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
                                       seed=seed, protocol=protocol)
                    task_jobs.append(DetectorJob(key, dataclasses.replace(det, params=params), seed))
            out.append((task, task_jobs))
        return fid, out

    def _detector_params(self, det: Component, seed: int) -> dict[str, Any]:
        spec = self.ctx.registry.get("detector", det.name)
        return fill(det.params, spec.defaults, det.overrides, device=self.plan.device, random_state=seed,
                    progress=None if self.ctx.progress else False)

    def _pending(self, jobs: Sequence[tuple[Task, list[DetectorJob]]]) -> list[tuple[Task, list[DetectorJob]]]:
        done = self.ctx.done([j.key for _, task_jobs in jobs for j in task_jobs])
        pending = [(task, [j for j in task_jobs if j.key not in done]) for task, task_jobs in jobs]
        return [(task, todo) for task, todo in pending if todo]

    def _extraction_job(self, task: Task, fid: Mapping[str, Any], identity: Mapping[str, Any], *,
                        offline: bool) -> ExtractionJob:
        params = fill(self.ext.params, self.spec.defaults, self.ext.overrides, device=self.plan.device,
                      offline=offline)
        return ExtractionJob(dataset=self.plan.dataset, dataset_config=self.dataset_config,
                             machine_type=task.machine_type, machine_id=task.machine_id,
                             extractor=self.ext.with_params(**params), features_id=fid, identity=identity,
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
