"""ImageNet CNN features of mel-spectrogram images, with the paper's layers."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ... import weights as weights_api
from ...components import Extractor
from ...devices import device_label, resolve_device, resolve_dtype
from ...errors import ConfigError
from ...frontend import FrontendConfig
from ...frontend.mel import MelFrontend
from .catalog import BY_ARCH, CNNS
from .layers import LayerTap, output_dim


class _AlexNetPenultimate(torch.nn.Module):
    """AlexNet up to the ReLU after its second fully connected layer (4096-d)."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.features, self.avgpool = net.get_submodule("features"), net.get_submodule("avgpool")
        self.head = torch.nn.Sequential(*list(net.get_submodule("classifier").children())[:6])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(torch.flatten(self.avgpool(self.features(x)), 1))
        return out


class _SqueezeNetPooled(torch.nn.Module):
    """SqueezeNet's final feature map, 2x2 average-pooled and flattened (512x2x2)."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.features = net.get_submodule("features")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(F.adaptive_avg_pool2d(self.features(x), 2), 1)


def build_network_unwrapped(arch: str, init_seed: int = 0) -> torch.nn.Module:
    """The plain torchvision model, randomly initialised under ``init_seed``."""
    import torchvision.models as tvm

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        net: torch.nn.Module = getattr(tvm, arch)(weights=None)
        return net


def build_network(arch: str, state: dict[str, Any] | None, init_seed: int = 0, layer: str = "") -> torch.nn.Module:
    """The feature network: torchvision's model with ``state`` loaded, cut at the paper's layer
    or, when ``layer`` names a module (``layer3``), at that module, globally average-pooled."""
    net = build_network_unwrapped(arch, init_seed)
    if state is not None:
        net.load_state_dict(state)
    if layer:
        return LayerTap(net, layer, what=arch)
    head = BY_ARCH[arch].head
    if head == "pool":
        net.fc = torch.nn.Identity()
        return net
    if head == "penultimate":
        return _AlexNetPenultimate(net)
    return _SqueezeNetPooled(net)


def fold_batchnorm(net: torch.nn.Module, check: bool = True) -> torch.nn.Module:
    """Fold each eval-mode BatchNorm2d into the Conv2d registered just before it (ResNets: ~20% faster).

    The same function up to float rounding; ``check`` compares one random image through both
    and keeps the network unfolded if they disagree (a model whose registration order is not
    its data flow).
    """
    import copy

    from torch.nn.utils.fusion import fuse_conv_bn_eval

    folded = copy.deepcopy(net)
    n = 0
    for module in folded.modules():
        names = list(module._modules)
        for a, b in zip(names, names[1:]):
            conv, bn = module._modules[a], module._modules[b]
            if isinstance(conv, torch.nn.Conv2d) and isinstance(bn, torch.nn.BatchNorm2d):
                module._modules[a], module._modules[b] = fuse_conv_bn_eval(conv, bn), torch.nn.Identity()
                n += 1
    if n == 0:
        return net
    if check:
        x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
        with torch.inference_mode():
            ref, got = net(x), folded(x)
        if not torch.allclose(ref, got, rtol=1e-3, atol=1e-3 * float(ref.abs().max())):
            return net
    return folded


class TorchvisionCNN(Extractor):
    """Mel patches rendered as images through an ImageNet CNN (PROTOCOL.md §1)."""

    def __init__(self, arch: str, *, weights: str = "auto", device: str = "auto", batch_size: int = 64,
                 dtype: str = "float32", channels_last: bool = True, scaling: str = "patch-minmax",
                 colormap: str = "viridis", interpolation: str = "bilinear", compile: bool = False,
                 layer: str = "", offline: bool = False, n_fft: int = 1024, hop_length: int = 256,
                 n_mels: int = 64, patch_frames: int = 64, patch_hop: int = 32) -> None:
        arch = CNNS[arch].arch if arch in CNNS else arch
        if arch not in BY_ARCH:
            raise ConfigError(f"unknown architecture {arch!r}; one of {', '.join(BY_ARCH)}")
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size!r}")
        self.arch, self.dim, self.layer = arch, BY_ARCH[arch].dim, str(layer or "")
        self.batch_size, self.channels_last = int(batch_size), bool(channels_last)
        self.device, self.dtype = resolve_device(device), resolve_dtype(dtype)
        self.frontend_config = FrontendConfig(
            scaling=scaling, colormap=colormap, interpolation=interpolation, n_fft=int(n_fft),
            hop_length=int(hop_length), n_mels=int(n_mels), patch_frames=int(patch_frames), patch_hop=int(patch_hop))
        self.sample_rate = self.frontend_config.sample_rate
        if self.layer:  # an unknown layer fails before any weights are looked for
            build_network(arch, None, layer=self.layer)
        state, self.weights = load_weights(arch, str(weights), offline=bool(offline))
        net = build_network(arch, state, layer=self.layer).eval()
        if not self.layer:  # a layer tap hooks modules by name: leave them as they are
            net = fold_batchnorm(net)
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        # Module.to takes memory_format (torch parses it with Tensor.to's), torch's overloads omit it
        self.net = net.to(self.device, dtype=self.dtype, memory_format=memory_format)  # type: ignore[call-overload]
        if self.layer:
            self.dim = output_dim(self.net, self.frontend_config.image_size, self.device, self.dtype)
        self.compiled = bool(compile)
        if self.compiled:
            self.net = torch.compile(self.net)
        self.frontend = MelFrontend(self.frontend_config).to(self.device)

    def identity(self) -> dict[str, Any]:
        out = {
            "arch": self.arch, "dim": self.dim, "weights": self.weights,
            "weights_label": weights_api.label(self.weights), "dtype": str(self.dtype).replace("torch.", ""),
            "channels_last": self.channels_last, "frontend": self.frontend_config.as_dict(),
            "device": device_label(self.device),
        }
        if self.layer:  # recorded only when set, so the paper's layer keeps its cache keys
            out["layer"] = self.layer
        return out

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        patches = self.frontend.batch_patches(waves)
        counts = [p.shape[0] for p in patches]
        flat = torch.cat(patches) if patches else torch.empty(0, 64, 64)
        outs = [self._embed(flat[i: i + self.batch_size]) for i in range(0, flat.shape[0], self.batch_size)]
        # one copy back at the end: the GPU works through every batch without waiting for the host
        feats = torch.cat(outs).float().cpu().numpy() if outs else np.zeros((0, self.dim), np.float32)
        return [a.copy() for a in np.split(feats, np.cumsum(counts)[:-1])]

    def _embed(self, unit: torch.Tensor) -> torch.Tensor:
        n = unit.shape[0]
        if self.compiled and n < self.batch_size:  # one batch shape: no recompilation for the last batch
            unit = torch.cat([unit, unit.new_zeros((self.batch_size - n, *unit.shape[1:]))])
        images = self.frontend.images(unit)  # resize before any layout or type change: faster
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        out: torch.Tensor = self.net(images.to(dtype=self.dtype, memory_format=memory_format))
        return out[:n]


def load_weights(arch: str, choice: str, *, offline: bool = False) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """``choice`` (auto | imagenet | none | path) -> (state dict or None for random init, identity to store)."""
    cnn = BY_ARCH[arch]
    what = next(name for name, c in CNNS.items() if c is cnn)
    path, identity = weights_api.resolve(cnn.weights, choice, what=what, offline=offline)
    if path is None:
        return None, identity
    if identity["kind"] == "pretrained":
        identity = {**identity, "kind": "imagenet"}
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    return state, identity
