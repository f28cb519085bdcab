"""What this machine has, told without importing torch (public API for plugin authors).

A planner keys jobs on these answers (an NVIDIA driver, ``CUDA_VISIBLE_DEVICES``), so a listing
or a no-op rerun never pays for importing torch. :mod:`aadbench.devices` re-exports them.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

#: what ``backend="auto"`` becomes: torch implementations on a GPU, scikit-learn's on the CPU
BACKENDS = ("auto", "sklearn", "torch")


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
