"""Audio helpers shared by datasets and the pipeline: hardened reading and resampling.

:func:`read_audio` and :func:`probe_audio` raise an :class:`AudioError` subclass that names
the file, says what is wrong with it and what to do, for the failures real dataset
copies show: empty files, truncated downloads (which soundfile reads without a word),
Git LFS pointers instead of audio, files that are no audio at all and NaN samples.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .errors import DataError

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


def check_file(path: str | os.PathLike[str]) -> None:
    """Raise the typed error for what can be told from the bytes: empty, LFS pointer, truncated WAV."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise FileNotFoundError(f"{p}: no such audio file (was it moved or deleted after the scan?)") from None
    if size == 0:
        raise EmptyAudioError(p, "the file is empty (0 bytes)")
    with open(p, "rb") as f:
        head = f.read(64)
        if head.startswith(LFS_MAGIC):
            raise LfsPointerError(p, f"the file is a Git LFS pointer, not audio ({_lfs_size(p)})")
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            _check_riff(f, p, size)


def _lfs_size(path: Path) -> str:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("size "):
            return f"the real file has {line[5:].strip()} bytes"
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
    detail = str(exc).replace(f"Error opening {str(path)!r}: ", "").strip().rstrip(".") or type(exc).__name__
    try:
        with open(path, "rb") as f:
            head = f.read(48)
        text = head.decode("ascii")
        if text.isprintable() or text.replace("\n", " ").replace("\r", " ").isprintable():
            detail += f"; it starts with the text {text.splitlines()[0][:40]!r}"
    except (OSError, UnicodeDecodeError, IndexError):
        pass
    return NotAudioError(path, f"soundfile cannot decode it ({detail})")


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
                raise ChannelError(p, f"channel {which} was asked for but the file has {channels} channel(s) "
                                      f"(0..{channels - 1})")
            data = f.read(dtype="float32", always_2d=True)
    except RuntimeError as exc:  # soundfile's LibsndfileError
        raise _not_audio(p, exc) from None
    if data.shape[0] == 0:
        raise EmptyAudioError(p, "the file has a valid header but 0 audio frames")
    mono = data.mean(axis=1) if which == "mean" else data[:, which]
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if not np.isfinite(mono).all():
        bad = int((~np.isfinite(mono)).sum())
        raise NonFiniteAudioError(p, f"{bad} of {mono.size} samples are NaN or infinite")
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
    except RuntimeError as exc:
        raise _not_audio(p, exc) from None
    return {"sample_rate": int(info.samplerate), "channels": int(info.channels), "frames": int(info.frames),
            "duration": info.frames / info.samplerate, "format": info.format, "subtype": info.subtype}


def _scan_finite(sf: Any, path: Path) -> None:
    bad = 0
    for block in sf.blocks(str(path), blocksize=65536, dtype="float32", always_2d=True):
        bad += int((~np.isfinite(block)).sum())
    if bad:
        raise NonFiniteAudioError(path, f"{bad} sample(s) are NaN or infinite")
