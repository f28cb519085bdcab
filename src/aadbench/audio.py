"""Audio helpers shared by datasets and the pipeline: hardened reading and resampling.

:func:`read_audio` and :func:`probe_audio` raise an :class:`AudioError` subclass that names
the file, says what is wrong with it and what to do, for the failures real dataset
copies show: empty files, truncated downloads (which soundfile reads without a word),
Git LFS pointers instead of audio, files that are no audio at all and NaN samples.
"""
from __future__ import annotations

import errno
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .errors import DataError, plural

LFS_MAGIC = b"version https://git-lfs.github.com/spec"
#: data-chunk sizes that writers use for "unknown" (streamed) lengths
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)
_FLOAT_SUBTYPES = ("FLOAT", "DOUBLE")


class AudioError(DataError):
    """A file that cannot be used as audio; ``path`` names it and ``reason`` says why."""

    #: a short, stable name of the failure (used by ``aadbench datasets check``)
    kind = "audio"
    #: what the user can do about it
    hint = "check the file or remove it from the dataset"

    def __init__(self, path: str | os.PathLike[str], reason: str, hint: str | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.hint = hint if hint is not None else type(self).hint
        super().__init__(f"{self.path}: {reason}; {self.hint}")


class EmptyAudioError(AudioError):
    kind = "empty"
    hint = "the file holds no audio: download or extract it again, or delete it"


class TruncatedAudioError(AudioError):
    kind = "truncated"
    hint = "the file is cut short (an interrupted download or extraction?): download or extract it again"


class NotAudioError(AudioError):
    kind = "not-audio"
    hint = "make sure it is an audio file soundfile reads (WAV, FLAC, OGG), not a renamed text or HTML file"


class LfsPointerError(AudioError):
    kind = "lfs-pointer"
    hint = "run `git lfs pull` in the repository holding it (or download the dataset itself)"


class NonFiniteAudioError(AudioError):
    kind = "non-finite"
    hint = "the samples contain NaN or infinite values: re-export the file or delete it"


class NotAFileError(AudioError):
    kind = "not-a-file"
    hint = "it is a folder (or a device), not an audio file: rename it or move it out of the dataset"


class BrokenLinkError(AudioError):
    kind = "broken-link"
    hint = "the symbolic link points nowhere (or at itself): fix the link or delete it"


class UnreadableError(AudioError):
    kind = "unreadable"
    hint = "check the file's permissions (chmod a+r) and the disk, or remove it from the dataset"


class MissingFileError(AudioError, FileNotFoundError):
    kind = "missing"
    hint = "it was listed but is gone (moved or deleted after the scan?): restore it or run again"


class ChannelError(AudioError):
    kind = "channel"
    hint = "choose an existing channel (channel=0 is the baselines' choice) or channel='mean'"


@dataclass(frozen=True)
class AudioData:
    """What :func:`read_audio` returns: the mono wave and facts about the file."""

    wave: np.ndarray
    sample_rate: int
    native_rate: int
    channels: int
    frames: int
    resampled: bool

    @property
    def duration(self) -> float:
        """Seconds of audio in the file."""
        return self.frames / self.native_rate


def resample(wave: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with soxr (through librosa); a no-op when the rates match."""
    if int(orig_sr) == int(target_sr):
        return wave
    import librosa

    return librosa.resample(np.asarray(wave, dtype=np.float32), orig_sr=int(orig_sr), target_sr=int(target_sr),
                            res_type="soxr_hq").astype(np.float32)


def file_error(path: str | os.PathLike[str], exc: OSError) -> AudioError:
    """The typed error for an ``OSError`` met while looking at or reading ``path``."""
    p = Path(path)
    if exc.errno == errno.ELOOP:
        return BrokenLinkError(p, "the symbolic link is a loop")
    if isinstance(exc, FileNotFoundError):
        if p.is_symlink():
            return BrokenLinkError(p, f"the symbolic link points at {os.readlink(p)!r}, which does not exist")
        return MissingFileError(p, "no such file")
    if isinstance(exc, IsADirectoryError) or p.is_dir():
        return NotAFileError(p, "it is a folder")
    if isinstance(exc, PermissionError):
        return UnreadableError(p, "permission denied")
    return UnreadableError(p, f"it cannot be read ({exc.strerror or type(exc).__name__})")


def check_file(path: str | os.PathLike[str]) -> None:
    """Raise the typed error for what can be told without decoding: not a readable file, empty,
    LFS pointer, truncated WAV."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "not a regular file") if stat.S_ISDIR(st.st_mode) else \
                OSError(errno.EINVAL, "not a regular file (a device or a pipe?)")
        if st.st_size == 0:
            raise EmptyAudioError(p, "the file is empty (0 bytes)")
        with open_audio_file(p) as f:
            head = f.read(64)
            if head.startswith(LFS_MAGIC):
                raise LfsPointerError(p, f"the file is a Git LFS pointer, not audio ({_lfs_size(f)})")
            if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
                _check_riff(f, p, st.st_size)
    except OSError as exc:
        raise file_error(p, exc) from None


def open_audio_file(path: Path) -> BinaryIO:
    """Open a file for reading its bytes (one place, so tests can make it fail as a disk would)."""
    return open(path, "rb")


def _lfs_size(f: BinaryIO) -> str:
    """The size an LFS pointer announces: digits only, nothing else of the file reaches a message."""
    f.seek(0)
    for line in f.read(1024).decode("ascii", errors="replace").splitlines():
        size = line[5:].strip() if line.startswith("size ") else ""
        if size.isdigit():
            return f"the real file has {int(size)} bytes"
    return "the real file was never fetched"


def _check_riff(f: BinaryIO, path: Path, size: int) -> None:
    """Walk the RIFF chunks and compare the data chunk's declared size with the bytes present."""
    pos = 12
    while pos + 8 <= size:
        f.seek(pos)
        chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
        present = size - pos - 8
        if chunk_id == b"data":
            if chunk_size not in _UNKNOWN_SIZES and chunk_size > present:
                raise TruncatedAudioError(
                    path, f"the WAV header declares {chunk_size} bytes of audio but only {present} are present "
                          f"({100 * present / chunk_size:.0f}%)")
            return
        if chunk_size > present:
            name = chunk_id.decode("latin-1").strip()
            raise TruncatedAudioError(path, f"the file ends inside its {name!r} header chunk, before any audio")
        pos += 8 + chunk_size + (chunk_size & 1)
    # no data chunk: soundfile will say what it makes of it


def _not_audio(path: Path, exc: Exception) -> NotAudioError:
    """Says what the file seems to be in aadbench's own words: no byte of it is copied into the message."""
    detail = "soundfile cannot decode it"
    try:
        with open_audio_file(path) as f:
            head = f.read(512)
        looks = _looks_like(head)
        if looks:
            detail += f"; it looks like {looks}"
    except OSError:
        pass
    return NotAudioError(path, detail)


def _looks_like(head: bytes) -> str:
    low = head.lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")):
        return "an HTML page (a login or error page saved instead of the file?)"
    if low.startswith(b"<?xml") or low.startswith(b"<"):
        return "an XML document"
    if low.startswith((b"{", b"[")):
        return "JSON text"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (extract it first)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return "a text file" if text.replace("\n", "").replace("\r", "").replace("\t", "").isprintable() else ""


def channel_spec(channel: int | str) -> int | str:
    if isinstance(channel, str):
        text = channel.strip().lower()
        if text == "mean":
            return "mean"
        if not text.lstrip("-").isdigit():
            raise ValueError(f"channel must be a channel index (0, 1, ...) or 'mean', not {channel!r}")
        channel = int(text)
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) or channel < 0:
        raise ValueError(f"channel must be a channel index (0, 1, ...) or 'mean', not {channel!r}")
    return int(channel)


def read_audio(path: str | os.PathLike[str], *, sample_rate: int | None = 16000, channel: int | str = 0) -> AudioData:
    """Read one file as mono float32 at ``sample_rate`` (``None``: the file's own rate).

    ``channel`` picks one channel by index (0, like the MIMII and DCASE baselines) or
    averages them all (``"mean"``). Raises an :class:`AudioError` subclass for unusable files.
    """
    import soundfile as sf

    p = Path(path)
    which = channel_spec(channel)
    check_file(p)
    try:
        with sf.SoundFile(str(p)) as f:
            native, channels = int(f.samplerate), int(f.channels)
            if isinstance(which, int) and which >= channels:
                raise ChannelError(p, f"channel {which} was asked for but the file has {plural(channels, 'channel')} "
                                      f"(0..{channels - 1})")
            data = f.read(dtype="float32", always_2d=True)
    except OSError as exc:
        raise file_error(p, exc) from None
    except RuntimeError as exc:  # soundfile's LibsndfileError
        raise _not_audio(p, exc) from None
    if data.shape[0] == 0:
        raise EmptyAudioError(p, "the file has a valid header but 0 audio frames")
    mono = data.mean(axis=1) if which == "mean" else data[:, which]
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if not np.isfinite(mono).all():
        bad = int((~np.isfinite(mono)).sum())
        verb = "is" if bad == 1 else "are"
        raise NonFiniteAudioError(p, f"{bad} of {plural(mono.size, 'sample')} {verb} NaN or infinite")
    target = native if sample_rate is None else int(sample_rate)
    wave = resample(mono, native, target)
    return AudioData(wave, target, native, channels, int(data.shape[0]), target != native)


def probe_audio(path: str | os.PathLike[str], *, scan_float: bool = True) -> dict[str, Any]:
    """Rate, channels, frames, duration, format and subtype, read from the header.

    Raises the same typed errors as :func:`read_audio`. Samples are only decoded for
    float files (``scan_float``), the only kind that can hold NaN or infinite values.
    """
    import soundfile as sf

    p = Path(path)
    check_file(p)
    try:
        info = sf.info(str(p))
        if info.frames == 0:
            raise EmptyAudioError(p, "the file has a valid header but 0 audio frames")
        if scan_float and info.subtype in _FLOAT_SUBTYPES:
            _scan_finite(sf, p)
    except OSError as exc:
        raise file_error(p, exc) from None
    except RuntimeError as exc:
        raise _not_audio(p, exc) from None
    return {"sample_rate": int(info.samplerate), "channels": int(info.channels), "frames": int(info.frames),
            "duration": info.frames / info.samplerate, "format": info.format, "subtype": info.subtype}


def _scan_finite(sf: Any, path: Path) -> None:
    bad = 0
    for block in sf.blocks(str(path), blocksize=65536, dtype="float32", always_2d=True):
        bad += int((~np.isfinite(block)).sum())
    if bad:
        raise NonFiniteAudioError(path, f"{plural(bad, 'sample')} {'is' if bad == 1 else 'are'} NaN or infinite")
