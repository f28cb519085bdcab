"""An image CNN's identity from its parameters alone: no network is built, no weights are loaded.

It equals what :meth:`~.extractor.TorchvisionCNN.identity` reports (``device`` aside); the
conformance tests check that for every row of the catalogue.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import weights as weights_api
from ...frontend import FrontendConfig
from .catalog import BY_ARCH, CNNS


def weights_identity(arch: str, choice: str, *, fetch: bool = False, offline: bool = False) -> dict[str, Any]:
    """The identity of ``choice`` (auto | imagenet | none | path); ImageNet files are kind ``imagenet``."""
    cnn = BY_ARCH[arch]
    what = next(name for name, c in CNNS.items() if c is cnn)
    found = weights_api.identity(cnn.weights, str(choice), what=what, fetch=fetch, offline=offline)
    return {**found, "kind": "imagenet"} if found["kind"] == "pretrained" else found


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    arch, layer = params["arch"], str(params.get("layer") or "")
    weights = weights_identity(arch, params.get("weights", "auto"), fetch=fetch, offline=bool(params.get("offline")))
    frontend = FrontendConfig.from_params(params)
    out = {"arch": arch, "dim": layer_dim(arch, layer) if layer else BY_ARCH[arch].dim, "weights": weights,
           "weights_label": weights_api.label(weights), "dtype": str(params["dtype"]),
           "channels_last": bool(params["channels_last"]), "frontend": frontend.as_dict()}
    if layer:  # recorded only when set, so the paper's layer keeps its cache keys
        out["layer"] = layer
    return out


_DIMS: dict[tuple[str, str], int] = {}


def layer_dim(arch: str, layer: str) -> int:
    """The width of a tapped layer, from a forward pass on torch's meta device (nothing allocated)."""
    if (arch, layer) not in _DIMS:
        import torch

        from .extractor import build_network_unwrapped
        from .layers import LayerTap

        with torch.device("meta"):
            net = LayerTap(build_network_unwrapped(arch), layer, what=arch)
            out = net(torch.zeros(1, 3, 224, 224))
        _DIMS[(arch, layer)] = int(out.shape[-1])
    return _DIMS[(arch, layer)]
