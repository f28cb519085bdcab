"""A fitted pipeline, loaded: score recordings or waveforms as the run that fitted it would."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...audio import AudioError, read_audio, resample
from ...components import Detector, Extractor
from ...errors import ModelError
from ...hardware import gpu_present
from ..metrics import check_scores
from ..protocol import pool
from . import codec
from .files import ModelFiles

#: waveforms per extractor call (as in a run)
CLIPS_PER_CALL = 8


@dataclass(frozen=True)
class FileScore:
    """One file's verdict: ``score`` and ``anomalous`` are None where ``problem`` says why."""

    path: str
    score: float | None
    threshold: float
    anomalous: bool | None
    problem: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "score": self.score, "threshold": self.threshold, "anomalous": self.anomalous,
                "problem": self.problem or None, "note": self.note or None}


@dataclass(frozen=True)
class AudioPolicy:
    """How a recording becomes the waveform the extractor saw in training."""

    sample_rate: int
    channel: int | str = 0
    duration_s: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AudioPolicy:
        return cls(int(d["sample_rate"]), d.get("channel", 0) if d.get("channel") is not None else 0,
                   float(d["duration_s"]) if d.get("duration_s") else None)

    def fit_length(self, wave: np.ndarray) -> tuple[np.ndarray, str]:
        if not self.duration_s:
            return wave, ""
        n = int(round(self.duration_s * self.sample_rate))
        if len(wave) < n:
            return np.pad(wave, (0, n - len(wave))).astype(np.float32, copy=False), f"padded to {self.duration_s:g} s"
        if len(wave) > n:
            return wave[:n], f"cropped to {self.duration_s:g} s"
        return wave, ""


class TaskModel:
    """One task's pipeline: extractor, standardiser, detector, pooling and threshold."""

    def __init__(self, manifest: Mapping[str, Any], extractor: Extractor, detector: Detector,
                 scaler: tuple[np.ndarray, np.ndarray] | None) -> None:
        self.manifest = dict(manifest)
        self.task: str = manifest["task"]
        self.extractor, self.detector, self.scaler = extractor, detector, scaler
        self.audio = AudioPolicy.from_dict(manifest["audio"])
        self.pooling: str = manifest["protocol"]["pooling"]
        self.threshold: float = float(manifest["threshold"]["value"])

    @property
    def pipeline(self) -> str:
        return f"{self.manifest['extractor']['label']} + {self.manifest['detector']['label']}"

    def segment_scores(self, features: np.ndarray) -> np.ndarray:
        X = np.asarray(features, dtype=np.float32)
        if self.scaler is not None:
            mean, scale = self.scaler
            X = ((X.astype(np.float64) - mean) / scale).astype(np.float32)
        return check_scores(self.detector.score(X), f"detector {self.manifest['detector']['label']}")

    def score_features(self, features: Sequence[np.ndarray]) -> np.ndarray:
        """Clip scores from per-clip segment features (as the extractor gives them)."""
        if not features:
            return np.zeros(0)
        stacked = np.concatenate([np.asarray(f, dtype=np.float32) for f in features])
        owner = np.repeat(np.arange(len(features)), [len(f) for f in features])
        return pool(self.segment_scores(stacked), owner, len(features), self.pooling)

    def _extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        rate = int(self.extractor.sample_rate)
        ready = [resample(w, self.audio.sample_rate, rate) for w in waves]
        out: list[np.ndarray] = []
        for i in range(0, len(ready), CLIPS_PER_CALL):
            out += [np.asarray(f, dtype=np.float32) for f in self.extractor.extract(ready[i: i + CLIPS_PER_CALL])]
        return out

    def score_waves(self, waves: Sequence[np.ndarray], sample_rate: int | None = None) -> np.ndarray:
        """Clip scores of mono waveforms at ``sample_rate`` (default: the rate the model was fitted at)."""
        rate = int(sample_rate or self.audio.sample_rate)
        ready = [self.audio.fit_length(resample(np.asarray(w, dtype=np.float32), rate, self.audio.sample_rate))[0]
                 for w in waves]
        return self.score_features(self._extract(ready))

    def score_files(self, paths: Sequence[str | os.PathLike[str]]) -> list[FileScore]:
        """Every file scored, or its problem named; one unreadable file never stops the others."""
        loaded: list[tuple[int, np.ndarray]] = []
        notes: dict[int, str] = {}
        results: list[FileScore | None] = [None] * len(paths)
        for i, path in enumerate(paths):
            try:
                audio = read_audio(path, sample_rate=self.audio.sample_rate, channel=self.audio.channel)
            except AudioError as exc:
                results[i] = FileScore(str(path), None, self.threshold, None, problem=str(exc))
                continue
            wave, note = self.audio.fit_length(audio.wave)
            if audio.resampled:
                note = ", ".join(n for n in (f"resampled from {audio.native_rate} Hz", note) if n)
            loaded.append((i, wave))
            notes[i] = note
        for start in range(0, len(loaded), CLIPS_PER_CALL * 4):
            chunk = loaded[start: start + CLIPS_PER_CALL * 4]
            scores = self.score_features(self._extract([w for _, w in chunk]))
            for (i, _), s in zip(chunk, scores):
                results[i] = FileScore(str(paths[i]), float(s), self.threshold, bool(s > self.threshold),
                                       note=notes[i])
        return [r for r in results if r is not None]


class Model:
    """A model folder written by ``aadbench fit``: one :class:`TaskModel` per task, loaded on use."""

    def __init__(self, path: str | os.PathLike[str], *, device: str | None = None, offline: bool = False) -> None:
        self.files = ModelFiles(path)
        self.path = self.files.root
        self.device, self.offline = device, offline
        self._loaded: dict[str, TaskModel] = {}
        self._extractors: dict[str, Extractor] = {}

    @property
    def tasks(self) -> list[str]:
        return self.files.tasks

    @property
    def info(self) -> dict[str, Any]:
        return dict(self.files.index)

    def task(self, name: str | None = None) -> TaskModel:
        """The model of task ``name`` (``machine_type/machine_id``); may be left out when there is one."""
        if name is None:
            if len(self.tasks) != 1:
                raise ModelError(f"{self.path} holds {len(self.tasks)} tasks ({', '.join(self.tasks)}); "
                                 f"name one (--task, or task= in Python)")
            name = self.tasks[0]
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def score_files(self, paths: Sequence[str | os.PathLike[str]], task: str | None = None) -> list[FileScore]:
        return self.task(task).score_files(paths)

    def score_waves(self, waves: Sequence[np.ndarray], sample_rate: int | None = None,
                    task: str | None = None) -> np.ndarray:
        return self.task(task).score_waves(waves, sample_rate)

    def _load(self, name: str) -> TaskModel:
        from ..identity import canonical_json
        from ..registry import get_registry

        manifest = self.files.manifest(name)
        folder = self.files.index["tasks"][name]
        registry = get_registry()
        ext_record, det_record = manifest["extractor"], manifest["detector"]
        ext_params = self._extractor_params(ext_record)
        key = canonical_json({"name": ext_record["name"], "params": ext_params})
        if key not in self._extractors:
            spec = _spec(registry, "extractor", ext_record)
            self._extractors[key] = spec.create(**ext_params)
            _check_weights(self._extractors[key], ext_record, self.path)
        det_spec = _spec(registry, "detector", det_record)
        det_params = {k: _here(k, v, self.device) for k, v in det_record["params"].items()}
        detector: Detector = det_spec.create(**det_params)
        parts = codec.Parts(
            arrays=codec.read_arrays(self.files.read(f"{folder}/arrays.npz"), f"{self.path}/{folder}/arrays.npz"),
            tensors=(codec.read_tensors(self.files.read(f"{folder}/tensors.safetensors"),
                                        f"{self.path}/{folder}/tensors.safetensors")
                     if self.files.has(f"{folder}/tensors.safetensors") else {}),
            blobs={Path(f).name: self.files.read(f) for f in self.files.index["files"]
                   if f.startswith(f"{folder}/") and f.endswith(".skops")})
        packages = codec.packages_of(detector)
        detector.restore(codec.decode(det_record["state"], parts, packages))
        scaler = None
        if manifest["protocol"].get("standardize", True):
            scaler = (np.asarray(parts.arrays["standardizer.mean"], dtype=np.float64),
                      np.asarray(parts.arrays["standardizer.scale"], dtype=np.float64))
        return TaskModel(manifest, self._extractors[key], detector, scaler)

    def _extractor_params(self, record: Mapping[str, Any]) -> dict[str, Any]:
        params = {k: _here(k, v, self.device) for k, v in record["params"].items()}
        weights = record.get("weights") or {}
        if "weights" in params:
            if weights.get("embedded"):
                params["weights"] = str(self.path / weights["embedded"])
                self.files.read(weights["embedded"])  # its hash checked before a network loads it
            elif weights.get("kind") == "pretrained":
                params["weights"] = "pretrained"  # never a silent fallback to random weights
            elif weights.get("kind") == "random":
                params["weights"] = "none"
        if "offline" in params:
            params["offline"] = bool(params["offline"] or self.offline)
        return params


def _here(name: str, value: Any, device: str | None) -> Any:
    """A recorded parameter as it applies on this machine: a device given by the caller, or the
    CPU where the model was fitted on a GPU this machine lacks."""
    if name != "device":
        return value
    if device is not None:
        return device
    return "cpu" if str(value).startswith("cuda") and not gpu_present() else value


def _spec(registry: Any, kind: str, record: Mapping[str, Any]) -> Any:
    from ...errors import UnknownComponentError

    try:
        return registry.get(kind, record["name"])
    except UnknownComponentError:
        raise ModelError(f"the model needs the {kind} {record['name']!r}, which no installed plugin provides; "
                         f"install the plugin that provides it (see `aadbench list`)") from None


def _check_weights(extractor: Extractor, record: Mapping[str, Any], root: Path) -> None:
    """The checkpoint the extractor loaded must be the one the model was fitted with."""
    from ... import weights as weights_api

    expected = (record.get("weights") or {}).get("sha256")
    if not expected:
        return
    used = extractor.identity().get("weights")
    path = weights_path(used, record["name"]) if isinstance(used, dict) else None
    if path is None or not path.is_file():
        raise ModelError(f"{root}: cannot find the checkpoint the model was fitted with "
                         f"({record['weights'].get('file')}, SHA-256 {expected[:12]}...)")
    if weights_api.file_sha256(path) != expected:
        raise ModelError(f"{path}: its SHA-256 differs from the weights the model was fitted with "
                         f"({expected[:12]}...); fetch the right file (`aadbench weights fetch`) or refit the model")


def weights_path(identity: Mapping[str, Any], extractor: str) -> Path | None:
    """Where the checkpoint of an extractor's weights identity lies (None: random or unknown)."""
    from ... import weights as weights_api
    from ..registry import get_registry

    kind = identity.get("kind")
    if kind == "file":
        return Path(str(identity.get("source")))
    if kind == "pretrained":
        spec = get_registry().get("extractor", extractor)
        for wf in getattr(spec, "weights", ()):
            if wf.filename == identity.get("file"):
                return weights_api.cache_path(wf)
    return None
