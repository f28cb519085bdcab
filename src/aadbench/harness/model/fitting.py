"""``aadbench fit``: one pipeline fitted per task on its normal training clips, written as a model.

Features come through the run's extraction (and its feature cache), the standardiser and the
detector are fitted exactly as a run's job does, so ``fit --seed N`` reproduces the run's
seed-N model; without a seed every normal training clip of the task is used.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ... import weights as weights_api
from ...components import NORMAL, Dataset, Detector, Extractor, Task
from ...errors import ConfigError, ModelError, plural
from ..detection import describe_error, fit_detector
from ..executors.work import Components, run_extractions
from ..grid import CacheOptions, Component, Extraction, RunPlan, TaskWork
from ..metrics import check_scores
from ..planner import GridContext, plan_grid, select_tasks
from ..protocol import Standardizer, pool, split_task, stack
from ..registry import Registry
from . import codec
from .files import ModelWriter
from .scoring import TaskModel, weights_path
from .thresholds import Threshold, choose_threshold, validation_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitOptions:
    out: str
    #: None: every normal training clip; N: the training clips of the paper's split for seed N
    seed: int | None = None
    threshold_quantile: float = 0.9
    validation: str | None = None
    embed_weights: bool = False
    cache: CacheOptions = CacheOptions()
    progress: bool = True
    command: str = ""
    #: why this pipeline (``--best``: which run's mean AUC chose it)
    reason: str = ""


@dataclass
class FitReport:
    fitted: list[dict[str, Any]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def fit_models(plan: RunPlan, registry: Registry, options: FitOptions,
               echo: Callable[[str], None] = print, only: Sequence[str] | None = None) -> FitReport:
    """Fit the plan's one pipeline on every task and write the model folder, task by task."""
    extractor, detector = one_pipeline(plan, registry)
    if options.seed is not None and options.seed < 0:
        raise ConfigError(f"--seed must be 0 or more, not {options.seed}")
    plan = dataclasses.replace(plan, extractors=(extractor,), detectors=(detector,),
                               seeds=(options.seed if options.seed is not None else 0,), recompute=True)
    dataset_spec = registry.get("dataset", plan.dataset.name)
    dataset: Dataset = dataset_spec.create(**plan.dataset.params)
    components = Components(registry)
    components.put("dataset", dataset_spec.name, plan.dataset.params, dataset)
    tasks = select_tasks(dataset.tasks(), plan.machines)
    if only is not None:
        tasks = [t for t in tasks if t.name in only]
    ctx = GridContext(registry=registry, dataset=dataset, tasks=tuple(tasks), stored=lambda keys: {},
                      cache=options.cache, registry_options=registry.options, progress=options.progress,
                      build=components.extractor)
    grid = plan_grid(plan, ctx)
    writer = ModelWriter(options.out, header={"command": options.command})
    report = FitReport()
    for work in grid.work:
        task_name = work.extraction.task
        try:
            summary = _fit_task(work, plan, registry, dataset, components, options, writer)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if plan.fail_fast:
                raise
            report.failed.append((task_name, describe_error(exc)))
            echo(f"FAILED {task_name}: {describe_error(exc)}")
            continue
        report.fitted.append(summary)
        echo(f"{task_name}: {summary['pipeline']} on {plural(summary['n_train'], 'clip')}, threshold "
             f"{summary['threshold']:.6g} ({summary['threshold_method']})")
    return report


def one_pipeline(plan: RunPlan, registry: Registry) -> tuple[Component, Component]:
    requires = {d.label: getattr(registry.get("detector", d.name), "requires", None) for d in plan.detectors}
    pairs = [(e, d) for e in plan.extractors for d in plan.pairs(e, requires)]
    if len(pairs) != 1:
        named = ", ".join(f"{e.label}+{d.label}" for e, d in pairs) or "none"
        raise ConfigError(f"aadbench fit makes one pipeline per task: name one extractor and one detector "
                          f"(this names {len(pairs)}: {named}); --best --db RESULTS picks the best per task")
    return pairs[0]


def train_indices(task: Task, seed: int | None, plan: RunPlan) -> tuple[np.ndarray, str]:
    if seed is not None:
        return split_task(task, seed, plan.protocol).train, f"the training clips of seed {seed}'s split"
    idx = [i for i, c in enumerate(task.clips) if c.label == NORMAL and c.split in (None, "train")]
    if not idx:
        raise ModelError(f"task {task.name}: no normal training clip to fit on")
    return np.asarray(idx, dtype=int), "every normal training clip"


def _fit_task(work: TaskWork, plan: RunPlan, registry: Registry, dataset: Dataset, components: Components,
              options: FitOptions, writer: ModelWriter) -> dict[str, Any]:
    (result,) = run_extractions([work.extraction], components, progress=options.progress)
    if isinstance(result, BaseException):
        raise result
    job = work.detectors[0]
    task = result.task
    train, split_note = train_indices(task, options.seed, plan)
    X, owner = stack(result.features, train)
    scaler = Standardizer().fit(X) if plan.protocol.standardize else None
    Xs = scaler.transform(X) if scaler is not None else X
    spec = registry.get("detector", job.detector.name)
    detector: Detector = fit_detector(spec.create(**job.detector.params), Xs, task, train, owner)
    seg = check_scores(detector.score(Xs), f"detector {job.detector.label} (training data)")
    train_scores = pool(seg, owner, len(train), plan.protocol.pooling)

    packages = codec.packages_of(detector)
    encoded = codec.encode(detector.state(), packages)
    arrays = dict(encoded.arrays)
    if scaler is not None:
        arrays["standardizer.mean"], arrays["standardizer.scale"] = scaler.mean_, scaler.scale_
    extractor_record = _extractor_record(result, registry, options, writer)
    manifest: dict[str, Any] = {
        "task": task.name,
        "dataset": {"name": plan.dataset.name, "label": plan.dataset.label, "params": dict(plan.dataset.params),
                    "config": dataset.config()},
        "extractor": extractor_record,
        "detector": {"name": job.detector.name, "label": job.detector.label, "params": dict(job.detector.params),
                     "class": f"{type(detector).__module__}.{type(detector).__qualname__}", "state": encoded.tree},
        "audio": audio_policy(dataset, task),
        "protocol": {"standardize": plan.protocol.standardize, "pooling": plan.protocol.pooling},
        "chosen": options.reason or "named on the command line",
        "training": _training(dataset, task, train, split_note, options.seed, work, X.shape[0], train_scores),
    }
    parts = {"arrays.npz": codec.arrays_bytes(arrays)}
    if encoded.tensors:
        parts["tensors.safetensors"] = codec.tensors_bytes(encoded.tensors)
    parts.update(encoded.blobs)
    threshold = _threshold(manifest, result, detector, scaler, train_scores, options, components)
    manifest["threshold"] = threshold.as_dict()
    writer.add_task(task.name, manifest, parts)
    return {"task": task.name, "pipeline": f"{extractor_record['label']} + {job.detector.label}",
            "n_train": len(train), "threshold": threshold.value, "threshold_method": threshold.method}


def audio_policy(dataset: Dataset, task: Task) -> dict[str, Any]:
    """The dataset's rate, channel and clip length, which a scored recording is brought to."""
    duration = None
    if getattr(dataset, "length_policy", "keep") != "keep":
        duration = getattr(dataset, "duration", None)
        if duration is None and hasattr(dataset, "task_duration") and task.clips:
            duration = dataset.task_duration(task.clips[0])
    channel = dataset.channel if dataset.channel is not None else 0
    return {"sample_rate": int(dataset.sample_rate), "channel": channel,
            "duration_s": float(duration) if duration else None}


def _training(dataset: Dataset, task: Task, train: np.ndarray, note: str, seed: int | None, work: TaskWork,
              n_segments: int, scores: np.ndarray) -> dict[str, Any]:
    prints = sorted(f"{task.clips[i].key}\t{dataset.fingerprint(task.clips[i])}" for i in train)
    return {"clips": len(train), "segments": int(n_segments), "which": note, "seed": seed,
            "fingerprints_sha256": hashlib.sha256("\n".join(prints).encode()).hexdigest(),
            "data_digest": work.extraction.data_digest,
            "scores": {"mean": float(np.mean(scores)), "std": float(np.std(scores)),
                       "min": float(np.min(scores)), "max": float(np.max(scores))}}


def _extractor_record(result: Extraction, registry: Registry, options: FitOptions, writer: ModelWriter
                      ) -> dict[str, Any]:
    comp = result.job.extractor
    identity = dict(result.stats.identity.items())
    record: dict[str, Any] = {"name": comp.name, "label": comp.label, "params": dict(comp.params),
                              "identity": identity, "features_id": dict(result.job.features_id)}
    wid = identity.get("weights")
    if isinstance(wid, dict):
        info = {"kind": wid.get("kind"), "file": wid.get("file"), "source": wid.get("source")}
        path = weights_path(wid, comp.name)
        if path is not None and path.is_file():
            info["sha256"] = weights_api.file_sha256(path)
            if options.embed_weights:
                embedded = f"weights/{path.name}"
                info["embedded"] = embedded
                writer.write(embedded, path.read_bytes())
        elif options.embed_weights and wid.get("kind") != "random":
            raise ModelError(f"--embed-weights: the checkpoint of {comp.label} is not a file here ({wid})")
        record["weights"] = info
    return record


def _threshold(manifest: Mapping[str, Any], result: Extraction, detector: Detector,
               scaler: Standardizer | None, train_scores: np.ndarray, options: FitOptions,
               components: Components) -> Threshold:
    if not options.validation:
        return choose_threshold(train_scores, options.threshold_quantile)
    files, labels = validation_files(options.validation, manifest["task"])
    extractor = _extractor_of(result, components)
    model = TaskModel({**manifest, "threshold": {"value": float("nan")}}, extractor, detector,
                      (scaler.mean_, scaler.scale_) if scaler is not None else None)
    scored = model.score_files(files)
    bad = [s for s in scored if s.score is None]
    if bad:
        raise ModelError(f"--validation: {bad[0].path} cannot be scored: {bad[0].problem}")
    return choose_threshold(train_scores, options.threshold_quantile,
                            validation=(np.array([s.score for s in scored], dtype=float), np.asarray(labels)),
                            source=str(options.validation))


def _extractor_of(result: Extraction, components: Components) -> Extractor:
    """The built extractor (a fit whose features all came from the cache builds it now)."""
    comp = result.job.extractor
    built: Extractor = components.get("extractor", comp.name, comp.params)
    return built

