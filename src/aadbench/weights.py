"""Pretrained checkpoints: where they come from, where they are cached, whether they are there.

Part of the public API for plugin authors. A :class:`WeightsFile` describes one downloadable
checkpoint; extractors declare theirs on their :class:`~aadbench.ExtractorSpec`
(``weights=``) so that ``aadbench weights list`` can show them without importing torch:
nothing at module level here imports torch.

Files live in torch's hub cache, ``$TORCH_HOME/hub/checkpoints`` (``torch.hub.get_dir()``).
A weights *choice* is ``auto`` (the cached file, else a download, else random weights with
a loud warning), ``pretrained`` / ``imagenet`` (the same, failing instead of falling back),
``none`` (random weights) or the path of a local checkpoint. ``offline=True`` never touches
the network: a missing file fails at once with a message that names it and where to put it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import socket
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import WeightsUnavailableError

log = logging.getLogger(__name__)

#: the environment variable the command line reads for ``--offline``
ENV_OFFLINE = "AADBENCH_OFFLINE"
#: choices that load the declared checkpoint (``imagenet`` is the image CNNs' name for it)
PRETRAINED_CHOICES = ("pretrained", "imagenet")
CHOICES = ("auto", "pretrained", "imagenet", "none")
#: the ``source`` of random weights used because pretrained ones could not be had
FALLBACK_NOTE = "pretrained weights unavailable"

__all__ = [
    "CHOICES", "ENV_OFFLINE", "PRETRAINED_CHOICES", "WeightsFile", "WeightsUnavailableError", "cache_path",
    "fetch", "file_sha256", "identity", "label", "local_file", "missing_message", "random_identity", "resolve",
    "verify",
]


@dataclass(frozen=True)
class WeightsFile:
    """One downloadable checkpoint.

    ``sha256`` is the full hex digest or, for torchvision's files, the prefix that their
    names carry (``resnet34-b627a593.pth``); ``None`` when unknown. ``size`` is in bytes.
    ``licence`` and ``non_commercial`` describe the weights, ``source`` says where they
    come from in words (paper, record, repository).
    """

    url: str
    filename: str
    sha256: str | None = None
    size: int | None = None
    licence: str = ""
    non_commercial: bool = False
    source: str = ""
    #: ``"module:function"`` that makes the cache file instead of a download from ``url``:
    #: ``function(wf, source)`` with ``source`` a file the user handed over (or None), returning its path
    converter: str = ""

    def __post_init__(self) -> None:
        if not self.filename or "/" in self.filename or "\\" in self.filename:
            raise ValueError(f"weights filename {self.filename!r} must be a plain file name")
        if self.sha256 is not None and (len(self.sha256) < 8 or not _is_hex(self.sha256)):
            raise ValueError(f"sha256 {self.sha256!r} of {self.filename} must be hex, at least 8 digits")

    def info(self) -> dict[str, Any]:
        """JSON-ready description (for ``aadbench list --json`` and ``weights list --json``)."""
        return {**dataclasses.asdict(self), "cache_path": str(cache_path(self))}


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text.lower())


def env_offline(environ: Any = None) -> bool:
    """Whether ``$AADBENCH_OFFLINE`` asks for offline mode (read by the command line, once)."""
    env = os.environ if environ is None else environ
    return str(env.get(ENV_OFFLINE, "")) not in ("", "0")


def hub_dir() -> Path:
    """``torch.hub.get_dir()``, computed without importing torch."""
    hub = sys.modules.get("torch.hub")
    if hub is not None:  # torch is loaded anyway: honour torch.hub.set_dir()
        return Path(hub.get_dir())
    return hub_dir_from_env()


def hub_dir_from_env() -> Path:
    """What ``torch.hub.get_dir()`` returns unless ``set_dir`` was called."""
    default = os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(os.path.expanduser(os.getenv("TORCH_HOME", default))) / "hub"


def cache_path(wf: WeightsFile) -> Path:
    """Where the file is cached (or would be downloaded to)."""
    return hub_dir() / "checkpoints" / wf.filename


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache (``$HF_HUB_CACHE`` or ``$HF_HOME/hub``), without importing it."""
    if os.getenv("HF_HUB_CACHE"):
        return Path(os.path.expanduser(os.environ["HF_HUB_CACHE"]))
    home = os.getenv("HF_HOME") or os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(os.path.expanduser(home)) / "hub"


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_HASHES: dict[tuple[str, int, int], str] = {}


def _cached_sha256(path: Path) -> str:
    """The file's SHA-256, remembered per (path, size, mtime) for the life of the process."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = file_sha256(path)
    return _HASHES[key]


def checksum_matches(wf: WeightsFile, digest: str) -> bool | None:
    """``True``/``False`` against the declared (or first-download) sha256 or prefix; ``None`` when neither exists."""
    expected = pinned_sha256(wf)
    if not expected:
        return None
    return digest.lower().startswith(expected.lower())


def missing_message(wf: WeightsFile, what: str, why: str) -> str:
    path = cache_path(wf)
    if wf.converter:
        return (f"pretrained weights for {what} are not available ({why}). Expected file: {path}. Make it with "
                f"`aadbench weights fetch {what}` (it reads {wf.url}), or on a machine without the package index "
                f"with `aadbench weights fetch {what} --from FILE` (FILE: {wf.source or wf.url}); "
                f"or use --weights none for random weights")
    return (f"pretrained weights for {what} are not available ({why}). Expected file: {path}. "
            f"Download {wf.url} on a machine with internet and copy it there as {wf.filename} "
            f"(or run `aadbench weights fetch {what}` there and copy {path.parent}; TORCH_HOME moves it), "
            f"pass a local checkpoint with --set {what}.weights=/path/to/file, "
            f"or use --weights none for random weights")


def random_identity(note: str = "") -> dict[str, Any]:
    source = f"random-init ({note})" if note else "random-init"
    return {"kind": "random", "source": source, "pretrained": False}


def pretrained_identity(wf: WeightsFile) -> dict[str, Any]:
    return {"kind": "pretrained", "source": wf.source or wf.url, "file": wf.filename, "pretrained": True}


def is_fallback(identity: dict[str, Any]) -> bool:
    """Random weights used because pretrained ones could not be had (``auto`` without the file)."""
    return identity.get("kind") == "random" and FALLBACK_NOTE in str(identity.get("source", ""))


def local_file(choice: str, what: str) -> tuple[Path, dict[str, Any]]:
    path = Path(choice).expanduser()
    if not path.is_file():
        raise WeightsUnavailableError(
            f"weights {choice!r} for {what}: no such file; use {', '.join(CHOICES)} or a path to a checkpoint")
    return path, {"kind": "file", "source": str(path.resolve()), "file": path.name,
                  "sha256": _cached_sha256(path), "pretrained": True}


def identity(wf: WeightsFile, choice: str, *, what: str = "", fetch: bool = False,
             offline: bool = False) -> dict[str, Any]:
    """The identity ``resolve`` would give, computed without loading anything.

    With ``fetch=False`` nothing touches the network: a missing file counts as random
    weights for ``auto`` and as the pretrained file for ``pretrained``/``imagenet`` (whose
    run fails later if it cannot be had). With ``fetch=True`` a missing file is downloaded,
    unless ``offline``.
    """
    choice, what = str(choice), what or wf.filename
    if choice == "none":
        return random_identity()
    if choice not in ("auto", *PRETRAINED_CHOICES):
        return local_file(choice, what)[1]
    if cache_path(wf).is_file():
        return pretrained_identity(wf)
    if not fetch:
        return pretrained_identity(wf) if choice != "auto" else random_identity(FALLBACK_NOTE)
    return resolve(wf, choice, what=what, offline=offline)[1]


def resolve(wf: WeightsFile, choice: str, *, what: str = "", offline: bool = False
            ) -> tuple[Path | None, dict[str, Any]]:
    """``choice`` -> (checkpoint path or ``None`` for random init, identity to store).

    ``auto``: the cached file, else a download (hash-checked), else a loud warning and
    random weights. ``pretrained``/``imagenet``: the same but failing instead of falling
    back. ``none``: random weights. Anything else is a local checkpoint path. ``offline``
    never downloads.
    """
    choice, what = str(choice), what or wf.filename
    if choice == "none":
        return None, random_identity()
    if choice in ("auto", *PRETRAINED_CHOICES):
        return _cached_or_downloaded(wf, what, required=choice != "auto", offline=offline)
    return local_file(choice, what)


def _cached_or_downloaded(wf: WeightsFile, what: str, required: bool, offline: bool
                          ) -> tuple[Path | None, dict[str, Any]]:
    path = cache_path(wf)
    if not path.is_file():
        if offline:
            return _unavailable(wf, what, required, "offline and not in the cache")
        try:
            download(wf)
        except Exception as exc:  # no network, proxy, disk, checksum...
            return _unavailable(wf, what, required, f"download failed: {type(exc).__name__}: {exc}")
    return path, pretrained_identity(wf)


def _unavailable(wf: WeightsFile, what: str, required: bool, why: str) -> tuple[None, dict[str, Any]]:
    message = missing_message(wf, what, why)
    if required:
        raise WeightsUnavailableError(message)
    log.warning("!!! %s. FALLING BACK TO RANDOM WEIGHTS: results will be marked random, not pretrained.", message)
    return None, random_identity(FALLBACK_NOTE)


#: seconds a network probe waits for a connection before the download is given up
PROBE_TIMEOUT_S = 3.0


def reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the URL's host (or the HTTPS/HTTP proxy set for it) opens within
    ``timeout`` seconds: without a network a download fails here in seconds, not after retries."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return True  # file:// and the like need no network
    proxy = urllib.request.getproxies().get(parts.scheme)
    target = urllib.parse.urlsplit(proxy) if proxy else parts
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        with socket.create_connection((target.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def download(wf: WeightsFile, source: str | None = None) -> Path:
    """Download into the cache through ``torch.hub.download_url_to_file`` and check the hash.

    A file whose checksum nobody pinned (``sha256`` None) gets its SHA-256 recorded at the
    first download and checked on every later use (:func:`pinned_sha256`). A file with a
    ``converter`` is made by it (from ``source`` when given) and checked the same way.
    """
    if wf.converter:
        return _converted(wf, source)
    host = urllib.parse.urlsplit(wf.url).hostname or wf.url
    if not reachable(wf.url):
        raise WeightsUnavailableError(f"no network: {host} cannot be reached within {PROBE_TIMEOUT_S:g} s")
    import torch.hub

    path = cache_path(wf)
    path.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s to %s", wf.url, path)
    torch.hub.download_url_to_file(wf.url, str(path), hash_prefix=wf.sha256, progress=True)
    if wf.size is not None and path.stat().st_size != wf.size:
        size = path.stat().st_size
        path.unlink()
        raise WeightsUnavailableError(f"{wf.filename}: downloaded {size} bytes, expected {wf.size}; removed it")
    if not wf.sha256:
        pin(wf, file_sha256(path))
    return path


def _converted(wf: WeightsFile, source: str | None) -> Path:
    import importlib

    module, _, attr = wf.converter.partition(":")
    path = Path(getattr(importlib.import_module(module), attr)(wf, source))
    digest = file_sha256(path)
    if checksum_matches(wf, digest) is False:
        path.unlink()
        raise WeightsUnavailableError(f"{wf.filename}: the converted file's SHA-256 {digest[:12]}... is not the "
                                      f"expected {str(wf.sha256)[:12]}...; removed it")
    if not wf.sha256:
        pin(wf, digest)
    return path


#: where the SHA-256 of checkpoints without a published checksum is recorded at first download
PINS_FILE = "aadbench-pins.json"


def _pins_path() -> Path:
    return hub_dir() / "checkpoints" / PINS_FILE


def pinned_sha256(wf: WeightsFile) -> str | None:
    """The declared checksum, else the one recorded when the file was first downloaded."""
    if wf.sha256:
        return wf.sha256
    try:
        pins = json.loads(_pins_path().read_text())
    except (OSError, ValueError):
        return None
    value = pins.get(wf.filename) if isinstance(pins, dict) else None
    return value if isinstance(value, str) else None


def pin(wf: WeightsFile, digest: str) -> None:
    path = _pins_path()
    try:
        pins = json.loads(path.read_text())
    except (OSError, ValueError):
        pins = {}
    pins[wf.filename] = digest
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(pins, indent=1, sort_keys=True))
    os.replace(tmp, path)


def fetch(wf: WeightsFile, *, what: str = "", offline: bool = False, source: str | None = None) -> Path:
    """Make sure the file is in the cache and intact, downloading (or converting ``source``) when needed."""
    what = what or wf.filename
    state = verify(wf)
    if state["present"] and state["checksum"] in ("ok", "unknown"):
        return cache_path(wf)
    if offline and not (wf.converter and source):
        raise WeightsUnavailableError(missing_message(wf, what, "offline"))
    if state["present"]:  # corrupt: fetch again
        log.warning("%s does not match its checksum; downloading it again", cache_path(wf))
        cache_path(wf).unlink()
    return download(wf, source)


def verify(wf: WeightsFile, *, hash_file: bool = True) -> dict[str, Any]:
    """Is the file cached, its size and checksum. ``checksum`` is one of ``ok``,
    ``mismatch``, ``unknown`` (no checksum declared), ``unchecked`` or ``missing``."""
    path = cache_path(wf)
    out: dict[str, Any] = {"file": wf.filename, "path": str(path), "present": path.is_file(),
                           "size": None, "sha256": None, "checksum": "missing"}
    if not out["present"]:
        return out
    out["size"] = path.stat().st_size
    if wf.size is not None and out["size"] != wf.size:
        out["checksum"] = "mismatch"
        return out
    if not hash_file:
        out["checksum"] = "unchecked"
        return out
    out["sha256"] = file_sha256(path)
    match = checksum_matches(wf, out["sha256"])
    out["checksum"] = "unknown" if match is None else ("ok" if match else "mismatch")
    return out


def preflight(requests: Iterable[tuple[str, tuple[WeightsFile, ...], str]], *, offline: bool) -> None:
    """Fail fast before a run: ``(extractor name, its weights files, weights choice)`` triples.

    Offline, every declared file that a ``pretrained``/``imagenet`` choice needs must be
    in the cache; one error names all missing files and where to put them.
    """
    if not offline:
        return
    missing = [missing_message(wf, name, "offline and not in the cache")
               for name, files, choice in requests if str(choice) in PRETRAINED_CHOICES
               for wf in files if not cache_path(wf).is_file()]
    if missing:
        raise WeightsUnavailableError("\n".join(missing))


def label(identity: dict[str, Any]) -> str:
    """A short string for tables: ``pretrained``, ``random`` or ``file:<name>@<sha8>``."""
    if identity.get("kind") == "file":
        return f"file:{identity.get('file')}@{str(identity.get('sha256', ''))[:8]}"
    return str(identity.get("kind", "unknown"))
