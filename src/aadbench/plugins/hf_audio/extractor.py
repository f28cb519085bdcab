"""A ``transformers`` audio encoder over 2 s windows: feature extractor, model, one hidden state
averaged over time per window."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ... import weights as weights_api
from ...components import Extractor
from ...devices import device_label, resolve_device
from ...errors import ConfigError, WeightsUnavailableError
from ..audio_nets.windows import embed_windows, frame, to_samples
from ..timm_models.hub import hf_offline

HUB = "https://huggingface.co"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def is_local(model: str) -> bool:
    return Path(model).expanduser().is_dir()


def _offline(offline: bool) -> bool:
    return bool(offline) or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")


def weights_identity(model: str, revision: str, choice: str) -> dict[str, Any]:
    """Where the weights come from: a local folder (with its files' SHA-256) or a hub repository."""
    if str(choice) == "none":
        return weights_api.random_identity()
    if is_local(model):
        folder = Path(model).expanduser().resolve()
        files = sorted(p for p in folder.iterdir() if p.name in _WEIGHT_FILES or p.name.endswith(".safetensors"))
        digest = hashlib.sha256()
        for p in files:
            digest.update(f"{p.name}:{weights_api.file_sha256(p)}\n".encode())
        return {"kind": "file", "source": str(folder), "file": ",".join(p.name for p in files),
                "sha256": digest.hexdigest(), "pretrained": True}
    return {"kind": "pretrained", "source": f"huggingface.co/{model}" + (f"@{revision}" if revision else ""),
            "file": model, "pretrained": True}


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    model = str(params["model"])
    weights = weights_identity(model, str(params.get("revision") or ""), str(params["weights"]))
    return {"arch": f"hf:{model}", "model": model, "revision": str(params.get("revision") or ""),
            "layer": int(params["layer"]), "weights": weights, "weights_label": weights_api.label(weights),
            "window_s": float(params["window_s"]), "hop_s": float(params["hop_s"])}


def missing_message(model: str, why: str) -> str:
    from huggingface_hub import constants

    return (f"hf:{model} is not available ({why}). Expected in the Hugging Face hub cache {constants.HF_HUB_CACHE} "
            f"(HF_HOME or HF_HUB_CACHE move it): fetch it on a machine with internet with `hf download {model}` "
            f"and copy the cache folder, or save the model and its feature extractor to a folder "
            f"(save_pretrained) and use hf:/path/to/that/folder")


def load(model: str, revision: str, choice: str, offline: bool) -> tuple[Any, Any]:
    """(feature extractor, model in eval mode) of a hub id or a local folder; fails fast offline."""
    try:
        import transformers
        from transformers import AutoConfig, AutoFeatureExtractor, AutoModel
    except ImportError:
        raise ConfigError('hf: extractors need Hugging Face transformers: pip install "aadbench[hf]"') from None

    transformers.logging.disable_progress_bar()  # no per-tensor "Loading weights" bars in a run's output
    local = is_local(model)
    source = str(Path(model).expanduser()) if local else model
    offline = _offline(offline) and not local
    if not local and not offline and not weights_api.reachable(HUB):
        offline = True  # no network: the cache or nothing, without minutes of retries
    kwargs: dict[str, Any] = {"revision": revision or None, "local_files_only": offline or local}
    try:
        with hf_offline(offline):
            config = AutoConfig.from_pretrained(source, **kwargs)
            frontend = AutoFeatureExtractor.from_pretrained(source, **kwargs)
            model_cls: Any = AutoModel
            if config.model_type == "clap":  # the audio tower alone
                model_cls, config = transformers.ClapAudioModel, config.audio_config
            if str(choice) == "none":
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(0)
                    net = model_cls.from_config(config)
            else:
                net = model_cls.from_pretrained(source, **kwargs)
    except OSError as exc:
        why = "offline and not in the cache" if offline else f"{type(exc).__name__}: {exc}"
        raise WeightsUnavailableError(missing_message(model, why)) from None
    except ValueError as exc:  # not an audio model, unknown architecture
        raise ConfigError(f"hf:{model}: {exc}") from None
    return frontend, net.eval()


class HFAudioExtractor(Extractor):
    def __init__(self, *, model: str = "MIT/ast-finetuned-audioset-10-10-0.4593", revision: str = "",
                 weights: str = "auto", layer: int = -1, device: str = "auto", batch_size: int = 8,
                 window_s: float = 2.0, hop_s: float = 1.0, offline: bool = False) -> None:
        if str(weights) not in ("auto", "pretrained", "none"):
            raise ConfigError(f"hf:{model}: weights must be auto, pretrained or none (a local model is a folder: "
                              f"hf:/path/to/folder), not {weights!r}")
        if int(batch_size) < 1:
            raise ConfigError(f"batch_size must be at least 1, not {batch_size!r}")
        self.model, self.revision, self.layer = str(model), str(revision or ""), int(layer)
        self.batch_size, self.window_s, self.hop_s = int(batch_size), float(window_s), float(hop_s)
        self.frontend, net = load(self.model, self.revision, str(weights), bool(offline))
        self.weights = weights_identity(self.model, self.revision, str(weights))
        self.sample_rate = int(getattr(self.frontend, "sampling_rate", 16000))
        self.win, self.hop = to_samples(window_s, self.sample_rate), to_samples(hop_s, self.sample_rate)
        n_hidden = int(getattr(net.config, "num_hidden_layers", 0)) + 1
        if not -n_hidden <= self.layer < n_hidden:
            raise ConfigError(f"hf:{model}: layer {self.layer} does not exist (0 = the embeddings, 1 .. "
                              f"{n_hidden - 1} the layers, -1 the last)")
        self.device = resolve_device(device)
        self.net = net.to(self.device)

    def identity(self) -> dict[str, Any]:
        return {"arch": f"hf:{self.model}", "model": self.model, "revision": self.revision, "layer": self.layer,
                "weights": self.weights, "weights_label": weights_api.label(self.weights),
                "window_s": self.window_s, "hop_s": self.hop_s, "device": device_label(self.device)}

    @torch.inference_mode()
    def extract(self, waves: Sequence[np.ndarray]) -> list[np.ndarray]:
        return embed_windows([frame(w, self.win, self.hop) for w in waves], self._embed, self.batch_size)

    def _embed(self, windows: np.ndarray) -> np.ndarray:
        """Windows -> the chosen hidden state averaged over time (and frequency, for 2-d encoders)."""
        inputs = self.frontend(list(windows), sampling_rate=self.sample_rate, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items() if isinstance(v, torch.Tensor)}
        hidden = self.net(**inputs, output_hidden_states=True).hidden_states[self.layer]
        out: np.ndarray = hidden.float().reshape(hidden.shape[0], -1, hidden.shape[-1]).mean(dim=1).cpu().numpy()
        return out
