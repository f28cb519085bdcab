"""A timm model's features of the paper's mel-spectrogram images (PROTOCOL.md §1 frontend)."""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch

from ... import weights as weights_mod
from ...components import Extractor
from ...devices import device_label, resolve_device, resolve_dtype
from ...errors import ConfigError
from ...frontend import IMAGENET_MEAN, IMAGENET_STD, FrontendConfig
from ...frontend.mel import MelFrontend
from ..image_cnns.layers import LayerTap, check_layer, output_dim
from . import hub


class Renormalise(torch.nn.Module):
    """Images normalised with the ImageNet statistics -> normalised with the model's own."""

    scale: torch.Tensor
    shift: torch.Tensor

    def __init__(self, net: torch.nn.Module, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        m_in, s_in = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
        m, s = torch.tensor(tuple(mean), dtype=torch.float32), torch.tensor(tuple(std), dtype=torch.float32)
        self.net = net
        self.register_buffer("scale", (s_in / s).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", ((m_in - m) / s).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(x * self.scale.to(x.dtype) + self.shift.to(x.dtype))
        return out


def check_model_name(model: str) -> None:
    import timm

    if timm.is_model(model.partition(".")[0]):
        return
    close = difflib.get_close_matches(model, timm.list_models(), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ConfigError(f"timm has no model {model!r}{hint} (see timm.list_models())")


class TimmExtractor(Extractor):
    """Mel patches rendered as images (viridis, resized to the model's input size) through a timm
    model: its pooled features (``num_classes=0``) or, with ``layer``, that module's output
    globally average-pooled."""

    def __init__(self, *, model: str = "resnet18", weights: str = "auto", device: str = "auto",
                 batch_size: int = 64, layer: str = "", dtype: str = "float32", channels_last: bool = False,
                 scaling: str = "patch-minmax", colormap: str = "viridis", interpolation: str = "bilinear",
                 offline: bool = False, n_fft: int = 1024, hop_length: int = 256, n_mels: int = 64,
                 patch_frames: int = 64, patch_hop: int = 32) -> None:
        import timm

        frontend = {"n_fft": n_fft, "hop_length": hop_length, "n_mels": n_mels, "patch_frames": patch_frames,
                    "patch_hop": patch_hop}

        check_model_name(str(model))
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size!r}")
        self.model, self.layer, self.batch_size = str(model), str(layer or ""), int(batch_size)
        self.channels_last, self.timm_version = bool(channels_last), timm.__version__
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        if self.layer:  # an unknown layer fails before any weights are looked for
            check_layer(hub.create(self.model, pretrained=False), self.layer, f"timm model {self.model!r}")
        net, self.weights = hub.load(self.model, weights, offline=bool(offline))
        cfg: dict[str, Any] = cast("dict[str, Any] | None", net.pretrained_cfg) or {}  # a dict timm sets
        self.mean, self.std = tuple(cfg.get("mean", IMAGENET_MEAN)), tuple(cfg.get("std", IMAGENET_STD))
        size = int(cfg.get("input_size", (3, 224, 224))[-1])
        self.frontend_config = FrontendConfig(
            scaling=scaling, colormap=colormap, interpolation=interpolation, image_size=size,
            **{k: int(v) for k, v in frontend.items()})
        self.sample_rate = self.frontend_config.sample_rate
        self.net = self._wrap(net).to(self.device, dtype=self.dtype)
        self.dim = (output_dim(self.net, size, self.device, self.dtype) if self.layer
                    else int(cast(int, net.num_features)))
        self.frontend = MelFrontend(self.frontend_config).to(self.device)

    def _wrap(self, net: torch.nn.Module) -> torch.nn.Module:
        net = net.eval()
        if self.channels_last:
            net = net.to(memory_format=torch.channels_last)
        if self.layer:
            net = LayerTap(net, self.layer, f"timm model {self.model!r}")
        if (self.mean, self.std) != (tuple(IMAGENET_MEAN), tuple(IMAGENET_STD)):
            net = Renormalise(net, self.mean, self.std)
        return net.eval()

    def identity(self) -> dict[str, Any]:
        return {
            "arch": f"timm:{self.model}", "model": self.model, "timm": self.timm_version, "layer": self.layer,
            "dim": self.dim, "weights": self.weights, "weights_label": weights_mod.label(self.weights),
            "normalisation": {"mean": list(self.mean), "std": list(self.std)},
            "dtype": str(self.dtype).replace("torch.", ""), "channels_last": self.channels_last,
            "frontend": self.frontend_config.as_dict(), "device": device_label(self.device),
        }

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        patches = [self.frontend.clip_patches(w) for w in waves]
        if not patches:
            return []
        counts = [p.shape[0] for p in patches]
        flat = torch.cat(patches)
        outs = [self._embed(flat[i: i + self.batch_size]) for i in range(0, flat.shape[0], self.batch_size)]
        feats = torch.cat(outs).numpy().astype(np.float32, copy=False)
        return [a.copy() for a in np.split(feats, np.cumsum(counts)[:-1])]

    def _embed(self, unit: torch.Tensor) -> torch.Tensor:
        images = self.frontend.images(unit)
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        out: torch.Tensor = self.net(images.to(dtype=self.dtype, memory_format=memory_format))
        return out.float().cpu()
