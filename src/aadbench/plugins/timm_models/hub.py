"""Where a timm model's pretrained weights come from, whether they are cached, and loading them
without touching the network when ``AADBENCH_OFFLINE`` is set."""
from __future__ import annotations

import contextlib
import logging
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from ... import weights as weights_mod
from ...errors import WeightsUnavailableError

log = logging.getLogger(__name__)

#: files timm looks for in a hub repository, in its order of preference
_HF_FILES = ("model.safetensors", "open_clip_model.safetensors", "pytorch_model.bin", "open_clip_pytorch_model.bin")


def source(model: str) -> dict[str, Any]:
    """``{"kind": "hf-hub"|"url"|"none", "location": ..., "tag": ...}`` of the model's default weights."""
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(model)
    if cfg is None:
        return {"kind": "none", "location": "", "tag": ""}
    if cfg.hf_hub_id:
        return {"kind": "hf-hub", "location": cfg.hf_hub_id, "tag": cfg.tag or "", "filename": cfg.hf_hub_filename}
    if cfg.url:
        return {"kind": "url", "location": cfg.url, "tag": cfg.tag or ""}
    return {"kind": "none", "location": "", "tag": cfg.tag or ""}


def hf_cached_file(repo: str, filename: str | None = None) -> Path | None:
    """The cached weights file of hub repository ``repo`` (``id`` or ``id@revision``), if any."""
    from huggingface_hub import constants, try_to_load_from_cache

    repo_id, _, revision = repo.partition("@")
    for name in ([filename] if filename else _HF_FILES):
        found = try_to_load_from_cache(repo_id, name, cache_dir=constants.HF_HUB_CACHE, revision=revision or None)
        if isinstance(found, str):
            return Path(found)
    return None


def cached(src: dict[str, Any]) -> Path | None:
    if src["kind"] == "hf-hub":
        return hf_cached_file(src["location"], src.get("filename"))
    if src["kind"] == "url":
        path = weights_mod.hub_dir() / "checkpoints" / os.path.basename(src["location"].split("?")[0])
        return path if path.is_file() else None
    return None


@contextlib.contextmanager
def hf_offline(enabled: bool = True) -> Iterator[None]:
    """Hugging Face hub offline mode for the duration (its flag is read at import, so set both)."""
    if not enabled:
        yield
        return
    from huggingface_hub import constants

    old_env, old_flag = os.environ.get("HF_HUB_OFFLINE"), constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"], constants.HF_HUB_OFFLINE = "1", True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = old_flag
        if old_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old_env


def missing_message(model: str, src: dict[str, Any], why: str) -> str:
    if src["kind"] == "hf-hub":
        from huggingface_hub import constants

        where = (f"the Hugging Face hub cache {constants.HF_HUB_CACHE} (HF_HOME or HF_HUB_CACHE move it); "
                 f"fill it on a machine with internet with `hf download {src['location'].partition('@')[0]}` "
                 f"(or `aadbench run` once there) and copy the cache folder, or set HF_HOME to a copy of it")
    elif src["kind"] == "url":
        path = weights_mod.hub_dir() / "checkpoints" / os.path.basename(src["location"].split("?")[0])
        where = f"{path}; download {src['location']} there"
    else:
        where = "nowhere: timm knows no pretrained weights for it"
    return (f"pretrained weights for timm model {model!r} are not available ({why}). Expected in {where}. "
            f"Or pass a local checkpoint with --set timm.weights=/path/to/file, or use --weights none for random "
            f"weights")


def create(model: str, *, pretrained: bool, init_seed: int = 0, **overlay: Any) -> torch.nn.Module:
    """``timm.create_model(model, num_classes=0)``: pooled features, random parts seeded."""
    import timm

    kwargs: dict[str, Any] = {"pretrained": pretrained, "num_classes": 0}
    if overlay:
        kwargs["pretrained_cfg_overlay"] = overlay
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        return timm.create_model(model, **kwargs)


def load(model: str, choice: str, *, offline: bool = False) -> tuple[torch.nn.Module, dict[str, Any]]:
    """``choice`` (auto | pretrained | imagenet | none | path) -> (network, weights identity)."""
    choice = str(choice)
    if choice == "none":
        return create(model, pretrained=False), weights_mod.random_identity()
    if choice not in ("auto", *weights_mod.PRETRAINED_CHOICES):
        path, identity = weights_mod.local_file(choice, f"timm model {model!r}")
        return create(model, pretrained=True, file=str(path)), identity
    return _pretrained(model, required=choice != "auto", offline=offline)


def _url(src: dict[str, Any]) -> str:
    """Where the weights would be downloaded from (the Hugging Face hub's endpoint for hub repositories)."""
    if src["kind"] == "hf-hub":
        from huggingface_hub import constants

        return str(constants.ENDPOINT)
    return str(src["location"])


def pretrained_identity(model: str, src: dict[str, Any], file: Path | None) -> dict[str, Any]:
    return {"kind": "pretrained", "source": f"timm:{model} ({src['location']})", "pretrained": True,
            "file": file.name if file else ""}


def weights_identity(model: str, choice: str, *, fetch: bool = False, offline: bool = False) -> dict[str, Any]:
    """The identity :func:`load` would give, without building the model.

    Without ``fetch`` nothing touches the network: weights not in the cache count as random
    for ``auto``. With ``fetch`` (and not ``offline``) missing weights are downloaded into
    the hub cache first, as :func:`load` would.
    """
    choice = str(choice)
    if choice == "none":
        return weights_mod.random_identity()
    if choice not in ("auto", *weights_mod.PRETRAINED_CHOICES):
        return weights_mod.local_file(choice, f"timm model {model!r}")[1]
    src = source(model)
    found = cached(src)
    if found is not None:
        return pretrained_identity(model, src, found)
    if src["kind"] == "none" or not fetch:
        if choice == "auto":
            return weights_mod.random_identity(weights_mod.FALLBACK_NOTE)
        return pretrained_identity(model, src, None)
    return _pretrained(model, required=choice != "auto", offline=offline)[1]


def _pretrained(model: str, required: bool, offline: bool) -> tuple[torch.nn.Module, dict[str, Any]]:
    src = source(model)
    found = cached(src)
    if src["kind"] == "none":
        return _unavailable(model, src, required, "timm has no pretrained weights for it")
    if found is None and offline:
        return _unavailable(model, src, required, "offline and not in the cache")
    if found is None and not weights_mod.reachable(_url(src)):
        host = urllib.parse.urlsplit(_url(src)).hostname
        return _unavailable(model, src, required, f"no network: {host} cannot be reached within "
                                                  f"{weights_mod.PROBE_TIMEOUT_S:g} s")
    try:
        with hf_offline(found is not None or offline):
            net = create(model, pretrained=True)
    except Exception as exc:  # no network, missing file, proxy...
        return _unavailable(model, src, required, f"loading failed: {type(exc).__name__}: {exc}")
    return net, pretrained_identity(model, src, cached(src))


def _unavailable(model: str, src: dict[str, Any], required: bool,
                 why: str) -> tuple[torch.nn.Module, dict[str, Any]]:
    message = missing_message(model, src, why)
    if required:
        raise WeightsUnavailableError(message)
    log.warning("!!! %s. FALLING BACK TO RANDOM WEIGHTS: results will be marked random, not pretrained.", message)
    return create(model, pretrained=False), weights_mod.random_identity(weights_mod.FALLBACK_NOTE)
