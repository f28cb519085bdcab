"""Networks pretrained on audio: PANNs CNN14 (environmental sound) and Musicnn (music).

Each runs its own log-mel frontend on 2 s windows every 1 s, so that its segment scores pool
like the image patches. Registration is light: torch is imported only when one is built.
"""
from __future__ import annotations

from ... import hookimpl
from ...harness.weights import spec_weights
from ...specs import ExtractorSpec
from .catalog import MUSICNN_MTAT, PANNS_CNN14_16K

#: parameters every audio network extractor takes
COMMON_DEFAULTS = {
    "weights": "auto",     # auto | pretrained | none | path to a checkpoint
    "device": "auto",      # auto | cpu | cuda | cuda:N
    "batch_size": 32,      # windows per forward pass
    "window_s": 2.0,       # window length in seconds
    "hop_s": 1.0,          # window hop in seconds
    "sample_rate": 16000,  # the rate clips arrive at; resampled to the network's 16 kHz if different
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name="panns-cnn14",
            factory="aadbench.plugins.audio_nets.extractor:panns_cnn14",
            description="PANNs CNN14 (AudioSet, 16 kHz) fc1 embedding (2048-d) of 2 s log-mel windows.",
            defaults=COMMON_DEFAULTS,
            domain="environmental",
            licence=PANNS_CNN14_16K.licence,
            non_commercial=PANNS_CNN14_16K.non_commercial,
            **spec_weights(PANNS_CNN14_16K),
        ),
        ExtractorSpec(
            name="musicnn-mtat",
            factory="aadbench.plugins.audio_nets.extractor:musicnn_mtat",
            description="Musicnn (MagnaTagATune, Won et al. 2020) penultimate embedding (200-d) of 2 s mel windows.",
            defaults=COMMON_DEFAULTS,
            domain="music",
            licence=MUSICNN_MTAT.licence,
            non_commercial=MUSICNN_MTAT.non_commercial,
            **spec_weights(MUSICNN_MTAT),
        ),
    ]
