"""Deep metric learning that pulls normal features together (Deep SVDD / centre loss).

Narita and Tamamori (2021) trained a network on pretrained audio features so that normal
features gather, suppressing their variance. Here, as in Deep SVDD (Ruff et al. 2018):
an MLP *without bias terms* maps a feature to an embedding; the centre c is the mean
embedding of the training features under the initial weights, then fixed; training
minimises the mean ``|f(x) - c|^2`` (plus Adam weight decay); the score is
``|f(x) - c|^2``. Against the trivial solution (every input mapped to c): no biases, a
fixed c, unbounded activations (leaky ReLU), and c's coordinates kept away from 0.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..neural import TorchDetector
from .vae import mlp

#: c's coordinates closer to 0 than this are pushed out to +-EPS (as in Deep SVDD)
EPS = 0.1


class DML(TorchDetector):
    name = "dml"

    def __init__(self, hidden: Sequence[int] = (512, 256), embedding: int = 64, lr: float = 1e-4,
                 weight_decay: float = 1e-6, epochs: int = 50, batch_size: int = 128, random_state: int = 0,
                 device: str = "auto", progress: bool = True) -> None:
        if int(embedding) < 1:
            raise ValueError(f"dml: embedding must be at least 1, not {embedding!r}")
        self.hidden, self.embedding = [int(h) for h in hidden], int(embedding)
        self.weight_decay = float(weight_decay)
        self._init_training(epochs, lr, batch_size, random_state, device, progress)

    def _network(self, dim: int) -> nn.Module:
        act = lambda: nn.LeakyReLU(0.1)  # noqa: E731
        return mlp([dim, *self.hidden, self.embedding], bias=False, act=act, last_act=False)

    def _weight_decay(self) -> float:
        return self.weight_decay

    @torch.no_grad()
    def _prepare(self, net: nn.Module, data: torch.Tensor) -> None:
        total = sum(net(data[i: i + 4096]).double().sum(0) for i in range(0, data.shape[0], 4096))
        c: torch.Tensor = (total / data.shape[0]).float()
        near = c.abs() < EPS
        c[near] = torch.where(c[near] < 0, -EPS, EPS)
        self.center_ = c

    def _loss(self, net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        emb: torch.Tensor = net(batch)
        return (emb - self.center_).square().sum(dim=1).mean()

    def _scores(self, net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        emb: torch.Tensor = net(batch)
        return (emb - self.center_).square().sum(dim=1)
