"""The model folder: ``model.json`` (format, versions, tasks, every file's SHA-256), one folder per
task (``manifest.json``, ``arrays.npz``, ``tensors.safetensors``, ``*.skops``) and ``weights/``
for embedded checkpoints. Nothing in it is a pickle; every file is checked against its hash
before it is read, so a truncated or altered copy fails with one line.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import tempfile
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ...errors import ModelError

FORMAT = "aadbench-model"
FORMAT_VERSION = 1
INDEX = "model.json"
SUFFIX = ".aadmodel"
_DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "torch", "torchvision", "timm", "skops", "safetensors", "librosa")


def versions() -> dict[str, str]:
    """aadbench's and its dependencies' versions (recorded in every model)."""
    out = {"aadbench": _version("aadbench"), "python": platform.python_version()}
    for name in _DEPENDENCIES:
        out[name] = _version(name)
    return out


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def task_folder(task: str) -> str:
    return "tasks/" + re.sub(r"[^A-Za-z0-9_.-]+", "_", task)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ModelWriter:
    """Writes a model folder task by task: ``model.json`` is rewritten after each, so an
    interrupted fit leaves a loadable model of the tasks it finished."""

    def __init__(self, root: str | os.PathLike[str], *, header: Mapping[str, Any]) -> None:
        self.root = Path(root).expanduser()
        if self.root.exists() and not self.root.is_dir():
            raise ModelError(f"{self.root} exists and is not a model folder; choose another --out")
        if self.root.is_dir() and any(self.root.iterdir()) and not (self.root / INDEX).is_file():
            raise ModelError(f"{self.root} is a folder that holds other files; choose a new or empty --out")
        self.root.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION,
                                      "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                      "versions": versions(), **dict(header), "tasks": {}, "files": {}}
        old = self.root / INDEX
        if old.is_file():  # refitting into the same folder keeps the tasks not fitted again
            try:
                previous = json.loads(old.read_text())
                if previous.get("format_version") == FORMAT_VERSION:
                    self.index["tasks"], self.index["files"] = previous["tasks"], previous["files"]
            except (ValueError, KeyError):
                pass

    def write(self, relpath: str, data: bytes) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, data)
        self.index["files"][relpath] = sha256(data)

    def add_task(self, task: str, manifest: Mapping[str, Any], parts: Mapping[str, bytes]) -> None:
        folder = task_folder(task)
        for stale in [f for f in self.index["files"] if f.startswith(folder + "/")]:
            del self.index["files"][stale]
        for name, data in parts.items():
            self.write(f"{folder}/{name}", data)
        self.write(f"{folder}/manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        self.index["tasks"][task] = folder
        _atomic_write(self.root / INDEX, json.dumps(self.index, indent=1, sort_keys=True).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ModelFiles:
    """A model folder opened for reading: its index checked, each file read and hash-checked."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        index = self.root / INDEX
        if not self.root.is_dir() or not index.is_file():
            raise ModelError(f"{self.root}: not an aadbench model (no {INDEX} in it); make one with `aadbench fit`")
        try:
            self.index: dict[str, Any] = json.loads(index.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"{index}: damaged ({exc}); copy the model again or refit it") from None
        if self.index.get("format") != FORMAT:
            raise ModelError(f"{index}: not an aadbench model file (format {self.index.get('format')!r})")
        version = self.index.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelError(f"{self.root}: model format version {version!r}, but this aadbench "
                             f"({_version('aadbench')}) reads version {FORMAT_VERSION}; use the aadbench that wrote "
                             f"it ({self.index.get('versions', {}).get('aadbench', '?')}) or refit the model")

    @property
    def tasks(self) -> list[str]:
        return sorted(self.index.get("tasks", {}))

    def read(self, relpath: str) -> bytes:
        expected = self.index.get("files", {}).get(relpath)
        path = self.root / relpath
        if expected is None:
            raise ModelError(f"{self.root}: {relpath} is not listed in {INDEX}; the model is damaged, refit it")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelError(f"{path}: missing; the model is incomplete, copy it again or refit it") from None
        if sha256(data) != expected:
            raise ModelError(f"{path}: does not match its SHA-256 in {INDEX} (truncated or changed); "
                             f"copy the model again or refit it")
        return data

    def has(self, relpath: str) -> bool:
        return relpath in self.index.get("files", {})

    def manifest(self, task: str) -> dict[str, Any]:
        folder = self.index["tasks"].get(task)
        if folder is None:
            raise ModelError(f"{self.root}: no model for task {task!r}; it holds {', '.join(self.tasks)}")
        try:
            manifest: dict[str, Any] = json.loads(self.read(f"{folder}/manifest.json"))
        except ValueError as exc:
            raise ModelError(f"{self.root}/{folder}/manifest.json: damaged ({exc}); refit the model") from None
        return manifest
