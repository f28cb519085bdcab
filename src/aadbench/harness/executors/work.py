"""The grid's jobs as plain, picklable records, and the functions that run them anywhere.

An executor ships these records (names and parameters, never live objects) to wherever
the work runs; :func:`run_extraction` and :func:`run_detector` rebuild the components
there from the registry. Only the coordinator writes results.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...components import Clip, Task
from .. import jobs
from ..plan import create, feature_identity, full_params
from ..protocol import ProtocolConfig, split_task
from ..registry import Registry
from ..store import ClipScore, canonical_json


@dataclass(frozen=True)
class ExtractionJob:
    """Extract one task with one extractor (task x extractor)."""

    dataset: str
    dataset_params: dict[str, Any]
    extractor: str
    extractor_params: dict[str, Any]
    features_id: dict[str, Any]
    task: str
    skip_bad_files: bool = False
    cache_dir: str | None = None
    cache_key: str = "fingerprint"


@dataclass(frozen=True)
class DetectorJob:
    """Fit and score one detector on one seed's split (task x extractor x detector x seed)."""

    key: str
    detector: str
    params: dict[str, Any]
    seed: int


@dataclass
class TaskWork:
    """An extraction job and the detector jobs (not yet stored) that need its features."""

    extraction: ExtractionJob
    detectors: list[DetectorJob]


@dataclass(frozen=True)
class TaskLabels:
    """What detector jobs need of a task's clips: keys, labels, splits, domains (plain data)."""

    machine_type: str
    machine_id: str
    clips: tuple[tuple[str, int, str | None, str], ...]

    @classmethod
    def of(cls, task: Task) -> "TaskLabels":
        return cls(task.machine_type, task.machine_id, tuple((c.key, c.label, c.split, c.domain) for c in task.clips))

    def task(self) -> Task:
        return Task(self.machine_type, self.machine_id,
                    tuple(Clip(k, label, split=split, domain=domain) for k, label, split, domain in self.clips))


@dataclass
class Extracted:
    """An extraction job's result: the readable clips, their features and how they were had."""

    labels: TaskLabels
    features: list[np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)

    def task_features(self) -> jobs.TaskFeatures:
        return jobs.TaskFeatures(self.features, self.info["extract_s"], self.info["n_extracted_clips"])

    def __reduce__(self):
        # memory-mapped cache files travel as plain arrays
        return (Extracted, (self.labels, [np.asarray(f) for f in self.features], self.info))


@dataclass
class DetectorOutcome:
    """A detector job's result: the stored values, per-clip scores and its extraction's info."""

    values: dict[str, Any]
    scores: list[ClipScore]
    info: dict[str, Any]


class Components:
    """Datasets, extractors and caches built once per process (or per local run) and reused."""

    def __init__(self, registry: Registry | None = None) -> None:
        self._registry = registry
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            from ..registry import get_registry

            self._registry = get_registry()
        return self._registry

    def put(self, kind: str, name: str, params: dict[str, Any], obj: Any) -> None:
        self._built[_memo_key(kind, name, params)] = obj

    def get(self, kind: str, name: str, params: dict[str, Any]) -> Any:
        key = _memo_key(kind, name, params)
        with self._lock:
            if key not in self._built:
                if kind == "cache":
                    from ..cache import FeatureCache

                    self._built[key] = FeatureCache(params["root"], params["key_mode"])
                else:
                    spec = self.registry.get(kind, name)
                    self._built[key] = create(spec, full_params(spec, params))
            return self._built[key]


def _memo_key(kind: str, name: str, params: dict[str, Any]) -> str:
    return f"{kind}:{name}:{canonical_json(params)}"


#: the components of a worker process (Dask workers reuse their models between jobs)
_PROCESS_COMPONENTS: Components | None = None


def process_components() -> Components:
    global _PROCESS_COMPONENTS
    if _PROCESS_COMPONENTS is None:
        _PROCESS_COMPONENTS = Components()
    return _PROCESS_COMPONENTS


def run_extraction(job: ExtractionJob, components: Components | None = None, *,
                   progress: bool = False) -> Extracted:
    """Build the dataset and extractor named in ``job`` and extract its task (cache first)."""
    comp = components or process_components()
    dataset = comp.get("dataset", job.dataset, job.dataset_params)
    tasks = {t.name: t for t in dataset.tasks()}
    if job.task not in tasks:
        raise RuntimeError(f"dataset {job.dataset} has no task {job.task} here")
    task = tasks[job.task]
    extractor = comp.get("extractor", job.extractor, job.extractor_params)
    identity = extractor.identity()
    spec = comp.registry.get("extractor", job.extractor)
    here = feature_identity(spec.name, {**full_params(spec, job.extractor_params), **identity})
    if canonical_json(here) != canonical_json(job.features_id):
        raise RuntimeError(f"the extractor {job.extractor} built here differs from the coordinator's "
                           f"(weights or versions?): {canonical_json(here)} != {canonical_json(job.features_id)}")
    cache = None
    if job.cache_dir is not None:
        cache = comp.get("cache", "", {"root": job.cache_dir, "key_mode": job.cache_key}).for_extractor(job.features_id)
    feats = jobs.extract_task(dataset, task, extractor, desc=f"{job.extractor} {task.name}", progress=progress,
                              cache=cache)
    kept, skipped = jobs.without_bad(task, feats.bad, job.skip_bad_files)
    info = {"extract_s": feats.seconds, "n_extracted_clips": feats.n_clips, "cache_hits": feats.cached,
            "skipped": skipped, "load_stats": dict(getattr(dataset, "load_stats", {}) or {}),
            "identity": identity, "device": identity.get("device", "cpu")}
    return Extracted(TaskLabels.of(kept), feats.features, info)


def prepare_split(extracted: Extracted, seed: int, protocol: ProtocolConfig) -> tuple[Task, jobs.Prepared]:
    task = extracted.labels.task()
    return task, jobs.prepare(extracted.task_features(), split_task(task, seed, protocol), protocol)


def run_detector(extracted: Extracted, job: DetectorJob, protocol: ProtocolConfig,
                 components: Components | None = None, prepared: tuple[Task, jobs.Prepared] | None = None
                 ) -> DetectorOutcome:
    """Fit the detector on the seed's training features, score its test clips."""
    comp = components or process_components()
    task, prep = prepared or prepare_split(extracted, job.seed, protocol)
    spec = comp.registry.get("detector", job.detector)
    detector = create(spec, job.params)
    values, scores = jobs.detector_job(detector, prep, task, protocol, spec.name)
    return DetectorOutcome(values, scores, extracted.info)
