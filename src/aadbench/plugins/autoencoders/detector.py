"""Convolutional autoencoders trained on the 64x64 log-mel patches of ``mel-patches``.

Training (PROTOCOL.md §1): Adam, lr 1e-4, batch 128, 80 epochs, MSE loss, float32; the
anomaly score of a patch is its reconstruction MSE (the clip score, the mean over its
patches, is the harness's job).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F

from ..neural import TorchDetector
from . import models

PATCH_DIM = models.SIDE * models.SIDE


class ConvAutoencoder(TorchDetector):
    """Shared by the three autoencoders: rows of 4096 -> (1, 64, 64) -> reconstruction."""

    input_dim = PATCH_DIM

    def __init__(self, epochs: int = 80, lr: float = 1e-4, batch_size: int = 128, random_state: int = 0,
                 device: str = "auto", progress: bool = True) -> None:
        self._init_training(epochs, lr, batch_size, random_state, device, progress)

    def fit(self, X: np.ndarray) -> ConvAutoencoder:
        shape = np.shape(X)
        if len(shape) == 2 and shape[1] != PATCH_DIM:
            raise ValueError(f"{self.name} needs the {PATCH_DIM}-d rows of the mel-patches extractor "
                             f"({models.SIDE}x{models.SIDE} log-mel patches), got {shape[1]}-d features")
        super().fit(X)
        return self

    def _reconstruction(self, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = net(batch.view(-1, 1, models.SIDE, models.SIDE)).flatten(1)
        return out

    def _loss(self, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(self._reconstruction(net, batch), batch)

    def _scores(self, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        return (self._reconstruction(net, batch) - batch).square().mean(dim=1)


class LeNetDCAE(ConvAutoencoder):
    """LeNet-DCAE: 32, 64, 128 channels, kernel 5, batch norm, ELU, 128-d linear bottleneck."""

    name = "lenet-dcae"

    def __init__(self, epochs: int = 80, lr: float = 1e-4, batch_size: int = 128, random_state: int = 0,
                 device: str = "auto", progress: bool = True, channels: Sequence[int] = (32, 64, 128),
                 bottleneck: int = 128) -> None:
        super().__init__(epochs, lr, batch_size, random_state, device, progress)
        self.channels, self.bottleneck = [int(c) for c in channels], int(bottleneck)

    def _network(self, dim: int) -> torch.nn.Module:
        return models.lenet_dcae(self.channels, self.bottleneck)


class SmallDCAE(ConvAutoencoder):
    """Small-DCAE: 12, 24, 48 channels, kernel 4, stride 2, ReLU, 128-d linear bottleneck."""

    name = "small-dcae"

    def __init__(self, epochs: int = 80, lr: float = 1e-4, batch_size: int = 128, random_state: int = 0,
                 device: str = "auto", progress: bool = True, channels: Sequence[int] = (12, 24, 48),
                 bottleneck: int = 128) -> None:
        super().__init__(epochs, lr, batch_size, random_state, device, progress)
        self.channels, self.bottleneck = [int(c) for c in channels], int(bottleneck)

    def _network(self, dim: int) -> torch.nn.Module:
        return models.small_dcae(self.channels, self.bottleneck)


class CAEL2(ConvAutoencoder):
    """Conv2D + max-pooling encoder, Conv2D + upsampling decoder, loss + l2 * sum(w^2) of conv weights."""

    name = "cae-l2"

    def __init__(self, epochs: int = 80, lr: float = 1e-4, batch_size: int = 128, random_state: int = 0,
                 device: str = "auto", progress: bool = True, channels: Sequence[int] = (32, 16, 8),
                 l2: float = 1e-4) -> None:
        super().__init__(epochs, lr, batch_size, random_state, device, progress)
        if float(l2) < 0:
            raise ValueError(f"cae-l2: l2 must be non-negative, not {l2!r}")
        self.channels, self.l2 = [int(c) for c in channels], float(l2)

    def _network(self, dim: int) -> torch.nn.Module:
        return models.cae_l2(self.channels)

    def penalty(self, net: torch.nn.Module) -> torch.Tensor:
        """``l2 * sum(w^2)`` over the conv kernels (Keras' ``kernel_regularizer=l2(l2)``)."""
        weights = [m.weight for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
        # a sum of tensors: cae_l2 always has conv layers (sum() of none would be 0)
        return self.l2 * cast(torch.Tensor, sum(w.square().sum() for w in weights))

    def _loss(self, net: torch.nn.Module, batch: torch.Tensor) -> torch.Tensor:
        return super()._loss(net, batch) + self.penalty(net)
