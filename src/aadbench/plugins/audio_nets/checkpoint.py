"""Reading checkpoints safely and loading them into the project's architectures."""
from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from ...weights import WeightsUnavailableError, file_sha256


def _numpy_globals() -> list[Any]:
    """The numpy types training checkpoints pickle (PANNs stores its sampler's arrays)."""
    import numpy as np

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 1.26
        from numpy.core import multiarray  # type: ignore[no-redef]
    items: list[Any] = [np.ndarray, np.dtype]
    for fn in ("_reconstruct", "scalar"):
        for module in ("numpy.core.multiarray", "numpy._core.multiarray"):
            items.append((getattr(multiarray, fn), f"{module}.{fn}"))
    items += [t for t in vars(getattr(np, "dtypes", object())).values() if isinstance(t, type)]
    return items


def _allow_numpy() -> contextlib.AbstractContextManager[Any]:
    allow = getattr(torch.serialization, "safe_globals", None)  # torch >= 2.5
    return allow(_numpy_globals()) if allow is not None else contextlib.nullcontext()


def read_checkpoint(path: str | Path, trusted_sha256: str | None = None) -> Any:
    """``torch.load`` with ``weights_only=True``, numpy arrays allowed.

    Only a file whose full SHA-256 equals ``trusted_sha256`` (a pinned official checkpoint)
    may fall back to full unpickling when it holds other objects.
    """
    try:
        with _allow_numpy():
            return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, AttributeError, TypeError) as exc:  # the latter two: older torch
        if trusted_sha256 and len(trusted_sha256) == 64 and file_sha256(path) == trusted_sha256:
            return torch.load(path, map_location="cpu", weights_only=False)
        raise WeightsUnavailableError(
            f"{path} holds more than tensors and cannot be loaded safely ({exc}); save only its state dict "
            f"(torch.save(model.state_dict(), file)) and pass that file") from None


def state_dict_of(obj: Any) -> dict[str, torch.Tensor]:
    """The state dict in a checkpoint: itself, or under ``model`` / ``state_dict``; no ``module.``."""
    for key in ("model", "state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError("the checkpoint holds no state dict (a mapping of names to tensors)")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def load_into(net: torch.nn.Module, checkpoint: Any, ignored_prefixes: Iterable[str], what: str) -> None:
    """Load strictly, except for the keys under ``ignored_prefixes`` (the frontend computed here)."""
    ignored = tuple(ignored_prefixes)
    state = {k: v for k, v in state_dict_of(checkpoint).items() if not k.startswith(ignored)}
    expected = set(net.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise ValueError(f"the checkpoint does not fit {what}: missing {_few(missing)}, unexpected {_few(unexpected)}")
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:  # shape mismatches
        raise ValueError(f"the checkpoint does not fit {what}: {exc}") from None


def _few(keys: list[str], n: int = 5) -> str:
    if not keys:
        return "none"
    more = f" and {len(keys) - n} more" if len(keys) > n else ""
    return ", ".join(keys[:n]) + more
