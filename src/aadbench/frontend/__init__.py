"""The paper's image frontend (PROTOCOL.md §1): its settings here, the torch code in :mod:`.mel`.

waveform -> log-mel (64 bands, n_fft 1024, hop 256, dB) -> 64x64 patches every 32 frames
-> scaled to [0, 1] -> viridis RGB -> 224x224 -> ImageNet normalisation.

Part of the public API for plugin authors: ``from aadbench.frontend import FrontendConfig``
(no torch import) and ``from aadbench.frontend.mel import MelFrontend``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import ConfigError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SCALINGS = ("patch-minmax", "clip-minmax")


@dataclass(frozen=True)
class FrontendConfig:
    """Every setting of the frontend; the paper's values are the defaults."""

    sample_rate: int = 16000
    n_fft: int = 1024
    hop_length: int = 256
    n_mels: int = 64
    patch_frames: int = 64
    patch_hop: int = 32
    scaling: str = "patch-minmax"   # how dB values reach [0, 1]; the paper does not say
    colormap: str = "viridis"
    image_size: int = 224
    interpolation: str = "bilinear"  # the paper does not say

    def __post_init__(self) -> None:
        if self.scaling not in SCALINGS:
            raise ConfigError(f"scaling {self.scaling!r} is not one of {SCALINGS}")
        for name in ("n_fft", "hop_length", "n_mels", "patch_frames", "patch_hop", "image_size"):
            if int(getattr(self, name)) <= 0:
                raise ConfigError(f"frontend setting {name} must be positive, not {getattr(self, name)!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> FrontendConfig:
        """The settings among an extractor's parameters (the others keep the paper's values)."""
        values: dict[str, Any] = {k: int(params[k]) for k in FRONTEND_PARAMS if k in params}
        values.update({k: str(params[k]) for k in ("scaling", "colormap", "interpolation") if k in params})
        return cls(**values)


#: the spectrogram and patch settings an image extractor takes as parameters (the paper's values).
#: The paper calls its 64-frame patches at hop 256 "about 2 s"; they span 64 * 256 / 16000 =
#: 1.02 s. With hop_length=512 they would span 2.05 s: --set resnet34.hop_length=512 runs that reading.
FRONTEND_PARAMS: dict[str, int] = {"n_fft": 1024, "hop_length": 256, "n_mels": 64, "patch_frames": 64,
                                   "patch_hop": 32}


__all__ = ["FRONTEND_PARAMS", "IMAGENET_MEAN", "IMAGENET_STD", "SCALINGS", "FrontendConfig"]
