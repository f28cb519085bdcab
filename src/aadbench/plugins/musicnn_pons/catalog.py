"""The four models of the ``musicnn`` wheel, as the safetensors files ``weights fetch`` makes of them."""
from __future__ import annotations

from ...weights import WeightsFile
from .convert import WHEEL, cache_name

LICENCE = ("ISC (musicnn 0.1.0, Pons and Serra); MTT models trained on MagnaTagATune (CC BY-NC-SA 3.0: "
           "non-commercial), MSD models on Million Song Dataset audio with Last.fm tags (research use)")
#: SHA-256 of the files the converter writes from the wheel (deterministic: sorted tensors, a one-key header)
_SHA256 = {
    "MTT_musicnn": "74dfda1c8da2974160170d2831d728061b5fc10dc4a11345b4875f9bf68ea78e",
    "MSD_musicnn": "fdae7611d993f983e1b88a6c71801650ebd83f07f6c7caa946d841c8358cd17b",
    "MTT_vgg": "b3e3f65503bb878998732a20117dd0649b85ce95e8abf78db58334f10a8ef018",
    "MSD_vgg": "de3e7e16bb029224366df8bdf88ad25b609f0cd5caed950e1edb2d9b7218210c",
}
CHECKPOINTS = {
    model: WeightsFile(url="https://pypi.org/project/musicnn/0.1.0/", filename=cache_name(model), sha256=digest,
                       licence=LICENCE, non_commercial=True, converter="aadbench.plugins.musicnn_pons.convert:convert",
                       source=f"{WHEEL} from the Python package index (pip download --no-deps musicnn==0.1.0)")
    for model, digest in _SHA256.items()
}
#: the models the extractor runs (the VGG ones are converted too, for completeness)
MUSICNN_MODELS = ("MTT_musicnn", "MSD_musicnn")
