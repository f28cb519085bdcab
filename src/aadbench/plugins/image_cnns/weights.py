"""The torchvision ImageNet weights: the checkpoints of torchvision's weight enums, loaded
through the shared weights code (cache, download, offline, local paths) of ``harness.weights``."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from ...harness import weights as hw
from ...harness.weights import WeightsUnavailableError  # noqa: F401  (re-exported for callers)
from .catalog import EXTRACTOR_ARCH, WEIGHTS

#: torchvision weight enums (the paper's era: the V1 ImageNet weights)
WEIGHT_ENUMS = {arch: wf.source.split(":", 1)[1] for arch, wf in WEIGHTS.items()}
_EXTRACTOR_NAME = {arch: name for name, arch in EXTRACTOR_ARCH.items()}


def weight_enum(arch: str) -> Any:
    import torchvision.models as tvm

    enum_name, member = WEIGHT_ENUMS[arch].split(".")
    return getattr(getattr(tvm, enum_name), member)


def checkpoint_path(arch: str) -> Path:
    """Where torchvision keeps (or would download) the checkpoint."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(weight_enum(arch).url)


def resolve(arch: str, weights: str) -> tuple[dict | None, dict[str, Any]]:
    """``weights`` (auto | imagenet | none | path) -> (state dict or None for random init, identity to store)."""
    path, identity = hw.resolve(WEIGHTS[arch], str(weights), what=_EXTRACTOR_NAME.get(arch, arch))
    if path is None:
        return None, identity
    if identity["kind"] == "pretrained":
        identity = {**identity, "kind": "imagenet"}
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    return state, identity


label = hw.label
