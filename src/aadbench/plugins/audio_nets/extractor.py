"""Embeddings of audio networks on 2 s windows every 1 s, so their segment scores pool like patches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from ...components import Extractor
from ...harness import weights as weights_mod
from ...harness.audio import resample
from ...harness.devices import device_label, resolve_device
from ...harness.weights import WeightsFile
from . import catalog, musicnn, panns
from .checkpoint import load_into, read_checkpoint
from .windows import frame, to_samples


@dataclass(frozen=True)
class Arch:
    """How to build one network and load its checkpoint."""

    build: Callable[[], torch.nn.Module]
    dim: int
    weights: WeightsFile
    ignored_prefixes: tuple[str, ...]
    sample_rate: int


ARCHS = {
    "panns-cnn14": Arch(panns.Cnn14, panns.EMBEDDING_DIM, catalog.PANNS_CNN14_16K, panns.IGNORED_PREFIXES,
                        panns.FRONTEND["sample_rate"]),
    "musicnn-mtat": Arch(musicnn.Musicnn, musicnn.EMBEDDING_DIM, catalog.MUSICNN_MTAT, musicnn.IGNORED_PREFIXES,
                         musicnn.FRONTEND["sample_rate"]),
}


def build_network(arch: str, init_seed: int = 0) -> torch.nn.Module:
    """The network with random weights drawn under ``init_seed`` (the global RNG is left alone)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        return ARCHS[arch].build()


def load_network(arch: str, weights: str) -> tuple[torch.nn.Module, dict[str, Any]]:
    """``weights`` (auto | pretrained | none | path) -> (network in eval mode, weights identity)."""
    spec = ARCHS[arch]
    net = build_network(arch)
    path, identity = weights_mod.resolve(spec.weights, weights, what=arch)
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
                 window_s: float = 2.0, hop_s: float = 1.0, sample_rate: int = 16000) -> None:
        if arch not in ARCHS:
            raise ValueError(f"unknown audio network {arch!r}; one of {', '.join(ARCHS)}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size!r}")
        if float(hop_s) <= 0:
            raise ValueError(f"hop_s must be positive, not {hop_s!r}")
        self.arch, self.spec = arch, ARCHS[arch]
        self.sample_rate, self.net_rate = int(sample_rate), self.spec.sample_rate
        self.window_s, self.hop_s, self.batch_size = float(window_s), float(hop_s), int(batch_size)
        self.win, self.hop = to_samples(window_s, self.net_rate), to_samples(hop_s, self.net_rate)
        self.device = resolve_device(device)
        net, self.weights = load_network(arch, weights)
        if self.win < net.min_samples():
            raise ValueError(f"{arch} needs windows of at least {net.min_samples() / self.net_rate:.2f} s, "
                             f"not window_s={window_s}")
        self.net = net.to(self.device)

    def identity(self) -> dict[str, Any]:
        return {
            "arch": self.arch, "dim": self.spec.dim, "weights": self.weights,
            "weights_label": weights_mod.label(self.weights), "window_s": self.window_s, "hop_s": self.hop_s,
            "sample_rate": self.sample_rate, "net_sample_rate": self.net_rate,
            "frontend": self.net.frontend.config(), "device": device_label(self.device),
        }

    def windows(self, wave: np.ndarray) -> np.ndarray:
        """One clip at :attr:`sample_rate` -> its windows ``(n, win)`` at the network's rate."""
        return frame(resample(np.asarray(wave, dtype=np.float32), self.sample_rate, self.net_rate),
                     self.win, self.hop)

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        framed = [self.windows(w) for w in waves]
        if not framed:
            return []
        counts = [f.shape[0] for f in framed]
        flat = torch.from_numpy(np.concatenate(framed))
        outs = [self.net(flat[i: i + self.batch_size].to(self.device)).float().cpu()
                for i in range(0, flat.shape[0], self.batch_size)]
        feats = torch.cat(outs).numpy().astype(np.float32, copy=False)
        return [a.copy() for a in np.split(feats, np.cumsum(counts)[:-1])]


def _factory(arch: str) -> Callable[..., AudioNetExtractor]:
    def make(**params: Any) -> AudioNetExtractor:
        return AudioNetExtractor(arch, **params)
    make.__name__ = arch.replace("-", "_")
    return make


panns_cnn14 = _factory("panns-cnn14")
musicnn_mtat = _factory("musicnn-mtat")
