"""Features of an intermediate layer: a forward hook that stops the pass there, then global pooling."""
from __future__ import annotations

import torch

from ...errors import ConfigError

#: modules listed in the error for an unknown layer: names with at most this many dots
_LISTED_DEPTH = 1


class _Reached(Exception):
    """Raised by the hook to stop the forward pass at the tapped layer."""

    def __init__(self, output: object) -> None:
        super().__init__("layer reached")
        self.output = output


def layer_names(net: torch.nn.Module) -> list[str]:
    return [name for name, _ in net.named_modules() if name]


def check_layer(net: torch.nn.Module, layer: str, what: str) -> torch.nn.Module:
    """The module called ``layer``; an unknown name is a ValueError that lists the valid ones."""
    modules: dict[str, torch.nn.Module] = dict(net.named_modules())
    if layer and layer in modules:
        return modules[layer]
    names = layer_names(net)
    shown = [n for n in names if n.count(".") <= _LISTED_DEPTH]
    deeper = [n for n in names if n.count(".") > _LISTED_DEPTH]
    more = f" (and {len(deeper)} deeper ones, e.g. {deeper[0]})" if deeper else ""
    raise ConfigError(f"{what} has no layer {layer!r}; valid layer names: {', '.join(shown)}{more}")


def global_pool(out: object) -> torch.Tensor:
    """A layer's output -> ``(batch, channels)``: mean over every axis after the channels.

    4-D and deeper outputs are taken as ``(batch, channels, ...)``; 3-D outputs as token
    sequences ``(batch, tokens, channels)``, averaged over the tokens.
    """
    if isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"the tapped layer returned {type(out).__name__}, not a tensor")
    if out.ndim == 2:
        return out
    if out.ndim == 3:
        return out.mean(dim=1)
    return out.flatten(2).mean(dim=2)


class LayerTap(torch.nn.Module):
    """Runs ``net`` up to module ``layer`` and returns its globally average-pooled output."""

    def __init__(self, net: torch.nn.Module, layer: str, what: str = "the network") -> None:
        super().__init__()
        self.net, self.layer = net, layer
        check_layer(net, layer, what).register_forward_hook(self._hook)

    @staticmethod
    def _hook(module: torch.nn.Module, inputs: object, output: object) -> None:
        raise _Reached(output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            self.net(x)
        except _Reached as reached:
            return global_pool(reached.output)
        raise RuntimeError(f"layer {self.layer!r} was not used in the forward pass")


def output_dim(net: torch.nn.Module, image_size: int = 224, device: torch.device | str = "cpu",
               dtype: torch.dtype = torch.float32) -> int:
    """The feature dimension, from one forward pass on a blank image."""
    with torch.inference_mode():
        out = net(torch.zeros(1, 3, image_size, image_size, device=device, dtype=dtype))
    return int(out.shape[-1])
