"""aadbench: a plugin-based benchmark for unsupervised acoustic anomaly detection of machines.

The public API for plugin authors::

    import aadbench

    @aadbench.hookimpl
    def register_detectors():
        return [aadbench.DetectorSpec(name="zscore", factory="my_plugin:ZScore",
                                      description="Mean absolute z-score.")]

Beside what this module exports, plugins may use (and only these, with a stability promise):
:mod:`aadbench.errors` (typed errors), :mod:`aadbench.audio` (hardened reading, resampling),
:mod:`aadbench.devices` (device and dtype choices), :mod:`aadbench.weights` (checkpoints:
cache, download, offline, local paths), :mod:`aadbench.frontend` (the paper's frontend
settings; ``aadbench.frontend.mel`` the torch code), :mod:`aadbench.progress` (progress
bars) and :mod:`aadbench.testing` (conformance checks). See ``docs/plugin_hooks.md``.
"""
from __future__ import annotations

from typing import Any

import pluggy

from .components import ANOMALOUS, NORMAL, UNKNOWN, Clip, Dataset, Detector, Extractor, RowMeta, Task
from .errors import AadbenchError
from .specs import DatasetSpec, DetectorSpec, ExtractorSpec
from .weights import WeightsFile

__version__ = "0.1.0"


def load_model(path: str, *, device: str | None = None, offline: bool = False) -> Any:
    """A model written by ``aadbench fit``: ``.score_files(paths)``, ``.score_waves(waves, sample_rate)``.

    Nothing in a model file is unpickled; a model fitted on a GPU scores on a CPU. See the README.
    """
    from .harness.model import Model

    return Model(path, device=device, offline=offline)

#: decorator for hook implementations in plugins
hookimpl = pluggy.HookimplMarker("aadbench")

__all__ = [
    "ANOMALOUS", "NORMAL", "UNKNOWN", "AadbenchError", "Clip", "Dataset", "DatasetSpec", "Detector",
    "DetectorSpec", "Extractor", "ExtractorSpec", "RowMeta", "Task", "WeightsFile", "__version__", "hookimpl",
    "load_model",
]
