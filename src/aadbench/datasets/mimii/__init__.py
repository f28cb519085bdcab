"""The MIMII dataset (Purohit et al. 2019): fan, pump, slider and valve recordings on disk."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DatasetSpec
from .. import AUDIO_DEFAULTS

DEFAULTS = {
    "data_root": "",
    "snr": "auto",  # from the <snr>_dB_<type> folders, or as stated (6, 0, -6); else stored as unknown
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
                    "(snr auto: 6 dB where present, else the only SNR there; or state 6, 0 or -6; data whose "
                    "SNR neither folders nor user give is stored as unknown and never compared with the paper); "
                    "machines / ids empty = all found; channel 0 of the 8, "
                    "like the baselines; the harness draws the paper's split.",
        defaults=DEFAULTS,
    )]
