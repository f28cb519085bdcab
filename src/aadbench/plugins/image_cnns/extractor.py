"""ImageNet CNN features of mel-spectrogram images, with the paper's layers."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ...components import Extractor
from ...harness.devices import device_label, resolve_device, resolve_dtype
from ...harness.frontend import FrontendConfig, MelFrontend
from . import weights as weights_mod

#: extractor name -> (torchvision constructor, feature dimension)
ARCHS = {
    "alexnet": ("alexnet", 4096),
    "resnet18": ("resnet18", 512),
    "resnet34": ("resnet34", 512),
    "squeezenet1_0": ("squeezenet1_0", 2048),
    "squeezenet1_1": ("squeezenet1_1", 2048),
}


class _AlexNetPenultimate(torch.nn.Module):
    """AlexNet up to the ReLU after its second fully connected layer (4096-d)."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.features, self.avgpool = net.features, net.avgpool
        self.head = torch.nn.Sequential(*list(net.classifier.children())[:6])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.avgpool(self.features(x)), 1))


class _SqueezeNetPooled(torch.nn.Module):
    """SqueezeNet's final feature map, 2x2 average-pooled and flattened (512x2x2)."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.features = net.features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(F.adaptive_avg_pool2d(self.features(x), 2), 1)


def build_network_unwrapped(arch: str, init_seed: int = 0) -> torch.nn.Module:
    """The plain torchvision model, randomly initialised under ``init_seed``."""
    import torchvision.models as tvm

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        return getattr(tvm, ARCHS[arch][0])(weights=None)


def build_network(arch: str, state: dict | None, init_seed: int = 0) -> torch.nn.Module:
    """The feature network: torchvision's model with ``state`` loaded, cut at the paper's layer."""
    net = build_network_unwrapped(arch, init_seed)
    if state is not None:
        net.load_state_dict(state)
    if arch.startswith("resnet"):
        net.fc = torch.nn.Identity()
        return net
    if arch == "alexnet":
        return _AlexNetPenultimate(net)
    return _SqueezeNetPooled(net)


class TorchvisionCNN(Extractor):
    """Mel patches rendered as images through an ImageNet CNN (PROTOCOL.md §1)."""

    def __init__(self, arch: str, *, weights: str = "auto", device: str = "auto", batch_size: int = 64,
                 dtype: str = "float32", channels_last: bool = False, scaling: str = "patch-minmax",
                 colormap: str = "viridis", interpolation: str = "bilinear") -> None:
        if arch not in ARCHS:
            raise ValueError(f"unknown architecture {arch!r}; one of {', '.join(ARCHS)}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size!r}")
        self.arch, self.dim = arch, ARCHS[arch][1]
        self.batch_size, self.channels_last = int(batch_size), bool(channels_last)
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        self.frontend_config = FrontendConfig(scaling=scaling, colormap=colormap, interpolation=interpolation)
        self.sample_rate = self.frontend_config.sample_rate
        state, self.weights = weights_mod.resolve(arch, weights)
        net = build_network(arch, state).eval()
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        self.net = net.to(self.device, dtype=self.dtype, memory_format=memory_format)
        self.frontend = MelFrontend(self.frontend_config).to(self.device)

    def identity(self) -> dict[str, Any]:
        return {
            "arch": self.arch, "dim": self.dim, "weights": self.weights,
            "weights_label": weights_mod.label(self.weights), "dtype": str(self.dtype).replace("torch.", ""),
            "channels_last": self.channels_last, "frontend": self.frontend_config.as_dict(),
            "device": device_label(self.device),
        }

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        patches = [self.frontend.clip_patches(w) for w in waves]
        counts = [p.shape[0] for p in patches]
        flat = torch.cat(patches) if patches else torch.empty(0, 64, 64)
        outs = [self._embed(flat[i: i + self.batch_size]) for i in range(0, flat.shape[0], self.batch_size)]
        feats = torch.cat(outs).numpy() if outs else np.zeros((0, self.dim), np.float32)
        return [a.copy() for a in np.split(feats, np.cumsum(counts)[:-1])]

    def _embed(self, unit: torch.Tensor) -> torch.Tensor:
        images = self.frontend.images(unit)  # resize before any layout change: faster
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        out = self.net(images.to(self.dtype))
        return out.float().cpu()


def _factory(arch: str):
    def make(**params: Any) -> TorchvisionCNN:
        return TorchvisionCNN(arch, **params)
    make.__name__ = arch
    return make


alexnet = _factory("alexnet")
resnet18 = _factory("resnet18")
resnet34 = _factory("resnet34")
squeezenet = _factory("squeezenet1_0")
squeezenet1_1 = _factory("squeezenet1_1")
