"""musicnn (Pons and Serra) features of 3 s windows every 1 s: the penultimate dense layer (200) or
the mid-level features pooled over time (mean or max, 753)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ... import weights as weights_api
from ...components import Extractor
from ...devices import device_label, resolve_device
from ...errors import ConfigError
from ..audio_nets.windows import embed_windows
from .catalog import CHECKPOINTS, MUSICNN_MODELS
from .model import LAYERS, N_MELS, Musicnn, build, state_from_tensorflow

SAMPLE_RATE, N_FFT, HOP = 16000, 512, 256


def _checked(checkpoint: str, layer: str) -> weights_api.WeightsFile:
    if checkpoint not in MUSICNN_MODELS:
        raise ConfigError(f"musicnn-pons checkpoint {checkpoint!r} is not one of {', '.join(MUSICNN_MODELS)}")
    if layer not in LAYERS:
        raise ConfigError(f"musicnn-pons layer {layer!r} is not one of {', '.join(LAYERS)}")
    return CHECKPOINTS[checkpoint]


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    wf = _checked(str(params["checkpoint"]), str(params["layer"]))
    found = weights_api.identity(wf, str(params["weights"]), what="musicnn-pons", fetch=False,
                                 offline=bool(params.get("offline")))
    return {"arch": "musicnn-pons", "checkpoint": str(params["checkpoint"]), "layer": str(params["layer"]),
            "weights": found, "weights_label": weights_api.label(found), "window_s": float(params["window_s"]),
            "hop_s": float(params["hop_s"])}


def frames(seconds: float) -> int:
    """librosa's time_to_frames for this STFT (as the musicnn package counts its input)."""
    return max(1, int((round(seconds * SAMPLE_RATE) - N_FFT // 2) // HOP))


def log_mel(wave: np.ndarray) -> np.ndarray:
    """``(frames, 96)``: ``log10(1 + 10000 mel)`` as musicnn was trained on (computed in float32:
    the package's float16 cast overflows on loud input)."""
    import librosa

    mel = librosa.feature.melspectrogram(y=np.asarray(wave, dtype=np.float32), sr=SAMPLE_RATE, hop_length=HOP,
                                         n_fft=N_FFT, n_mels=N_MELS).T
    out: np.ndarray = np.log10(10000.0 * mel + 1.0).astype(np.float32)
    return out


class MusicnnPonsExtractor(Extractor):
    sample_rate = SAMPLE_RATE

    def __init__(self, *, checkpoint: str = "MTT_musicnn", layer: str = "penultimate", weights: str = "auto",
                 device: str = "auto", batch_size: int = 32, window_s: float = 3.0, hop_s: float = 1.0,
                 offline: bool = False) -> None:
        wf = _checked(str(checkpoint), str(layer))
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size!r}")
        self.checkpoint, self.layer, self.batch_size = str(checkpoint), str(layer), int(batch_size)
        self.window_s, self.hop_s = float(window_s), float(hop_s)
        self.n_frames, self.hop_frames = frames(window_s) + 1, max(1, frames(hop_s))
        path, self.weights = weights_api.resolve(wf, str(weights), what="musicnn-pons", offline=bool(offline))
        net: Musicnn = build()
        if path is not None:
            net.load_state_dict(load_state(str(path)), strict=False)  # BatchNorm's num_batches_tracked is not stored
        self.device = resolve_device(device)
        self.net = net.to(self.device).eval()

    def identity(self) -> dict[str, Any]:
        return {"arch": "musicnn-pons", "checkpoint": self.checkpoint, "layer": self.layer, "weights": self.weights,
                "weights_label": weights_api.label(self.weights), "window_s": self.window_s, "hop_s": self.hop_s,
                "device": device_label(self.device)}

    def _windows(self, wave: np.ndarray) -> np.ndarray:
        spec = log_mel(wave)
        if spec.shape[0] < self.n_frames:  # repeat-pad, as the models were trained
            spec = np.tile(spec, (-(-self.n_frames // max(1, spec.shape[0])), 1))[: self.n_frames]
        starts = range(0, spec.shape[0] - self.n_frames + 1, self.hop_frames)
        return np.stack([spec[s: s + self.n_frames] for s in starts])

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        return embed_windows(
            [self._windows(w) for w in waves],
            lambda batch: self.net(torch.from_numpy(batch).to(self.device), self.layer).float().cpu().numpy(),
            self.batch_size)


def load_state(path: str) -> dict[str, torch.Tensor]:
    """A converted checkpoint (safetensors of the TensorFlow variables) or a state dict of :class:`Musicnn`."""
    from safetensors.numpy import load_file

    if path.endswith(".safetensors"):
        tensors = load_file(path)
        if "dense/kernel" in tensors:
            return state_from_tensorflow(tensors)
        return {k: torch.from_numpy(v) for k, v in tensors.items()}
    state: dict[str, torch.Tensor] = torch.load(path, map_location="cpu", weights_only=True)
    return state
