"""Embeddings of audio networks on 2 s windows every 1 s, so their segment scores pool like patches."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch

from ... import weights as weights_api
from ...audio import resample
from ...components import Extractor
from ...devices import device_label, resolve_device
from ...errors import ConfigError
from ...specs import load_ref
from .catalog import NETS, AudioNet
from .checkpoint import load_into, read_checkpoint
from .frontend import LogMel
from .windows import embed_windows, frame, to_samples


def net_of(arch: str) -> AudioNet:
    if arch not in NETS:
        raise ConfigError(f"unknown audio network {arch!r}; one of {', '.join(NETS)}")
    return NETS[arch]


def build_network(arch: str, init_seed: int = 0) -> torch.nn.Module:
    """The network with random weights drawn under ``init_seed`` (the global RNG is left alone)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        net: torch.nn.Module = load_ref(net_of(arch).build)()
        return net


def load_network(arch: str, weights: str, *, offline: bool = False) -> tuple[torch.nn.Module, dict[str, Any]]:
    """``weights`` (auto | pretrained | none | path) -> (network in eval mode, weights identity)."""
    spec = net_of(arch)
    net = build_network(arch)
    path, identity = weights_api.resolve(spec.weights, weights, what=arch, offline=offline)
    if path is not None:
        trusted = spec.weights.sha256 if identity["kind"] == "pretrained" else None
        load_into(net, read_checkpoint(path, trusted_sha256=trusted), spec.ignored_prefixes, arch)
    return net.eval(), identity


class AudioNetExtractor(Extractor):
    """A pretrained audio network's embedding of every window of a clip.

    Windows of ``window_s`` seconds every ``hop_s`` seconds (the tail that does not fill a
    window is dropped; a clip shorter than one window is one zero-padded window). The clips
    arrive at ``sample_rate`` (the harness resamples to it) and are resampled to the
    network's rate when that differs.
    """

    def __init__(self, arch: str, *, weights: str = "auto", device: str = "auto", batch_size: int = 32,
                 window_s: float = 2.0, hop_s: float = 1.0, sample_rate: int = 16000, offline: bool = False) -> None:
        self.arch, self.spec = arch, net_of(arch)
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size!r}")
        if float(hop_s) <= 0:
            raise ConfigError(f"hop_s must be positive, not {hop_s!r}")
        self.sample_rate, self.net_rate = int(sample_rate), self.spec.sample_rate
        self.window_s, self.hop_s, self.batch_size = float(window_s), float(hop_s), int(batch_size)
        self.win, self.hop = to_samples(window_s, self.net_rate), to_samples(hop_s, self.net_rate)
        self.device = resolve_device(device)
        if self.win < self.spec.min_samples:
            raise ConfigError(f"{arch} needs windows of at least {self.spec.min_samples / self.net_rate:.2f} s, "
                             f"not window_s={window_s}")
        net, self.weights = load_network(arch, weights, offline=bool(offline))
        self.net = net.to(self.device)

    def identity(self) -> dict[str, Any]:
        frontend = cast(LogMel, self.net.frontend)  # every network of NETS computes its log-mel with LogMel
        return {
            "arch": self.arch, "dim": self.spec.dim, "weights": self.weights,
            "weights_label": weights_api.label(self.weights), "window_s": self.window_s, "hop_s": self.hop_s,
            "sample_rate": self.sample_rate, "net_sample_rate": self.net_rate,
            "frontend": frontend.config(), "device": device_label(self.device),
        }

    def windows(self, wave: np.ndarray) -> np.ndarray:
        """One clip at :attr:`sample_rate` -> its windows ``(n, win)`` at the network's rate."""
        return frame(resample(np.asarray(wave, dtype=np.float32), self.sample_rate, self.net_rate),
                     self.win, self.hop)

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        return embed_windows([self.windows(w) for w in waves],
                             lambda batch: self.net(torch.from_numpy(batch).to(self.device)).float().cpu().numpy(),
                             self.batch_size)
