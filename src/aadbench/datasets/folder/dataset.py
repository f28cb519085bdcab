"""A user's own recordings: ``train/`` + ``test/{normal,anomalous}/`` folders or a CSV manifest."""
from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from ...components import ANOMALOUS, NORMAL, UNKNOWN, Clip, Task
from ...errors import DataError, DataPathError
from ..files import FileDataset, as_list, audio_files

LAYOUT = """\
  <data_root>/train/**/*.wav              normal recordings of the machine (any nesting)
  <data_root>/test/normal/**/*.wav        normal test recordings
  <data_root>/test/anomalous/**/*.wav     anomalous test recordings (abnormal/ or anomaly/ also work)
  or <data_root>/<machine>/train/... and <data_root>/<machine>/test/... for several machines
  or manifest=FILE.csv with columns path,label (normal / anomalous / 0 / 1) and optional split
  (train / test), machine, section, domain; relative paths are read from the CSV's folder
  audio: .wav .flac .ogg (and the other formats soundfile reads)"""

TEST_LABELS = {"normal": NORMAL, "anomalous": ANOMALOUS, "abnormal": ANOMALOUS, "anomaly": ANOMALOUS}
MANIFEST_LABELS = {"normal": NORMAL, "0": NORMAL, "anomalous": ANOMALOUS, "anomaly": ANOMALOUS,
                   "abnormal": ANOMALOUS, "1": ANOMALOUS, "": UNKNOWN, "-1": UNKNOWN, "unknown": UNKNOWN}
WHOLE = "all"


def _section(value: str) -> str:
    text = value.strip()
    if not text:
        return WHOLE
    return f"section_{int(text):02d}" if text.isdigit() else text


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (links followed) lies in ``root``."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


class FolderDataset(FileDataset):
    """One task per machine (and manifest section); train / test as the folders or the manifest say."""

    name = "folder"
    layout = LAYOUT

    def __init__(self, data_root: Any = "", manifest: Any = "", machine: Any = "", allow_outside_root: bool = False,
                 sample_rate: int = 16000, channel: int | str = 0, length_policy: str = "keep",
                 duration: float | None = None) -> None:
        self.allow_outside_root = bool(allow_outside_root)
        text = str(manifest or "").strip()
        self.manifest = Path(text).expanduser().resolve() if text else None
        if self.manifest is not None and not self.manifest.is_file():
            raise DataPathError(f"folder: manifest {self.manifest} does not exist or is not a file; expected a "
                                    f"CSV with columns path,label[,split,machine,section,domain]")
        self.machine = str(machine or "").strip()
        super().__init__(data_root, sample_rate, channel, length_policy, duration)

    def _resolve_root(self, data_root: Any) -> Path:
        if self.manifest is not None and not str(data_root or "").strip():
            return self.manifest.parent
        return super()._resolve_root(data_root)

    def scan(self) -> list[Task]:
        return self._scan_manifest() if self.manifest is not None else self._scan_folders()

    # -- folders -----------------------------------------------------------------------------
    def machine_dirs(self) -> dict[str, Path]:
        if (self.root / "train").is_dir() or (self.root / "test").is_dir():
            return {self.machine or self.root.name: self.root}
        found = {d.name: d for d in sorted(self.root.iterdir())
                 if d.is_dir() and ((d / "train").is_dir() or (d / "test").is_dir())}
        if not found:
            raise self.layout_error(self.root, "holds neither train/ nor test/ (nor machine folders holding them)")
        wanted = as_list(self.machine)
        missing = [m for m in wanted if m not in found]
        if missing:
            raise DataError(f"folder: machine(s) {', '.join(missing)} not found under {self.root}; "
                             f"found {', '.join(found)}")
        return {m: d for m, d in found.items() if not wanted or m in wanted}

    def _scan_folders(self) -> list[Task]:
        return [Task(m, WHOLE, self._folder_clips(m, d)) for m, d in self.machine_dirs().items()]

    def _folder_clips(self, machine: str, folder: Path) -> tuple[Clip, ...]:
        attrs = {"machine_type": machine}
        train = [Clip(f.relative_to(folder).as_posix(), NORMAL, str(f), "train", attributes=attrs)
                 for f in audio_files(folder / "train", recursive=True)]
        if not train:
            raise self.layout_error(folder / "train", "holds no audio files (normal training recordings)")
        test = []
        for f in audio_files(folder / "test", recursive=True):
            parts = f.relative_to(folder / "test").parts
            label = TEST_LABELS.get(parts[0].lower(), UNKNOWN) if len(parts) > 1 else UNKNOWN
            test.append(Clip(f.relative_to(folder).as_posix(), label, str(f), "test", attributes=attrs))
        if not test:
            raise self.layout_error(folder / "test", "holds no audio files (test/normal/ and test/anomalous/)")
        return tuple(train + test)

    # -- manifest ----------------------------------------------------------------------------
    def _read_manifest(self) -> list[dict[str, str]]:
        assert self.manifest is not None  # only called by _scan_manifest
        with open(self.manifest, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = {(h or "").strip().lower() for h in reader.fieldnames or []}
            missing = sorted({"path", "label"} - columns)
            if missing:
                raise DataError(f"folder: manifest {self.manifest} lacks the column(s) {', '.join(missing)}; "
                                 f"expected a header path,label[,split,machine,section,domain]")
            return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]

    def _scan_manifest(self) -> list[Task]:
        groups: dict[tuple[str, str], list[Clip]] = defaultdict(list)
        for n, row in enumerate(self._read_manifest(), start=2):
            machine = row.get("machine") or self.machine or self.root.name
            section = _section(row.get("section", ""))
            groups[(machine, section)].append(self._manifest_clip(row, n, machine, section))
        tasks = []
        for (machine, section), clips in sorted(groups.items()):
            keys = [c.key for c in clips]
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise DataError(f"folder: manifest {self.manifest} lists {dupes[0]} twice for {machine}/{section}")
            if len({c.split is None for c in clips}) > 1:
                raise DataError(f"folder: manifest {self.manifest}: {machine}/{section} gives a split for some "
                                 f"rows and not for others; give train/test for every row or for none")
            tasks.append(Task(machine, section, tuple(clips)))
        return tasks

    def _manifest_clip(self, row: dict[str, str], n: int, machine: str, section: str) -> Clip:
        where = f"folder: manifest {self.manifest} row {n}"
        text = row.get("path", "")
        if not text:
            raise DataError(f"{where}: the path is empty")
        label = row.get("label", "").lower()
        if label not in MANIFEST_LABELS:
            raise DataError(f"{where}: label {row['label']!r} is not normal, anomalous, 0 or 1")
        split = row.get("split", "").lower() or None
        if split not in (None, "train", "test"):
            raise DataError(f"{where}: split {row['split']!r} is not train or test (or empty)")
        path = Path(text).expanduser()
        assert self.manifest is not None  # only called by _scan_manifest
        path = Path(os.path.abspath(path if path.is_absolute() else self.manifest.parent / path))
        if not self.allow_outside_root and not _inside(path, self.root):
            raise DataError(f"{where}: {text!r} lies outside the data folder {self.root}; keep the recordings under "
                            f"it, or set folder.allow_outside_root=true if that is meant")
        attrs = {"machine_type": machine, "section": section}
        return Clip(text.replace("\\", "/"), MANIFEST_LABELS[label], str(path), split,
                    domain=row.get("domain") or "source", attributes=attrs)

    def config(self) -> dict[str, Any]:
        tasks = self.tasks()
        return {**super().config(), "manifest": str(self.manifest) if self.manifest else None,
                "machine": ",".join(sorted({t.machine_type for t in tasks}))}
