"""A timm extractor's identity from its parameters: timm's configuration of the model and a
forward pass on torch's meta device for its width (no weights are allocated or loaded)."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from ... import weights as weights_api
from ...frontend import IMAGENET_MEAN, IMAGENET_STD, FrontendConfig
from . import hub

_SHAPES: dict[tuple[str, str], tuple[int, tuple[float, ...], tuple[float, ...], int]] = {}


def _model_facts(model: str, layer: str) -> tuple[int, tuple[float, ...], tuple[float, ...], int]:
    """(width, mean, std, input size) of ``model`` at ``layer`` ("" = its pooled features)."""
    if (model, layer) not in _SHAPES:
        import torch

        from ..image_cnns.layers import LayerTap, check_layer
        from .extractor import check_model_name

        check_model_name(model)
        with torch.device("meta"):
            net = hub.create(model, pretrained=False)
            cfg: dict[str, Any] = cast("dict[str, Any] | None", net.pretrained_cfg) or {}  # a dict timm sets
            size = int(cfg.get("input_size", (3, 224, 224))[-1])
            if layer:
                check_layer(net, layer, f"timm model {model!r}")
                dim = int(LayerTap(net, layer).eval()(torch.zeros(1, 3, size, size)).shape[-1])
            else:
                dim = int(cast(int, net.num_features))
        _SHAPES[(model, layer)] = (dim, tuple(cfg.get("mean", IMAGENET_MEAN)), tuple(cfg.get("std", IMAGENET_STD)),
                                   size)
    return _SHAPES[(model, layer)]


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    import timm

    model, layer = str(params["model"]), str(params.get("layer") or "")
    dim, mean, std, size = _model_facts(model, layer)
    weights = hub.weights_identity(model, params.get("weights", "auto"), fetch=fetch,
                                   offline=bool(params.get("offline")))
    frontend = dataclasses.replace(FrontendConfig.from_params(params), image_size=size)
    return {"arch": f"timm:{model}", "model": model, "timm": timm.__version__, "layer": layer, "dim": dim,
            "weights": weights, "weights_label": weights_api.label(weights),
            "normalisation": {"mean": list(mean), "std": list(std)}, "dtype": str(params["dtype"]),
            "channels_last": bool(params["channels_last"]), "frontend": frontend.as_dict()}
