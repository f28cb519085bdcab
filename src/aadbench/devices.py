"""Device and dtype choices shared by torch components (public API for plugin authors).

The functions here return torch objects and import torch when called. The questions a planner
asks without torch (:func:`gpu_present`, :func:`runs_on_gpu`, :func:`resolve_backend`) live in
:mod:`aadbench.hardware` and are re-exported here for plugin authors.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ConfigError
from .hardware import BACKENDS, gpu_present, resolve_backend, runs_on_gpu

if TYPE_CHECKING:
    import torch

__all__ = [
    "BACKENDS", "DTYPE_NAMES", "device_label", "gpu_present", "resolve_backend", "resolve_device",
    "resolve_dtype", "runs_on_gpu",
]

DTYPE_NAMES = ("float32", "bfloat16", "float16", "float64")


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks CUDA when a GPU is there, else the CPU; a missing GPU is a clear error."""
    import torch

    name = str(device or "auto")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"device {name!r} is not one of auto, cpu, cuda, cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} was asked for but torch sees no CUDA GPU; use --device cpu or auto")
    return dev


def resolve_dtype(dtype: str) -> torch.dtype:
    import torch

    if str(dtype) not in DTYPE_NAMES:
        raise ConfigError(f"dtype {dtype!r} is not one of {', '.join(DTYPE_NAMES)}")
    resolved: torch.dtype = getattr(torch, str(dtype))
    return resolved


def device_label(device: torch.device) -> str:
    import torch

    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return "cpu"
