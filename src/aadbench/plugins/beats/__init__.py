"""Microsoft's BEATs (Chen et al. 2022, "BEATs: Audio Pre-Training with Acoustic Tokenizers") as an
extractor: ``beats`` (the self-supervised iter3 checkpoint) and ``beats@N`` style layer choice via
``--set beats.layer=N``; ``--set beats.checkpoint=iter3_plus_as2m`` for the AudioSet fine-tuned one.

The network is written here in PyTorch (:mod:`.model`), its Kaldi filterbank too (:mod:`.fbank`);
the published checkpoints load from the torch hub cache or a local path. Segment embeddings are
the mean over the patches of 2 s windows every 1 s, like the other audio extractors.
"""
from __future__ import annotations

from ... import hookimpl
from ...specs import ExtractorSpec
from .catalog import CHECKPOINTS, LICENCE

DEFAULTS = {
    "checkpoint": "iter3",  # iter3 | iter3_plus_as2m
    "weights": "auto",      # auto | pretrained | none | path to a checkpoint
    "layer": -1,            # transformer layer whose output is pooled (0 .. 11; -1 = the last)
    "device": "auto",
    "batch_size": 16,       # windows per forward pass
    "window_s": 2.0,
    "hop_s": 1.0,
    "offline": False,
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name="beats",
            factory="aadbench.plugins.beats.extractor:BEATsExtractor",
            description="BEATs (Chen et al. 2022), a self-supervised audio transformer pretrained on AudioSet: "
                        "mean of a layer's patch embeddings over 2 s windows every 1 s.",
            defaults=DEFAULTS,
            domain="environmental",
            licence=LICENCE,
            non_commercial=False,
            weights=tuple(CHECKPOINTS.values()),
            identity="aadbench.plugins.beats.extractor:identity",
        ),
    ]
