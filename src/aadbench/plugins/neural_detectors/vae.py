"""A variational autoencoder of MLPs on standardised feature vectors.

Decoder likelihood: a unit-variance Gaussian, so the negative ELBO of a row is
``0.5 * |x - dec(z)|^2 + KL(q(z|x) || N(0, I))`` (up to a constant). Training samples z
with a seeded generator; scoring is deterministic: z = the posterior mean, and
``scoring="elbo"`` gives the negative ELBO there, ``scoring="reconstruction"`` the mean
squared reconstruction error.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import torch
from torch import nn

from ..neural import TorchDetector

SCORES = ("elbo", "reconstruction")


def mlp(sizes: Sequence[int], *, bias: bool = True, act: Callable[[], nn.Module] = nn.ReLU,
        last_act: bool = True) -> nn.Sequential:
    """Linear layers between consecutive ``sizes``, ``act`` after each (but the last unless ``last_act``)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, bias=bias))
        if last_act or i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


class VAENet(nn.Module):
    def __init__(self, dim: int, hidden: Sequence[int], latent: int) -> None:
        super().__init__()
        hidden = list(hidden)
        self.body = mlp([dim, *hidden])
        self.mu, self.logvar = nn.Linear(hidden[-1], latent), nn.Linear(hidden[-1], latent)
        self.decoder = mlp([latent, *hidden[::-1], dim], last_act=False)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mu(h), self.logvar(h)

    @staticmethod
    def terms(x: torch.Tensor, recon: torch.Tensor, mu: torch.Tensor,
              logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-row Gaussian reconstruction term and KL divergence."""
        rec = 0.5 * (x - recon).square().sum(dim=1)
        kl = 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum(dim=1)
        return rec, kl


class VAE(TorchDetector):
    name = "vae"

    def __init__(self, hidden: Sequence[int] = (512, 256), latent: int = 32, scoring: str = "elbo",
                 lr: float = 1e-3, weight_decay: float = 0.0, epochs: int = 50, batch_size: int = 128,
                 random_state: int = 0, device: str = "auto", progress: bool = True) -> None:
        if scoring not in SCORES:
            raise ValueError(f"vae: scoring must be one of {SCORES}, not {scoring!r}")
        if not hidden or int(latent) < 1:
            raise ValueError(f"vae: needs at least one hidden layer and latent >= 1 (got {hidden!r}, {latent!r})")
        self.hidden, self.latent, self.scoring = [int(h) for h in hidden], int(latent), scoring
        self.weight_decay = float(weight_decay)
        self._init_training(epochs, lr, batch_size, random_state, device, progress)

    def _network(self, dim: int) -> nn.Module:
        return VAENet(dim, self.hidden, self.latent)

    def _weight_decay(self) -> float:
        return self.weight_decay

    def _prepare(self, net: nn.Module, data: torch.Tensor) -> None:
        self._noise = torch.Generator(device=data.device).manual_seed(self.random_state)

    def _loss(self, net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        vae = cast(VAENet, net)  # built by _network
        mu, logvar = vae.encode(batch)
        eps = torch.randn(mu.shape, generator=self._noise, device=mu.device, dtype=mu.dtype)
        z = mu + (0.5 * logvar).exp() * eps
        rec, kl = vae.terms(batch, vae.decoder(z), mu, logvar)
        return (rec + kl).mean()

    def _scores(self, net: nn.Module, batch: torch.Tensor) -> torch.Tensor:
        vae = cast(VAENet, net)  # built by _network
        mu, logvar = vae.encode(batch)
        recon: torch.Tensor = vae.decoder(mu)
        if self.scoring == "reconstruction":
            return (batch - recon).square().mean(dim=1)
        rec, kl = vae.terms(batch, recon, mu, logvar)
        return rec + kl
