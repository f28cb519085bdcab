"""Where the torchvision ImageNet weights come from, and what was actually used."""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import torch

log = logging.getLogger(__name__)

#: torchvision weight enums (the paper's era: the V1 ImageNet weights)
WEIGHT_ENUMS = {
    "alexnet": "AlexNet_Weights.IMAGENET1K_V1",
    "resnet18": "ResNet18_Weights.IMAGENET1K_V1",
    "resnet34": "ResNet34_Weights.IMAGENET1K_V1",
    "squeezenet1_0": "SqueezeNet1_0_Weights.IMAGENET1K_V1",
    "squeezenet1_1": "SqueezeNet1_1_Weights.IMAGENET1K_V1",
}
ENV_OFFLINE = "AADBENCH_OFFLINE"


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights were asked for and cannot be had."""


def offline() -> bool:
    return os.environ.get(ENV_OFFLINE, "") not in ("", "0")


def weight_enum(arch: str) -> Any:
    import torchvision.models as tvm

    enum_name, member = WEIGHT_ENUMS[arch].split(".")
    return getattr(getattr(tvm, enum_name), member)


def checkpoint_path(arch: str) -> Path:
    """Where torchvision keeps (or would download) the checkpoint."""
    url = weight_enum(arch).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _missing_message(arch: str, why: str) -> str:
    enum = weight_enum(arch)
    path = checkpoint_path(arch)
    return (f"ImageNet weights for {arch} are not available ({why}). Expected file: {path}. "
            f"Download {enum.url} on a machine with internet and copy it there (or set TORCH_HOME), "
            f"pass a local checkpoint with --set <extractor>.weights=/path/to/file.pth, "
            f"or use --weights none for random weights")


def _load_imagenet(arch: str, required: bool) -> tuple[dict | None, dict[str, Any]]:
    path = checkpoint_path(arch)
    source = f"torchvision:{WEIGHT_ENUMS[arch]}"
    if not path.exists():
        if offline():
            why = f"offline ({ENV_OFFLINE}=1) and not in the cache"
            return _unavailable(arch, required, why)
        try:
            torch.hub.load_state_dict_from_url(weight_enum(arch).url, progress=True, check_hash=True)
        except Exception as exc:  # no network, proxy, disk...
            return _unavailable(arch, required, f"download failed: {type(exc).__name__}: {exc}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state, {"kind": "imagenet", "source": source, "file": path.name, "pretrained": True}


def _unavailable(arch: str, required: bool, why: str) -> tuple[None, dict[str, Any]]:
    message = _missing_message(arch, why)
    if required:
        raise WeightsUnavailableError(message)
    log.warning("!!! %s. FALLING BACK TO RANDOM WEIGHTS: results will be marked random, not pretrained.", message)
    return None, {"kind": "random", "source": "random-init (imagenet unavailable)", "pretrained": False}


def resolve(arch: str, weights: str) -> tuple[dict | None, dict[str, Any]]:
    """``weights`` -> (state dict or None for random init, identity to store)."""
    choice = str(weights)
    if choice == "none":
        return None, {"kind": "random", "source": "random-init", "pretrained": False}
    if choice in ("auto", "imagenet"):
        return _load_imagenet(arch, required=choice == "imagenet")
    path = Path(choice).expanduser()
    if not path.is_file():
        raise WeightsUnavailableError(
            f"weights {choice!r} for {arch}: no such file; use auto, imagenet, none or a path to a checkpoint")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    return state, {"kind": "file", "source": str(path.resolve()), "file": path.name,
                   "sha256": file_sha256(path), "pretrained": True}


def label(identity: dict[str, Any]) -> str:
    """A short string for tables: ``imagenet``, ``random`` or ``file:<name>``."""
    if identity.get("kind") == "file":
        return f"file:{identity.get('file')}@{identity.get('sha256', '')[:8]}"
    return str(identity.get("kind", "unknown"))
