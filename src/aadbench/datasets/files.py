"""A base class for datasets of audio files on disk, and the helpers the file readers share."""
from __future__ import annotations

import os
from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import AudioError, channel_spec, read_audio
from ..components import Clip, Dataset, Task
from ..errors import DataError, DataPathError, LayoutError

#: file endings taken as audio (all are read by soundfile / libsndfile >= 1.1)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".aif", ".aiff", ".caf", ".w64", ".rf64", ".mp3")
LENGTH_POLICIES = ("keep", "fixed")


def as_list(value: Any) -> list[str]:
    """``"a,b"``, ``["a", "b"]`` or ``None`` -> a list of strings (``None`` -> ``[]``)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def normalise_id(value: Any, prefix: str = "id") -> str:
    """``0``, ``"00"`` or ``"id_00"`` -> ``"id_00"`` (``prefix="section"``: ``"section_00"``)."""
    text = str(value).strip()
    digits = text[len(prefix) + 1:] if text.startswith(prefix + "_") else text
    if not digits.isdigit():
        raise ValueError(f"{prefix} {value!r} must look like {prefix}_00 or 00")
    return f"{prefix}_{int(digits):02d}"


def is_audio(path: Path) -> bool:
    """An audio file by its ending; hidden files (macOS ``._name.wav`` forks included) are not.

    What the ending promises is not checked here: a folder named ``x.wav``, a broken link or an
    unreadable file is kept, so that reading it gives a typed, named problem instead of the
    entry vanishing without a word.
    """
    return path.suffix.lower() in AUDIO_EXTENSIONS and not path.name.startswith(".")


def audio_files(folder: Path, recursive: bool = False) -> list[Path]:
    """The audio files of ``folder`` (and below it when ``recursive``), sorted."""
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in found if is_audio(p) and not any(part.startswith(".") for part in
                                                                 p.relative_to(folder).parts[:-1]))


def resolve_root(data_root: Any, name: str, layout: str) -> Path:
    """The absolute, existing, non-empty folder ``data_root``; clear errors otherwise."""
    if data_root is None or not str(data_root).strip():
        raise DataError(f"{name}: data_root is not set; pass --data-root PATH (or --set {name}.data_root=PATH) "
                         f"pointing at a folder laid out as\n{layout}")
    root = Path(str(data_root).strip()).expanduser().resolve()
    if not root.exists():
        raise DataPathError(f"{name}: data_root {root} does not exist; expected a folder laid out as\n{layout}")
    if not root.is_dir():
        raise DataError(f"{name}: data_root {root} is a file, not a folder; expected a folder laid out as\n{layout}")
    if not any(root.iterdir()):
        raise DataError(f"{name}: data_root {root} is empty; expected a folder laid out as\n{layout}")
    return root


class FileDataset(Dataset):
    """Tasks of audio files under ``data_root``; subclasses implement :meth:`scan`.

    ``length_policy="keep"`` returns every clip at its own length; ``"fixed"`` crops or
    zero-pads each clip to ``duration`` seconds, by default the most common duration
    among the clips of its task (DCASE ToyCar clips are 11 s, most others 10 s).
    :meth:`load_stats` counts, per instance, the clips loaded, resampled, padded and cropped.
    """

    #: the registered name, used in messages
    name = "files"
    #: the folder layout(s) the dataset reads, shown in error messages
    layout = "<data_root>/.../*.wav"
    #: always a channel index or ``"mean"`` here (checked by ``channel_spec``)
    channel: int | str

    def __init__(self, data_root: Any, sample_rate: int = 16000, channel: int | str = 0,
                 length_policy: str = "keep", duration: float | str | None = None) -> None:
        self.root = self._resolve_root(data_root)
        self.sample_rate = int(sample_rate)
        if self.sample_rate <= 0:
            raise ValueError(f"{self.name}: sample_rate must be a positive number of Hz, not {sample_rate!r}")
        self.channel = channel_spec(channel)
        if length_policy not in LENGTH_POLICIES:
            raise ValueError(f"{self.name}: length_policy {length_policy!r} is not one of {', '.join(LENGTH_POLICIES)}")
        self.length_policy = length_policy
        self.duration = None if duration in (None, "", "none", "None") else float(duration)
        if self.duration is not None and self.duration <= 0:
            raise ValueError(f"{self.name}: duration must be a positive number of seconds or None, not {duration!r}")
        self._stats = {"loaded": 0, "resampled": 0, "padded": 0, "cropped": 0}
        #: files found but left out of every task, with the reason (reported by ``datasets check``)
        self.skipped: list[tuple[str, str]] = []
        self._tasks: list[Task] | None = None
        self._task_of: dict[str, Task] = {}
        self._seconds: dict[str, float | None] = {}

    def _resolve_root(self, data_root: Any) -> Path:
        return resolve_root(data_root, self.name, self.layout)

    @abstractmethod
    def scan(self) -> list[Task]:
        """Find every task under :attr:`root` (called once, by :meth:`tasks`)."""

    def layout_error(self, path: Path, what: str) -> LayoutError:
        return LayoutError(f"{self.name}: {path} {what}; expected a folder laid out as\n{self.layout}")

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            tasks = [t for t in self.scan() if t.clips]
            if not tasks:
                raise self.layout_error(self.root, "holds no audio clips in a known layout")
            self._tasks = tasks
            self._task_of = {c.path: t for t in tasks for c in t.clips if c.path}
        return list(self._tasks)

    def load(self, clip: Clip) -> np.ndarray:
        if not clip.path:
            raise DataError(f"{self.name}: clip {clip.key!r} has no file path")
        audio = read_audio(clip.path, sample_rate=self.sample_rate, channel=self.channel)
        self._stats["loaded"] += 1
        self._stats["resampled"] += int(audio.resampled)
        if self.length_policy == "keep":
            return audio.wave
        return self._fit_length(audio.wave, clip)

    def _fit_length(self, wave: np.ndarray, clip: Clip) -> np.ndarray:
        seconds = self.duration if self.duration is not None else self.task_duration(clip)
        n = int(round(seconds * self.sample_rate)) if seconds else len(wave)
        if len(wave) < n:
            self._stats["padded"] += 1
            return np.pad(wave, (0, n - len(wave))).astype(np.float32, copy=False)
        if len(wave) > n:
            self._stats["cropped"] += 1
            return wave[:n]
        return wave

    def task_duration(self, clip: Clip) -> float | None:
        """The most common clip duration (seconds, to the ms) of the clip's task; ties: the longest."""
        self.tasks()
        task = self._task_of.get(clip.path or "")
        if task is None:
            return None
        if task.name not in self._seconds:
            self._seconds[task.name] = _common_duration(c.path for c in task.clips if c.path)
        return self._seconds[task.name]

    def load_stats(self) -> dict[str, int]:
        return dict(self._stats)

    def skipped_files(self) -> list[tuple[str, str]]:
        self.tasks()
        return list(self.skipped)

    def fingerprint(self, clip: Clip) -> str:
        if not clip.path:
            return clip.key
        try:
            st = os.stat(clip.path)
        except OSError as exc:  # a broken link, a vanished file: reading it will say what is wrong
            return f"{clip.path}:error:{exc.errno}"
        return f"{clip.path}:{st.st_size}:{st.st_mtime_ns}"

    def config(self) -> dict[str, Any]:
        return {"data_root": str(self.root), "sample_rate": self.sample_rate, "channel": self.channel,
                "length_policy": self.length_policy, "duration": self.duration}


def _common_duration(paths: Iterable[str]) -> float | None:
    import soundfile as sf

    seen: Counter[float] = Counter()
    for path in paths:
        try:
            info = sf.info(path)
        except (RuntimeError, AudioError, OSError):
            continue
        if info.samplerate:
            seen[round(info.frames / info.samplerate, 3)] += 1
    if not seen:
        return None
    top = max(seen.values())
    return max(d for d, n in seen.items() if n == top)
