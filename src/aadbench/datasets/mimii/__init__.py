"""The MIMII dataset (Purohit et al. 2019): fan, pump, slider and valve recordings on disk."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DatasetSpec
from .. import AUDIO_DEFAULTS

DEFAULTS = {
    "data_root": "",
    "snr": 6,
    "machines": [],
    "ids": [],
    **AUDIO_DEFAULTS,
}


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    return [DatasetSpec(
        name="mimii",
        factory="aadbench.datasets.mimii.dataset:MimiiDataset",
        description="MIMII fan, pump, slider and valve recordings from disk (one task per machine type and ID).\n"
                    "Reads <type>/id_XX/{normal,abnormal}/*.wav, optionally under <snr>_dB_<type>/ folders "
                    "(snr picks 6, 0 or -6 dB); machines / ids empty = all found; channel 0 of the 8, "
                    "like the baselines; the harness draws the paper's split.",
        defaults=DEFAULTS,
    )]
