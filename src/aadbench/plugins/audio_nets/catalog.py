"""The audio networks' checkpoints (no torch import: ``aadbench weights list`` reads them)."""
from __future__ import annotations

from ...harness.weights import WeightsFile

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
