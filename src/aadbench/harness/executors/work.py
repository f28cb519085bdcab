"""The functions that run the grid's jobs anywhere, and the components a process builds once.

An executor ships job records (names and parameters, never live objects) to wherever the
work runs; :func:`run_extraction` and :func:`run_detector` rebuild the components there
from the registry. Only the coordinator writes results.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ...components import Dataset, Extractor, Task
from ...errors import ContractError, IdentityMismatchError, TaskError
from ...hardware import runs_on_gpu
from ..cache import ExtractorCache, FeatureCache
from ..detection import Prepared, fit_and_score, prepare
from ..extraction import CLIPS_PER_CALL, CLIPS_PER_CALL_GPU, TaskFeatures, extract_shared, without_bad
from ..grid import DetectorJob, DetectorOutcome, Extraction, ExtractionJob, ExtractionStats
from ..identity import canonical_json, features_id
from ..protocol import ProtocolConfig, split_task
from ..registry import Registry, RegistryOptions, get_registry


class Components:
    """Datasets, extractors and caches built once per process (or per local run) and reused."""

    def __init__(self, registry: Registry | None = None) -> None:
        self._registry = registry
        self._built: dict[str, Any] = {}
        self._lock = threading.Lock()

    def registry_for(self, options: RegistryOptions) -> Registry:
        if self._registry is None or self._registry.options != options:
            self._registry = get_registry(options)
        return self._registry

    @property
    def registry(self) -> Registry:
        return self._registry if self._registry is not None else get_registry()

    def put(self, kind: str, name: str, params: Mapping[str, Any], obj: Any) -> None:
        self._built[_memo_key(kind, name, params)] = obj

    def get(self, kind: str, name: str, params: Mapping[str, Any]) -> Any:
        """The component built from ``params`` (the registry's record fills in the rest)."""
        key = _memo_key(kind, name, params)
        with self._lock:
            if key not in self._built:
                spec = self.registry.get(kind, name)
                self._built[key] = spec.create(**params)
            return self._built[key]

    def cache(self, root: str, key_mode: str) -> FeatureCache:
        key = _memo_key("cache", root, {"key_mode": key_mode})
        with self._lock:
            if key not in self._built:
                self._built[key] = FeatureCache(root, key_mode)
            return self._built[key]  # type: ignore[no-any-return]

    def extractor(self, name: str, params: Mapping[str, Any]) -> Any:
        """For the planner: build (or reuse) an extractor to learn its identity."""
        return self.get("extractor", name, params)


def _memo_key(kind: str, name: str, params: Mapping[str, Any]) -> str:
    return f"{kind}:{name}:{canonical_json(dict(params))}"


#: the components of a worker process (Dask workers reuse their models between jobs)
_PROCESS_COMPONENTS: Components | None = None


def process_components() -> Components:
    global _PROCESS_COMPONENTS
    if _PROCESS_COMPONENTS is None:
        _PROCESS_COMPONENTS = Components()
    return _PROCESS_COMPONENTS


def run_extraction(job: ExtractionJob, components: Components | None = None, *, progress: bool = False
                   ) -> Extraction:
    """Build the dataset and extractor named in ``job`` and extract its task (cache first)."""
    (result,) = run_extractions([job], components, progress=progress)
    if isinstance(result, BaseException):
        raise result
    return result


def run_extractions(jobs: Sequence[ExtractionJob], components: Components | None = None, *,
                    progress: bool = False) -> list[Extraction | BaseException]:
    """The extraction jobs of one task, its clips decoded once for all of them.

    An extractor that cannot be built, or whose task cannot be scored (unreadable test clips),
    gives its exception in place of an :class:`Extraction`; the others go on.
    """
    comp = components or process_components()
    first = jobs[0]
    registry = comp.registry_for(first.registry)
    dataset: Dataset = comp.get("dataset", first.dataset.name, first.dataset.params)
    tasks = {t.name: t for t in dataset.tasks()}
    if first.task not in tasks:
        raise TaskError(f"dataset {first.dataset.label} has no task {first.task} here")
    task = tasks[first.task]
    results: list[Extraction | BaseException | None] = [None] * len(jobs)
    members: list[tuple[int, Extractor, ExtractorCache | None]] = []
    for i, job in enumerate(jobs):
        try:
            cached = _cached_only(comp, registry, job, dataset, task)
            members.append((i, *(cached or _build(comp, registry, job))))
        except Exception as exc:
            results[i] = exc
    if members:
        gpu = any(str(ex.identity().get("device", "cpu")).startswith("cuda") for _, ex, _ in members)
        before = dataset.load_stats()
        feats = extract_shared(dataset, task, [(ex, cache) for _, ex, cache in members], progress=progress,
                               clips_per_call=CLIPS_PER_CALL_GPU if gpu else CLIPS_PER_CALL)
        after = dataset.load_stats()
        load_stats = {k: v - before.get(k, 0) for k, v in after.items()}
        for (i, extractor, _), got in zip(members, feats):
            try:
                results[i] = _extraction(jobs[i], task, extractor, got, load_stats)
            except Exception as exc:
                results[i] = exc
    return [r for r in results if r is not None]


class _Unbuilt(Extractor):
    """Stands for an extractor whose every clip is in the feature cache: nothing to extract, nothing
    to build (its identity is the planned one, which its record computed without building it)."""

    def __init__(self, job: ExtractionJob) -> None:
        self.job = job

    def identity(self) -> dict[str, Any]:
        device = "cuda" if runs_on_gpu(str(self.job.extractor.params.get("device", "cpu"))) else "cpu"
        return {**self.job.identity, "device": device}

    def extract(self, waves: Sequence[Any]) -> list[Any]:
        raise ContractError(f"{self.job.extractor.label} was not built: every clip was expected in the cache")


def _cached_only(comp: Components, registry: Registry, job: ExtractionJob, dataset: Dataset, task: Task
                 ) -> tuple[Extractor, ExtractorCache] | None:
    """Skip building the extractor when its record gives its identity and the cache holds every clip."""
    spec = registry.get("extractor", job.extractor.name)
    if job.cache.root is None or job.cache.key_mode != "fingerprint" or getattr(spec, "identity", None) is None:
        return None
    cache = comp.cache(job.cache.root, job.cache.key_mode).for_extractor(job.features_id)
    if not all(cache.path(cache.clip_key(dataset, clip)).is_file() for clip in task.clips):
        return None
    return _Unbuilt(job), cache


def _build(comp: Components, registry: Registry, job: ExtractionJob) -> tuple[Extractor, ExtractorCache | None]:
    """The job's extractor (checked against the planned identity) and its feature cache."""
    extractor: Extractor = comp.get("extractor", job.extractor.name, job.extractor.params)
    identity = extractor.identity()
    spec = registry.get("extractor", job.extractor.name)
    here = features_id(spec, job.extractor.params, {k: v for k, v in identity.items() if k != "device"})  # type: ignore[arg-type]
    if canonical_json(here) != canonical_json(job.features_id):
        raise IdentityMismatchError(
            f"the extractor {job.extractor.label} built here differs from the one planned (weights or versions?): "
            f"{canonical_json(here)} != {canonical_json(job.features_id)}")
    cache = None
    if job.cache.root is not None:
        cache = comp.cache(job.cache.root, job.cache.key_mode).for_extractor(job.features_id)
    return extractor, cache


def _extraction(job: ExtractionJob, task: Task, extractor: Extractor, feats: TaskFeatures,
                load_stats: dict[str, int]) -> Extraction:
    kept, skipped = without_bad(task, feats.bad, job.skip_bad_files)
    stats = ExtractionStats(seconds=feats.seconds, n_extracted=feats.n_extracted, n_cached=feats.n_cached,
                            skipped_train=skipped["skipped_train"], skipped_test=skipped["skipped_test"],
                            load_stats=load_stats, identity=dict(extractor.identity()),
                            problems=tuple((key, kind, message) for key, (kind, message) in feats.bad.items()),
                            n_decoded=feats.n_decoded)
    return Extraction(job, kept, feats.features, stats, feats.paths)  # both without the unreadable clips


def prepare_split(extraction: Extraction, seed: int, protocol: ProtocolConfig) -> Prepared:
    return prepare(extraction.features, split_task(extraction.task, seed, protocol), protocol)


def run_detector(extraction: Extraction, job: DetectorJob, protocol: ProtocolConfig,
                 components: Components | None = None, prepared: Prepared | None = None) -> DetectorOutcome:
    """Fit the detector on the seed's training features, score its test clips."""
    comp = components or process_components()
    registry = comp.registry_for(extraction.job.registry)
    prep = prepared or prepare_split(extraction, job.seed, protocol)
    spec = registry.get("detector", job.detector.name)
    detector = spec.create(**job.detector.params)
    result, scores = fit_and_score(detector, prep, extraction.task, protocol, job.detector.label)
    return DetectorOutcome(result, scores, extraction.stats)
