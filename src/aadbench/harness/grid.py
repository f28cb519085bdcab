"""The grid's data, as frozen records: what the user asked, the resolved plan, the jobs,
what an extraction produced, what a detector job measured and the row it stores.

Records are plain values (they pickle, so executors ship them to other processes); their
mapping fields hold plain dicts that nothing mutates. Data flow::

    RunRequest --planner--> RunPlan --planner--> Grid (TaskWork: ExtractionJob + DetectorJobs)
    ExtractionJob --extraction--> Extraction --detection--> DetectorOutcome --> ResultRow
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..components import Task
from .protocol import ProtocolConfig
from .registry import RegistryOptions


def _plain(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict((mapping or {}).items())


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for, as given (names may carry ``:`` and ``@`` arguments).

    ``params`` maps a component label (or ``protocol``) to its parameter values: text from
    ``--set`` or typed values from a configuration file, converted by the planner.
    """

    plugins: tuple[str, ...] = ()
    dataset: str | None = None
    data_root: str | None = None
    extractors: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    seeds: int = 5
    machines: tuple[str, ...] | None = None
    weights: str | None = None
    device: str = "auto"
    fail_fast: bool = False
    skip_bad_files: bool = False
    offline: bool = False
    recompute: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", {k: _plain(v) for k, v in self.params.items()})


@dataclass(frozen=True)
class Component:
    """A component of a run: the label the user wrote, the registered name, its parameters.

    ``params`` are the defaults updated with what the label and the user set (``fixed``
    arguments of the record are not among them); ``overrides`` are only what the label and
    the user set. ``auto`` marks an extractor the harness added because a detector requires it.
    """

    kind: str
    label: str
    name: str
    params: Mapping[str, Any]
    overrides: Mapping[str, Any] = field(default_factory=dict)
    auto: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _plain(self.params))
        object.__setattr__(self, "overrides", _plain(self.overrides))

    def with_params(self, **updates: Any) -> Component:
        return dataclasses.replace(self, params={**self.params, **updates})

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "name": self.name, "params": dict(self.params),
                "overrides": dict(self.overrides), "auto": self.auto}


@dataclass(frozen=True)
class CacheOptions:
    """Where extracted features are cached (``root`` None: not cached) and how clips are keyed."""

    root: str | None = None
    key_mode: str = "fingerprint"

    @property
    def enabled(self) -> bool:
        return self.root is not None


@dataclass(frozen=True)
class RunPlan:
    """A run's resolved configuration: every name resolved, every parameter converted."""

    dataset: Component
    extractors: tuple[Component, ...]
    detectors: tuple[Component, ...]
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    machines: tuple[str, ...] | None = None
    device: str = "auto"
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)
    fail_fast: bool = False
    skip_bad_files: bool = False
    offline: bool = False
    recompute: bool = False

    def pairs(self, extractor: Component, requires: Mapping[str, str | None]) -> tuple[Component, ...]:
        """The detectors that run on ``extractor``'s features (``requires``: detector label -> extractor).

        A detector that requires an extractor runs on that one only; the others run on every
        extractor the user chose (not on those the harness added for a requirement).
        """
        return tuple(d for d in self.detectors
                     if (requires.get(d.label) == extractor.label if requires.get(d.label) is not None
                         else not extractor.auto))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (stored with the run)."""
        return {"dataset": self.dataset.as_dict(), "extractors": [e.as_dict() for e in self.extractors],
                "detectors": [d.as_dict() for d in self.detectors], "seeds": list(self.seeds),
                "machines": list(self.machines) if self.machines else None, "device": self.device,
                "protocol": self.protocol.as_dict(), "fail_fast": self.fail_fast,
                "skip_bad_files": self.skip_bad_files, "offline": self.offline, "recompute": self.recompute}


@dataclass(frozen=True)
class ExtractionJob:
    """Extract one task with one extractor (task x extractor), anywhere.

    ``extractor.params`` are what the worker builds it with (the run's device filled in);
    ``features_id`` is what cache and job keys depend on, which the built extractor must
    match; ``identity`` is the planned extractor's identity (stored where a job fails before
    the extractor is built); ``data_digest`` names the task's data as planned (stored with results).
    """

    dataset: Component
    dataset_config: Mapping[str, Any]
    machine_type: str
    machine_id: str
    extractor: Component
    features_id: Mapping[str, Any]
    identity: Mapping[str, Any] = field(default_factory=dict)
    data_digest: str = ""
    skip_bad_files: bool = False
    cache: CacheOptions = field(default_factory=CacheOptions)
    registry: RegistryOptions = field(default_factory=RegistryOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dataset_config", _plain(self.dataset_config))
        object.__setattr__(self, "features_id", _plain(self.features_id))
        object.__setattr__(self, "identity", _plain(self.identity))

    @property
    def task(self) -> str:
        return f"{self.machine_type}/{self.machine_id}"


@dataclass(frozen=True)
class DetectorJob:
    """Fit and score one detector on one seed's split (task x extractor x detector x seed)."""

    key: str
    detector: Component
    seed: int


@dataclass(frozen=True)
class TaskWork:
    """An extraction job and the detector jobs (not yet stored) that need its features."""

    extraction: ExtractionJob
    detectors: tuple[DetectorJob, ...]


@dataclass(frozen=True)
class Grid:
    """The planned run: the work left to do and the keys of every job of the grid."""

    plan: RunPlan
    work: tuple[TaskWork, ...]
    keys: tuple[str, ...]
    n_stored: int
    notes: tuple[str, ...] = ()
    #: every task's data as planned, by digest (the coordinator stores the manifests)
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_pending(self) -> int:
        return sum(len(w.detectors) for w in self.work)


@dataclass(frozen=True)
class ExtractionStats:
    """How an extraction went: its time, clips extracted or read from the cache, skipped files,
    the dataset's load counts during it and the identity of the extractor that ran."""

    seconds: float = 0.0
    n_extracted: int = 0
    n_cached: int = 0
    skipped_train: int = 0
    skipped_test: int = 0
    load_stats: Mapping[str, int] = field(default_factory=dict)
    identity: Mapping[str, Any] = field(default_factory=dict)
    #: the clips that could not be read and were left out: (clip key, problem kind, message)
    problems: tuple[tuple[str, str, str], ...] = ()
    #: files decoded for the task (once for all the extractors that ran on it together)
    n_decoded: int = 0

    @property
    def device(self) -> str:
        return str(self.identity.get("device", "cpu"))


@dataclass(frozen=True)
class Extraction:
    """What an extraction job produced: the readable clips of the task and their features."""

    job: ExtractionJob
    task: Task
    features: tuple[np.ndarray, ...]
    stats: ExtractionStats
    #: each clip's feature cache file (aligned with ``features``; empty without a cache)
    paths: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        # memory-mapped cache files travel as plain arrays
        return (Extraction, (self.job, self.task, tuple(np.asarray(f) for f in self.features), self.stats,
                             self.paths))

    def by_reference(self) -> Extraction | CachedExtraction:
        """What to send to another process on this machine: the cache files' paths where every clip
        has one (the receiver memory-maps them), else the features themselves."""
        if self.paths and len(self.paths) == len(self.features):
            return CachedExtraction(self.job, self.task, self.stats, self.paths)
        return self


@dataclass(frozen=True)
class CachedExtraction:
    """An :class:`Extraction` whose features stay in the feature cache's files until :meth:`load`."""

    job: ExtractionJob
    task: Task
    stats: ExtractionStats
    paths: tuple[str, ...]

    def load(self) -> Extraction:
        features = tuple(np.load(p, mmap_mode="r", allow_pickle=False) for p in self.paths)
        return Extraction(self.job, self.task, features, self.stats, self.paths)


@dataclass(frozen=True)
class ClipScore:
    clip: str
    label: int
    score: float
    domain: str = "source"


@dataclass(frozen=True)
class JobMetrics:
    """What a detector job measured."""

    auc: float
    pauc: float
    n_train: int
    n_test_normal: int
    n_test_anomalous: int
    n_scored: int
    n_train_segments: int
    fit_s: float
    score_s: float
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DetectorOutcome:
    """A detector job's result: its metrics, per-clip scores and its extraction's stats."""

    metrics: JobMetrics
    scores: tuple[ClipScore, ...]
    stats: ExtractionStats


@dataclass(frozen=True)
class ResultRow:
    """One row of the ``results`` table, field for column (JSON columns as dicts)."""

    job_key: str
    run_id: str
    dataset: str
    dataset_config: Mapping[str, Any]
    machine_type: str
    machine_id: str
    extractor: str
    extractor_config: Mapping[str, Any]
    weights: str
    pretrained: int
    detector: str
    detector_config: Mapping[str, Any]
    seed: int
    protocol: Mapping[str, Any]
    status: str
    error: str | None = None
    auc: float | None = None
    pauc: float | None = None
    n_train: int | None = None
    n_test_normal: int | None = None
    n_test_anomalous: int | None = None
    n_scored: int | None = None
    n_train_segments: int | None = None
    extract_s: float | None = None
    n_extracted_clips: int | None = None
    fit_s: float | None = None
    score_s: float | None = None
    device: str | None = None
    metrics: Mapping[str, Any] | None = None
    created_at: str | None = None
    data_digest: str | None = None

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
