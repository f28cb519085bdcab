"""PANNs CNN14 (Kong et al. 2020) for the 16 kHz AudioSet checkpoint ``Cnn14_16k_mAP=0.438.pth``.

Module names and shapes follow the official ``Cnn14_16k`` so that the checkpoint's ``model``
state dict loads unchanged; its torchlibrosa frontend tensors
(``spectrogram_extractor.stft.conv_real/imag.weight``, ``logmel_extractor.melW``) are
replaced by :class:`LogMel`, which computes the same log-mel spectrogram with ``torch.stft``.
The embedding is the ReLU output of ``fc1`` (2048-d), the features PANNs transfer.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .catalog import NETS
from .catalog import PANNS_FRONTEND as FRONTEND
from .frontend import LogMel

#: checkpoint keys of the torchlibrosa frontend, computed here instead
IGNORED_PREFIXES = NETS["panns-cnn14"].ignored_prefixes
EMBEDDING_DIM = NETS["panns-cnn14"].dim
CLASSES = 527  # AudioSet


def _init_layer(layer: nn.Conv2d | nn.Linear) -> None:
    nn.init.xavier_uniform_(layer.weight)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def _init_bn(bn: nn.BatchNorm2d) -> None:
    nn.init.ones_(bn.weight)
    nn.init.zeros_(bn.bias)


class ConvBlock(nn.Module):
    """Two 3x3 convolutions without bias, each with batch norm and ReLU, then average pooling."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        for conv in (self.conv1, self.conv2):
            _init_layer(conv)
        for bn in (self.bn1, self.bn2):
            _init_bn(bn)

    def forward(self, x: torch.Tensor, pool: tuple[int, int] = (2, 2)) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, kernel_size=pool)


class Cnn14(nn.Module):
    """CNN14: log-mel (64 bands) -> batch norm per band -> six conv blocks (64 ... 2048
    channels) -> mean over frequency, max + mean over time -> ``fc1``."""

    # set with setattr in __init__, under the checkpoint's names
    conv_block1: ConvBlock
    conv_block2: ConvBlock
    conv_block3: ConvBlock
    conv_block4: ConvBlock
    conv_block5: ConvBlock
    conv_block6: ConvBlock

    def __init__(self, classes: int = CLASSES) -> None:
        super().__init__()
        self.frontend = LogMel(**FRONTEND)
        self.bn0 = nn.BatchNorm2d(FRONTEND["n_mels"])
        widths = (1, 64, 128, 256, 512, 1024, 2048)
        for i in range(6):
            setattr(self, f"conv_block{i + 1}", ConvBlock(widths[i], widths[i + 1]))
        self.fc1 = nn.Linear(2048, 2048, bias=True)
        self.fc_audioset = nn.Linear(2048, classes, bias=True)
        _init_bn(self.bn0)
        _init_layer(self.fc1)
        _init_layer(self.fc_audioset)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` at 16 kHz -> embeddings ``(batch, 2048)``."""
        x = self.frontend(wave).transpose(1, 2).unsqueeze(1)  # (batch, 1, frames, mels)
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)  # normalise each mel band
        for i in range(1, 6):
            x = getattr(self, f"conv_block{i}")(x, (2, 2))
        x = self.conv_block6(x, (1, 1))
        x = x.mean(dim=3)  # over frequency
        x = x.amax(dim=2) + x.mean(dim=2)  # over time
        return F.relu(self.fc1(x))

    def min_samples(self) -> int:
        """Shortest input whose time axis survives the five 2x2 poolings."""
        return NETS["panns-cnn14"].min_samples
