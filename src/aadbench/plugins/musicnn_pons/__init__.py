"""Pons and Serra's musicnn with its real trained weights (``musicnn-pons``), on any machine that
reached the Python package index once: ``aadbench weights fetch musicnn-pons`` reads the TensorFlow
checkpoints out of the ``musicnn`` wheel without TensorFlow (:mod:`.convert`), the network is
written here in PyTorch (:mod:`.model`).
"""
from __future__ import annotations

from ... import hookimpl
from ...specs import ExtractorSpec
from .catalog import CHECKPOINTS, LICENCE

DEFAULTS = {
    "checkpoint": "MTT_musicnn",  # MTT_musicnn (MagnaTagATune) | MSD_musicnn (Million Song Dataset)
    "layer": "penultimate",       # penultimate (200) | mean_pool | max_pool (the mid-level features, 753)
    "weights": "auto",            # auto | pretrained | none | path to a converted .safetensors file
    "device": "auto",
    "batch_size": 32,
    "window_s": 3.0,              # the models' 187-frame input
    "hop_s": 1.0,
    "offline": False,
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name="musicnn-pons",
            factory="aadbench.plugins.musicnn_pons.extractor:MusicnnPonsExtractor",
            description="musicnn (Pons and Serra 2019), music auto-tagging CNN with its trained MagnaTagATune or "
                        "Million Song Dataset weights from the musicnn wheel: penultimate layer or pooled "
                        "mid-level features of 3 s windows every 1 s.",
            defaults=DEFAULTS,
            domain="music",
            licence=LICENCE,
            non_commercial=True,
            weights=tuple(CHECKPOINTS.values()),
            identity="aadbench.plugins.musicnn_pons.extractor:identity",
        ),
    ]
