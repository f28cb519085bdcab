"""The audio networks, one row each (no torch import: ``aadbench list`` and ``weights list`` read them).

Adding a network is adding a row to :data:`NETS` (and its module under this package).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from ...weights import WeightsFile


class MelSettings(TypedDict):
    """The arguments of :class:`~aadbench.plugins.audio_nets.frontend.LogMel`."""

    sample_rate: int
    n_fft: int
    hop_length: int
    n_mels: int
    fmin: float
    fmax: float | None
    htk: bool
    norm: Literal["slaney"] | None


#: PANNs' torchlibrosa log-mel: librosa's (Slaney) mel filters
PANNS_FRONTEND: MelSettings = {"sample_rate": 16000, "n_fft": 512, "hop_length": 160, "n_mels": 64, "fmin": 50.0,
                  "fmax": 8000.0, "htk": False, "norm": "slaney"}
#: torchaudio's MelSpectrogram as Won et al. trained Musicnn: HTK mel scale, no normalisation
MUSICNN_FRONTEND: MelSettings = {"sample_rate": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96, "fmin": 0.0,
                    "fmax": 8000.0, "htk": True, "norm": None}

#: PANNs CNN14 trained on AudioSet at 16 kHz (Kong et al. 2020, Zenodo record 3987831).
#: Zenodo publishes md5 362fc5ff18f1d6ad2f6d464b45893f2c for this file; the SHA-256 below is
#: the one two independent public projects pin for the same (md5-verified) download.
PANNS_CNN14_16K = WeightsFile(
    url="https://zenodo.org/record/3987831/files/Cnn14_16k_mAP%3D0.438.pth?download=1",
    filename="Cnn14_16k_mAP=0.438.pth",
    sha256="e2ee543a27919542c2ea03eabaa70b24dcd4e6c8e05621de6b67a94e4c5058e6",
    size=358_668_570,  # 342 MiB, as public manifests of the same file list it
    licence="CC BY 4.0 (Zenodo record 3987831; code MIT); trained on AudioSet (labels CC BY 4.0, audio from YouTube)",
    non_commercial=False,
    source="PANNs Cnn14_16k, AudioSet, mAP 0.438 (Kong et al. 2020), zenodo.org/record/3987831",
)

#: Musicnn trained on MagnaTagATune by Won et al. 2020 ("Evaluation of CNN-based automatic
#: music tagging models"), pinned to a commit of minzwon/sota-music-tagging-models.
MUSICNN_MTAT = WeightsFile(
    url=("https://github.com/minzwon/sota-music-tagging-models/raw/"
         "1f4d282693ac19cde4d30b86811fe0ae2452f406/models/mtat/musicnn/best_model.pth"),
    filename="musicnn_mtat_won2020.pth",
    sha256=None,
    licence=("no licence stated by the authors (README: 'To be updated'); trained on MagnaTagATune, "
             "CC BY-NC-SA 3.0: non-commercial"),
    non_commercial=True,
    source="Musicnn, MagnaTagATune top-50 tags (Won et al. 2020), github.com/minzwon/sota-music-tagging-models",
)


@dataclass(frozen=True)
class AudioNet:
    """One audio network: how to build it, its embedding width, checkpoint and frontend."""

    summary: str
    domain: str
    build: str                       # "module:Class" of the network, imported when it is built
    dim: int                         # embedding width
    weights: WeightsFile
    ignored_prefixes: tuple[str, ...]  # checkpoint keys of a frontend computed here instead
    frontend: Mapping[str, Any] = field(default_factory=dict)
    min_samples: int = 0             # the shortest window the network accepts

    @property
    def sample_rate(self) -> int:
        return int(self.frontend["sample_rate"])


NETS = {
    "panns-cnn14": AudioNet(
        "PANNs CNN14 (AudioSet, 16 kHz) fc1 embedding (2048-d) of 2 s log-mel windows.", "environmental",
        "aadbench.plugins.audio_nets.panns:Cnn14", 2048, PANNS_CNN14_16K,
        ("spectrogram_extractor.", "logmel_extractor."), PANNS_FRONTEND,
        min_samples=32 * int(PANNS_FRONTEND["hop_length"])),  # the time axis survives five 2x2 poolings
    "musicnn-mtat": AudioNet(
        "Musicnn (MagnaTagATune, Won et al. 2020) penultimate embedding (200-d) of 2 s mel windows.", "music",
        "aadbench.plugins.audio_nets.musicnn:Musicnn", 200, MUSICNN_MTAT, ("spec.",), MUSICNN_FRONTEND,
        min_samples=int(MUSICNN_FRONTEND["n_fft"])),
}
