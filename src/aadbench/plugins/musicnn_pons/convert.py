"""``aadbench weights fetch musicnn-pons``: the musicnn package's checkpoints, without TensorFlow.

The ``musicnn`` wheel on the Python package index ships Pons et al.'s trained models as TensorFlow
checkpoints (ISC licence). Its metadata pins numpy<1.17 and TensorFlow, so it is never installed:
``pip download --no-deps`` fetches the wheel file alone (or the user hands one over with
``--from``), its SHA-256 is checked, the checkpoints' tensors are read with
:mod:`aadbench.plugins.audio_nets.tensorbundle` (optimiser slots dropped) and written as
safetensors into the weights cache, one file per model.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ... import weights as weights_api
from ...errors import WeightsUnavailableError

WHEEL = "musicnn-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
MODELS = ("MTT_musicnn", "MSD_musicnn", "MTT_vgg", "MSD_vgg")


def cache_name(model: str) -> str:
    return f"musicnn-pons-{model}.safetensors"


def pip_download(folder: Path) -> Path:
    """The wheel, downloaded alone (no dependencies, nothing installed) by this Python's pip."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "-d", str(folder), "musicnn==0.1.0"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wheel = folder / WHEEL
    if done.returncode != 0 or not wheel.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise WeightsUnavailableError(f"pip download musicnn==0.1.0 failed ({tail[0]}); download {WHEEL} where "
                                      f"the package index is reachable and run "
                                      f"`aadbench weights fetch musicnn-pons --from {WHEEL}`")
    return wheel


def checkpoints_from_wheel(wheel: Path) -> dict[str, dict[str, np.ndarray]]:
    """Every model's variables (without Adam's slots and power accumulators), read from the wheel."""
    from ..audio_nets.tensorbundle import read_checkpoint

    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise WeightsUnavailableError(f"{wheel}: SHA-256 {digest[:12]}... is not that of {WHEEL} "
                                      f"({WHEEL_SHA256[:12]}...); use the wheel from the package index")
    out = {}
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as z:
        for model in MODELS:
            for suffix in (".index", ".data-00000-of-00001"):
                target = Path(tmp) / model / suffix
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(f"musicnn/{model}/{suffix}"))
            tensors = read_checkpoint(str(Path(tmp) / model) + "/")
            out[model] = {k: v for k, v in tensors.items()
                          if "/Adam" not in k and k not in ("beta1_power", "beta2_power")}
    return out


def convert(wf: weights_api.WeightsFile, source: str | None) -> Path:
    """Make every model's safetensors file in the cache (from ``source`` or a fresh download)."""
    from safetensors.numpy import save_file

    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(source).expanduser() if source else pip_download(Path(tmp))
        if not wheel.is_file():
            raise WeightsUnavailableError(f"--from {source}: no such file")
        models = checkpoints_from_wheel(wheel)
    target = weights_api.cache_path(wf).parent
    target.mkdir(parents=True, exist_ok=True)
    for model, tensors in models.items():
        save_file({k: np.ascontiguousarray(v) for k, v in sorted(tensors.items())}, str(target / cache_name(model)),
                  metadata={"source": f"{WHEEL} musicnn/{model}"})  # one key: a fixed header
    return weights_api.cache_path(wf)
