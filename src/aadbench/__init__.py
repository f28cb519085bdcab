"""aadbench: a plugin-based benchmark for unsupervised acoustic anomaly detection of machines.

The public API for plugin authors::

    import aadbench

    @aadbench.hookimpl
    def register_detectors():
        return [aadbench.DetectorSpec(name="zscore", factory="my_plugin:ZScore",
                                      description="Mean absolute z-score.")]
"""
from __future__ import annotations

import pluggy

from .components import ANOMALOUS, NORMAL, UNKNOWN, Clip, Dataset, Detector, Extractor, Task
from .specs import DatasetSpec, DetectorSpec, ExtractorSpec

__version__ = "0.1.0"

#: decorator for hook implementations in plugins
hookimpl = pluggy.HookimplMarker("aadbench")

__all__ = [
    "ANOMALOUS", "NORMAL", "UNKNOWN", "Clip", "Dataset", "DatasetSpec", "Detector",
    "DetectorSpec", "Extractor", "ExtractorSpec", "Task", "__version__", "hookimpl",
]
