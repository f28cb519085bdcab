"""The hooks an aadbench plugin can implement.

A plugin is a module (or object) with functions decorated by :data:`aadbench.hookimpl`.
Bundled components use the same hooks as external ones; external plugins are found
through the ``aadbench`` entry-point group::

    [project.entry-points.aadbench]
    my_plugin = "aadbench_my_plugin"

Each hook takes no arguments and returns a list of records. Factories may be
``"module:Attribute"`` strings so that nothing heavy is imported until the component
is used.
"""
from __future__ import annotations

import pluggy

from .specs import DatasetSpec, DetectorSpec, ExtractorSpec

hookspec = pluggy.HookspecMarker("aadbench")

# the hooks below are specifications: their bodies are never run (pluggy calls the implementations)


@hookspec
def register_datasets() -> list[DatasetSpec]:
    """Return the datasets this plugin provides.

    Example::

        @aadbench.hookimpl
        def register_datasets():
            return [aadbench.DatasetSpec(
                name="my-recordings",
                factory="my_plugin.data:MyDataset",
                description="Recordings of the press line in hall 3.",
                defaults={"data_root": None},
            )]
    """
    raise NotImplementedError


@hookspec
def register_extractors() -> list[ExtractorSpec]:
    """Return the feature extractors this plugin provides.

    Example::

        @aadbench.hookimpl
        def register_extractors():
            return [aadbench.ExtractorSpec(
                name="band-energy",
                factory="my_plugin.features:BandEnergy",
                description="Log energy in 32 linear bands per second of audio.",
                defaults={"n_bands": 32},
                domain="none",
            )]
    """
    raise NotImplementedError


@hookspec
def register_detectors() -> list[DetectorSpec]:
    """Return the anomaly detectors this plugin provides.

    Example::

        @aadbench.hookimpl
        def register_detectors():
            return [aadbench.DetectorSpec(
                name="zscore",
                factory="my_plugin.detect:ZScore",
                description="Mean absolute z-score against the training features.",
                defaults={},
            )]
    """
    raise NotImplementedError
