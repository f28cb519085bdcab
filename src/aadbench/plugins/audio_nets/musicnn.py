"""Musicnn (Pons et al. 2018) as trained on MagnaTagATune by Won et al. 2020.

Module names and shapes follow ``Musicnn(dataset='mtat')`` of minzwon/sota-music-tagging-models
(``training/model.py`` and ``training/modules.py``) so that its ``best_model.pth`` state dict
loads unchanged; the torchaudio ``MelSpectrogram`` buffers it holds (``spec.spectrogram.window``,
``spec.mel_scale.fb``) are recomputed by :class:`LogMel` (HTK mel scale, no normalisation, as
torchaudio). The embedding is the ReLU output of ``dense1`` after its batch norm (200-d).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .catalog import MUSICNN_FRONTEND as FRONTEND
from .catalog import NETS
from .frontend import LogMel

#: checkpoint keys of torchaudio's MelSpectrogram, computed here instead (``spec_bn`` is kept)
IGNORED_PREFIXES = NETS["musicnn-mtat"].ignored_prefixes
BACKEND_CHANNELS = 64  # mtat; 512 for msd
EMBEDDING_DIM = NETS["musicnn-mtat"].dim  # mtat; 500 for msd
CLASSES = 50


class VerticalConv(nn.Module):
    """``Conv_V``: a tall filter over frequency, max-pooled over what is left of it."""

    def __init__(self, out_channels: int, shape: tuple[int, int]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, out_channels, shape, padding=(0, shape[1] // 2))
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x))).amax(dim=2)


class HorizontalConv(nn.Module):
    """``Conv_H``: the spectrogram averaged over frequency, then a long filter over time."""

    def __init__(self, out_channels: int, length: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(1, out_channels, length, padding=length // 2)
        self.bn = nn.BatchNorm1d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x.mean(dim=2))))


class BackendConv(nn.Module):
    """``Conv_1d`` with kernel 7, stride 1 and pooling 1 (no pooling)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, 7, stride=1, padding=3)
        self.bn = nn.BatchNorm1d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class Musicnn(nn.Module):
    """Mel (96 bands, dB) -> batch norm -> Pons front-end (timbral and temporal filters, 561
    channels) -> three residual 1-D convolutions -> max and mean over time -> ``dense1``."""

    def __init__(self, classes: int = CLASSES) -> None:
        super().__init__()
        n_mels = FRONTEND["n_mels"]
        self.frontend = LogMel(**FRONTEND)
        self.spec_bn = nn.BatchNorm2d(1)
        self.layers = nn.ModuleList([
            VerticalConv(204, (int(0.7 * n_mels), 7)), VerticalConv(204, (int(0.4 * n_mels), 7)),
            HorizontalConv(51, 129), HorizontalConv(51, 65), HorizontalConv(51, 33),
        ])
        front = 2 * 204 + 3 * 51
        self.layer1 = BackendConv(front, BACKEND_CHANNELS)
        self.layer2 = BackendConv(BACKEND_CHANNELS, BACKEND_CHANNELS)
        self.layer3 = BackendConv(BACKEND_CHANNELS, BACKEND_CHANNELS)
        self.dense1 = nn.Linear((front + 3 * BACKEND_CHANNELS) * 2, EMBEDDING_DIM)
        self.bn = nn.BatchNorm1d(EMBEDDING_DIM)
        self.dense2 = nn.Linear(EMBEDDING_DIM, classes)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` at 16 kHz -> embeddings ``(batch, 200)``."""
        x = self.spec_bn(self.frontend(wave).unsqueeze(1))  # (batch, 1, mels, frames)
        out = torch.cat([layer(x) for layer in self.layers], dim=1)
        res1 = self.layer1(out)
        res2 = self.layer2(res1) + res1
        res3 = self.layer3(res2) + res2
        out = torch.cat([out, res1, res2, res3], dim=1)
        pooled = torch.cat([out.amax(dim=2), out.mean(dim=2)], dim=1)
        return F.relu(self.bn(self.dense1(pooled)))

    def min_samples(self) -> int:
        return NETS["musicnn-mtat"].min_samples
