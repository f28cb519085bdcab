"""What a run records about the software and machine it ran on."""
from __future__ import annotations

import importlib.metadata as md
import os
import platform
import sys

PACKAGES = ("aadbench", "numpy", "scipy", "torch", "torchvision", "timm", "librosa", "soundfile",
            "scikit-learn", "pandas", "pluggy")


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def host() -> str:
    return f"{platform.node()} ({platform.system()} {platform.machine()}, {os.cpu_count()} CPUs)"
