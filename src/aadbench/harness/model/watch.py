"""Score the recordings of a folder as they arrive, each once, across restarts.

A file is scored once its size and modification time stayed the same over one poll (so a file
still being copied waits); what was scored is appended to a state file (JSON lines: path, size,
mtime), which a restarted watch reads back.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .scoring import FileScore, TaskModel
from .thresholds import AUDIO_SUFFIXES

STATE_NAME = ".aadbench-scored.jsonl"


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Watcher:
    def __init__(self, model: TaskModel, folder: str | os.PathLike[str], *, state: str | None = None,
                 interval: float = 2.0) -> None:
        self.model, self.folder = model, Path(folder).expanduser()
        if not self.folder.is_dir():
            from ...errors import ConfigError

            raise ConfigError(f"--watch {folder}: no such folder")
        self.state = Path(state).expanduser() if state else self.folder / STATE_NAME
        self.interval = float(interval)
        self.done: dict[str, tuple[int, int]] = {}
        self._seen: dict[str, tuple[int, int]] = {}
        if self.state.is_file():
            for line in self.state.read_text().splitlines():
                try:
                    entry = json.loads(line)
                    self.done[entry["path"]] = (int(entry["size"]), int(entry["mtime_ns"]))
                except (ValueError, KeyError):
                    continue  # a line cut by a kill: that file is scored again

    def ready(self) -> list[Path]:
        """Files new since the last poll and unchanged over one poll."""
        out = []
        for path in sorted(self.folder.rglob("*")):
            if path.suffix.lower() not in AUDIO_SUFFIXES or path.name.startswith("."):
                continue
            sig = _signature(path)
            key = str(path)
            if sig is None or self.done.get(key) == sig:
                continue
            if self._seen.get(key) == sig:
                out.append(path)
            self._seen[key] = sig
        return out

    def poll(self) -> list[FileScore]:
        paths = self.ready()
        if not paths:
            return []
        results = self.model.score_files(paths)
        with self.state.open("a") as f:
            for path in paths:
                sig = self._seen[str(path)]
                self.done[str(path)] = sig
                f.write(json.dumps({"path": str(path), "size": sig[0], "mtime_ns": sig[1]}) + "\n")
        return results

    def run(self, emit: Callable[[FileScore], None], *, polls: int | None = None) -> None:
        """Poll until interrupted (or ``polls`` times), handing every result to ``emit``."""
        for _ in self._ticks(polls):
            for result in self.poll():
                emit(result)

    def _ticks(self, polls: int | None) -> Iterator[int]:
        n = 0
        while polls is None or n < polls:
            yield n
            n += 1
            time.sleep(self.interval)
