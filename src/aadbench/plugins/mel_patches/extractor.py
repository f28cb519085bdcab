"""The frontend's log-mel patches in dB, one 4096-d float32 row per patch (PROTOCOL.md §1).

waveform -> log-mel (64 bands, n_fft 1024, hop 256, dB) -> 64-frame patches every 32
frames -> each patch flattened row-major (mel band, then frame). No scaling, colour map
or network: the detector sees the dB values (standardised by the harness).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ...components import Extractor
from ...devices import device_label, resolve_device
from ...frontend import FrontendConfig
from ...frontend.mel import MelFrontend
from .identity import frontend_identity


class MelPatches(Extractor):
    def __init__(self, device: str = "cpu") -> None:
        self.device = resolve_device(device)
        self.config = FrontendConfig()
        self.sample_rate = self.config.sample_rate
        self.frontend = MelFrontend(self.config).to(self.device)
        self.dim = self.config.n_mels * self.config.patch_frames

    def identity(self) -> dict[str, Any]:
        return {"frontend": frontend_identity(self.config), "dim": self.dim, "device": device_label(self.device)}

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        out = []
        for wave in waves:
            tensor = torch.as_tensor(np.asarray(wave, dtype=np.float32), device=self.device)
            patches = self.frontend.patches(self.frontend.mel_db(tensor))  # (P, n_mels, frames)
            out.append(patches.reshape(patches.shape[0], -1).float().cpu().numpy())
        return out
