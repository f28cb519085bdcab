"""Device and dtype choices shared by torch components (public API for plugin authors).

Importing this module does not import torch: :func:`gpu_present` and :func:`resolve_backend`
answer from the machine (an NVIDIA driver, ``CUDA_VISIBLE_DEVICES``) without it, so a planner
can key a job on them; the functions that return torch objects import torch when called.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    import torch

DTYPE_NAMES = ("float32", "bfloat16", "float16", "float64")
#: what ``backend="auto"`` becomes: torch implementations on a GPU, scikit-learn's on the CPU
BACKENDS = ("auto", "sklearn", "torch")


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


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible to this process, told without importing torch."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return (gpus.is_dir() and any(gpus.iterdir())) or Path("/dev/nvidia0").exists()


def runs_on_gpu(device: str) -> bool:
    """Whether ``device`` (auto, cpu, cuda, cuda:N) means a GPU here."""
    name = str(device or "auto")
    return name.startswith("cuda") or (name == "auto" and gpu_present())


def resolve_backend(backend: str, device: str) -> str:
    """``auto`` -> ``torch`` when the device is a GPU, else ``sklearn`` (measured the faster on a CPU)."""
    name = str(backend)
    if name not in BACKENDS:
        raise ConfigError(f"backend {name!r} is not one of {', '.join(BACKENDS)}")
    if name != "auto":
        return name
    return "torch" if runs_on_gpu(device) else "sklearn"
