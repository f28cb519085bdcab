"""Networks pretrained on audio: PANNs CNN14 (environmental sound) and Musicnn (music).

Each runs its own log-mel frontend on 2 s windows every 1 s, so that its segment scores pool
like the image patches. Registration is light: torch is imported only when one is built.
One row per network in ``catalog.NETS``.
"""
from __future__ import annotations

from ... import hookimpl
from ...specs import ExtractorSpec
from .catalog import NETS

#: parameters every audio network extractor takes
COMMON_DEFAULTS = {
    "weights": "auto",     # auto | pretrained | none | path to a checkpoint
    "device": "auto",      # auto | cpu | cuda | cuda:N
    "batch_size": 32,      # windows per forward pass
    "window_s": 2.0,       # window length in seconds
    "hop_s": 1.0,          # window hop in seconds
    "sample_rate": 16000,  # the rate clips arrive at; resampled to the network's 16 kHz if different
    "offline": False,      # never download weights (the harness sets it for --offline runs)
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name=name,
            factory="aadbench.plugins.audio_nets.extractor:AudioNetExtractor",
            description=net.summary,
            defaults=COMMON_DEFAULTS,
            fixed={"arch": name},
            domain=net.domain,
            licence=net.weights.licence,
            non_commercial=net.weights.non_commercial,
            weights=(net.weights,),
            identity="aadbench.plugins.audio_nets.identity:identity",
        )
        for name, net in NETS.items()
    ]
