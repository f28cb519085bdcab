"""The feature cache on disk: one ``.npy`` file per (extractor identity, clip).

Layout::

    <root>/<extractor hash>/identity.json      the full extractor identity (for `cache info`)
    <root>/<extractor hash>/<ab>/<clip hash>.npy

The extractor hash covers the extractor's whole configuration and its weights identity
(the ``feature_identity`` of the plan, without device and batch size). The clip hash is,
in the default ``fingerprint`` mode, a hash of the dataset's fingerprint of the clip (path,
size and mtime for files) and of the parameters that shape the audio the dataset loads; in
``content`` mode it is the SHA-256 of the decoded waveform the extractor sees (slower: every
clip is read, but nothing about the file's metadata is trusted).

Files are plain ``.npy`` (no pickle), written to a temporary name and renamed, read with
``mmap_mode="r"``. A file that cannot be read is removed and its clip extracted again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..components import Clip, Dataset
from ..errors import ConfigError
from .identity import canonical_json

log = logging.getLogger(__name__)

ENV_CACHE = "AADBENCH_CACHE"
KEY_MODES = ("fingerprint", "content")
IDENTITY_FILE = "identity.json"
#: bump when the layout or the meaning of a key changes
CACHE_VERSION = 1


def file_mode() -> int:
    """0666 less the process's umask: cache files are as readable as any file the user writes
    (a group sharing a cache folder can read them), not 0600 as temporary files are made."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def default_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$AADBENCH_CACHE``, else ``$XDG_CACHE_HOME/aadbench/features``, else ``~/.cache/aadbench/features``
    (the command line reads the environment once and passes the folder on)."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV_CACHE, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    base = env.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(base).expanduser() / "aadbench" / "features"


def extractor_hash(features_id: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json({"v": CACHE_VERSION, **features_id}).encode()).hexdigest()[:24]


def audio_config(dataset: Dataset) -> dict[str, Any]:
    """What shapes the audio :meth:`Dataset.load` returns: the dataset's class and its
    :meth:`~aadbench.Dataset.audio_config` (all of its ``config()`` unless it says otherwise)."""
    return {"dataset": f"{type(dataset).__module__}.{type(dataset).__qualname__}", "config": dataset.audio_config()}


def content_hash(wave: np.ndarray, sample_rate: int) -> str:
    """SHA-256 of a waveform's float32 samples and its rate."""
    digest = hashlib.sha256(f"{int(sample_rate)}:".encode())
    digest.update(np.ascontiguousarray(wave, dtype=np.float32).tobytes())
    return digest.hexdigest()


@dataclass
class ExtractorCache:
    """The cached clips of one extractor identity."""

    folder: Path
    key_mode: str = "fingerprint"
    mode: int = 0o644

    def __post_init__(self) -> None:
        self._audio: dict[int, str] = {}  # per dataset object: its audio configuration as JSON

    @property
    def by_content(self) -> bool:
        return self.key_mode == "content"

    def clip_key(self, dataset: Dataset, clip: Clip) -> str:
        """The fingerprint-mode key of a clip (no audio is read)."""
        audio = self._audio.get(id(dataset))
        if audio is None:
            audio = self._audio[id(dataset)] = canonical_json(audio_config(dataset))
        text = f"{audio}\n{dataset.fingerprint(clip)}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def content_key(self, wave: np.ndarray, sample_rate: int) -> str:
        return "c" + content_hash(wave, sample_rate)[:31]

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def load(self, key: str) -> np.ndarray | None:
        """The cached features (memory-mapped, read-only) or None; a bad file is removed."""
        path = self.path(key)
        try:
            arr: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
            if arr.ndim != 2 or arr.shape[0] == 0 or arr.dtype != np.float32:
                raise ValueError(f"shape {arr.shape}, dtype {arr.dtype}")
            return arr
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError) as exc:
            log.warning("feature cache file %s is unreadable (%s); extracting the clip again", path, exc)
            path.unlink(missing_ok=True)
            return None

    def save(self, key: str, features: np.ndarray) -> None:
        """Write atomically: a temporary file in the same folder, then a rename."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key}.", suffix=".tmp")
        try:
            os.chmod(tmp, self.mode)
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, np.ascontiguousarray(features, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class FeatureCache:
    """All extractor caches under one root folder."""

    def __init__(self, root: str | os.PathLike[str] | None = None, key_mode: str = "fingerprint") -> None:
        if key_mode not in KEY_MODES:
            raise ConfigError(f"cache key mode {key_mode!r} is not one of {', '.join(KEY_MODES)}")
        self.root = Path(root).expanduser() if root else default_dir()
        self.key_mode = key_mode
        self.mode = file_mode()

    def for_extractor(self, features_id: Mapping[str, Any]) -> ExtractorCache:
        folder = self.root / extractor_hash(features_id)
        folder.mkdir(parents=True, exist_ok=True)
        ident = folder / IDENTITY_FILE
        if not ident.exists():
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".identity.", suffix=".tmp")
            os.chmod(tmp, self.mode)
            with os.fdopen(fd, "w") as fh:
                json.dump({"cache_version": CACHE_VERSION, "features": features_id}, fh, indent=1,
                          sort_keys=True, default=str)
            os.replace(tmp, ident)
        return ExtractorCache(folder, self.key_mode, self.mode)

    def _folders(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from sorted(p for p in self.root.iterdir() if p.is_dir())

    def info(self) -> list[dict[str, Any]]:
        """Per extractor identity: its hash, name, entries and bytes."""
        out = []
        for folder in self._folders():
            features: dict[str, Any] = {}
            try:
                features = json.loads((folder / IDENTITY_FILE).read_text()).get("features", {})
            except (OSError, ValueError):
                pass
            files = list(folder.glob("*/*.npy"))
            out.append({"hash": folder.name, "extractor": features.get("name", "?"),
                        "weights": features.get("weights_label", ""), "dtype": features.get("dtype", ""),
                        "entries": len(files), "bytes": sum(f.stat().st_size for f in files),
                        "path": str(folder)})
        return out

    def clear(self, extractor: str | None = None) -> tuple[int, int]:
        """Remove every cached feature (or those of one extractor name or hash); (entries, bytes) removed."""
        entries = size = 0
        for row in self.info():
            if extractor is not None and extractor not in (row["extractor"], row["hash"]):
                continue
            entries += row["entries"]
            size += row["bytes"]
            shutil.rmtree(row["path"], ignore_errors=True)
        return entries, size
