"""The small contracts every dataset, extractor and detector follows.

Score direction, everywhere in aadbench: a score is an *anomaly* score, higher means
more anomalous. Detectors built on a normality measure (a log-likelihood, a density,
a decision function) negate it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

NORMAL, ANOMALOUS, UNKNOWN = 0, 1, -1


@dataclass(frozen=True)
class Clip:
    """One recording of a task.

    ``key`` is unique within its task and stable across runs (a path relative to the
    task's folder, say): splits are drawn over sorted keys. ``split`` is ``"train"`` or
    ``"test"`` where the dataset fixes the split (DCASE) and ``None`` where the
    harness draws it (the paper's hold-out). ``label`` is 0 normal, 1 anomalous,
    -1 unknown.
    """

    key: str
    label: int
    path: str | None = None
    split: str | None = None
    domain: str = "source"
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.label not in (NORMAL, ANOMALOUS, UNKNOWN):
            raise ValueError(f"clip {self.key!r}: label must be 0, 1 or -1, not {self.label!r}")
        if self.split not in (None, "train", "test"):
            raise ValueError(f"clip {self.key!r}: split must be 'train', 'test' or None, not {self.split!r}")
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def __reduce__(self) -> tuple[Any, ...]:
        # a read-only mapping does not pickle: executors ship clips to other processes as plain values
        return (Clip, (self.key, self.label, self.path, self.split, self.domain, dict(self.attributes)))


@dataclass(frozen=True)
class Task:
    """One machine to model: a machine type and an ID (or a DCASE section)."""

    machine_type: str
    machine_id: str
    clips: tuple[Clip, ...]

    @property
    def name(self) -> str:
        return f"{self.machine_type}/{self.machine_id}"


class Dataset(ABC):
    """Yields tasks of labelled clips and loads their audio.

    Two methods are required (:meth:`tasks`, :meth:`load`); everything else has a default
    that a dataset overrides when it has something to say. The harness and
    ``aadbench datasets check`` use only what is declared here.
    """

    #: the registered name, used in messages ("" = the class name)
    name: str = ""
    #: the rate :meth:`load` returns
    sample_rate: int = 16000
    #: which channel of a multichannel file :meth:`load` returns (an index or ``"mean"``);
    #: ``None`` where the question does not arise (generated audio)
    channel: int | str | None = None

    @abstractmethod
    def tasks(self) -> list[Task]:
        """Every task of the dataset, in a stable order."""

    @abstractmethod
    def load(self, clip: Clip) -> np.ndarray:
        """The clip's audio: mono float32 at :attr:`sample_rate`, shape ``(n_samples,)``."""

    def fingerprint(self, clip: Clip) -> str:
        """A string that changes whenever the clip's audio changes (used by caches)."""
        return clip.path or clip.key

    def config(self) -> dict[str, Any]:
        """The parameters that define the data (stored with every result, part of job keys)."""
        return {}

    def audio_config(self) -> dict[str, Any]:
        """The parameters that shape the audio :meth:`load` returns (part of feature-cache keys).

        Default: all of :meth:`config`, which is safe but makes any parameter change miss
        the feature cache; a dataset whose other parameters only select clips (a manifest,
        a machine list) returns the audio-shaping ones alone.
        """
        return self.config()

    def load_stats(self) -> dict[str, int]:
        """Counts of what :meth:`load` did so far (loaded, resampled, padded, cropped, ...)."""
        return {}

    def skipped_files(self) -> list[tuple[str, str]]:
        """Files found under the dataset's folders but left out of every task: ``(path, reason)``."""
        return []

    def notes(self) -> list[str]:
        """Remarks about the data for ``aadbench datasets check`` (files deliberately left out, say)."""
        return []

    def describe(self) -> str:
        """The name used in messages."""
        return self.name or type(self).__name__


class Extractor(ABC):
    """Maps waveforms to per-clip segment features of shape ``(n_segments, dim)``."""

    #: the rate the extractor expects its input at
    sample_rate: int = 16000

    @abstractmethod
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        """One float32 array ``(n_segments, dim)`` per waveform, in order."""

    def identity(self) -> dict[str, Any]:
        """JSON-ready parameters and weights identity, stored with every result."""
        return {}


@dataclass(frozen=True)
class RowMeta:
    """What the dataset knows about each training row's clip (one entry per row of ``X``).

    ``domain`` is ``"source"`` or ``"target"`` (DCASE 2021+; ``"source"`` elsewhere), ``section``
    the clip's task section (``machine_id``), ``attributes`` its parsed attributes (DCASE 2022+).
    """

    domain: np.ndarray
    section: np.ndarray
    attributes: tuple[Mapping[str, str], ...]

    @classmethod
    def of_clips(cls, clips: Sequence[Clip], owner: np.ndarray, section: str = "") -> RowMeta:
        """Rows -> their clips' metadata (``owner[i]`` is row i's position in ``clips``)."""
        domains = np.array([c.domain for c in clips], dtype=object)
        attributes = [dict(c.attributes) for c in clips]
        return cls(domain=domains[owner] if len(clips) else np.array([], dtype=object),
                   section=np.full(len(owner), section, dtype=object),
                   attributes=tuple(attributes[i] for i in owner))


class Detector(ABC):
    """Models normal features and scores new ones (higher = more anomalous).

    Follows scikit-learn's conventions: ``__init__`` stores its parameters, ``fit``
    returns ``self`` and learned state lives in attributes ending in ``_``.

    A detector that sets ``uses_metadata = True`` is fitted as ``fit(X, meta=RowMeta)``:
    it also sees each training row's domain, section and attributes (domain-aware
    detectors for DCASE 2021+); every other detector keeps ``fit(X)``.
    """

    #: whether :meth:`fit` takes ``meta=``, the training rows' :class:`RowMeta`
    uses_metadata: bool = False

    @abstractmethod
    def fit(self, X: np.ndarray) -> Detector:
        """Learn the normal class from ``X`` of shape ``(n_samples, dim)``."""

    @abstractmethod
    def score(self, X: np.ndarray) -> np.ndarray:
        """Anomaly scores of shape ``(n_samples,)``: higher = more anomalous."""

    def state(self) -> dict[str, Any]:
        """What :meth:`fit` learned, for a model file (``aadbench fit``).

        Default: every attribute ending in ``_``. A model file stores numbers, strings, lists,
        dicts, tuples, numpy arrays, torch tensors, scikit-learn estimators (through skops) and
        objects of the detector's own package made of those; a detector holding anything else
        (a torch module, say) overrides this and :meth:`restore`.
        """
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("__")}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back what :meth:`state` gave, on a detector built with the same parameters."""
        for name, value in state.items():
            setattr(self, name, value)
