"""BEATs embeddings of 2 s windows every 1 s: the filterbank of each window, the transformer up to
``layer``, the mean over its patches (one 768-d row per window)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ... import weights as weights_api
from ...components import Extractor
from ...devices import device_label, resolve_device
from ...errors import ConfigError
from ..audio_nets.windows import embed_windows, frame, to_samples
from .catalog import CHECKPOINTS
from .fbank import beats_fbank
from .model import BEATs, BEATsConfig, build_beats, load_beats

SAMPLE_RATE = 16000


def checkpoint_of(name: str) -> weights_api.WeightsFile:
    if name not in CHECKPOINTS:
        raise ConfigError(f"beats checkpoint {name!r} is not one of {', '.join(CHECKPOINTS)}")
    return CHECKPOINTS[name]


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    """The identity without building the network (and, with ``fetch=False``, without the network)."""
    wf = checkpoint_of(str(params["checkpoint"]))
    found = weights_api.identity(wf, str(params["weights"]), what=f"beats {params['checkpoint']}", fetch=fetch,
                                 offline=bool(params.get("offline")))
    return {"arch": "beats", "checkpoint": str(params["checkpoint"]), "layer": int(params["layer"]),
            "weights": found, "weights_label": weights_api.label(found), "window_s": float(params["window_s"]),
            "hop_s": float(params["hop_s"])}


class BEATsExtractor(Extractor):
    sample_rate = SAMPLE_RATE

    def __init__(self, *, checkpoint: str = "iter3", weights: str = "auto", layer: int = -1, device: str = "auto",
                 batch_size: int = 16, window_s: float = 2.0, hop_s: float = 1.0, offline: bool = False) -> None:
        wf = checkpoint_of(str(checkpoint))
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size!r}")
        self.checkpoint, self.layer, self.batch_size = str(checkpoint), int(layer), int(batch_size)
        self.window_s, self.hop_s = float(window_s), float(hop_s)
        self.win, self.hop = to_samples(window_s, SAMPLE_RATE), to_samples(hop_s, SAMPLE_RATE)
        if self.win < 400:
            raise ConfigError(f"beats: window_s={window_s} is shorter than one 25 ms filterbank frame")
        path, self.weights = weights_api.resolve(wf, str(weights), what=f"beats {checkpoint}", offline=bool(offline))
        if path is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                net: BEATs = build_beats(BEATsConfig())
        else:
            net, _ = load_beats(path)
        n = net.cfg.encoder_layers
        if not -n <= self.layer < n:
            raise ConfigError(f"beats: layer {self.layer} does not exist (0 .. {n - 1}, or -1 for the last)")
        self.device = resolve_device(device)
        self.net = net.to(self.device).eval()
        self.dim = int(net.cfg.encoder_embed_dim)

    def identity(self) -> dict[str, Any]:
        return {"arch": "beats", "checkpoint": self.checkpoint, "layer": self.layer, "weights": self.weights,
                "weights_label": weights_api.label(self.weights),
                "window_s": self.window_s, "hop_s": self.hop_s, "device": device_label(self.device)}

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        return embed_windows([frame(w, self.win, self.hop) for w in waves], self._embed, self.batch_size)

    def _embed(self, windows: np.ndarray) -> np.ndarray:
        """Windows -> the mean of the chosen layer's patch embeddings, one row each."""
        fbank = beats_fbank(torch.from_numpy(windows).to(self.device))
        hidden = self.net.extract_features(fbank, layer=self.layer)
        out: np.ndarray = hidden.mean(dim=1).float().cpu().numpy()
        return out
