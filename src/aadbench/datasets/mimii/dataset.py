"""MIMII on disk: one task per machine type and ID, clip keys ``normal/00000000.wav``.

The keys are paths relative to the ID folder, the same keys the synthetic dataset uses,
so the harness draws the same hold-out split for the same files.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...components import ANOMALOUS, NORMAL, Clip, Task
from ...errors import DataError
from ..files import FileDataset, as_list, audio_files, normalise_id

LAYOUT = """\
  <data_root>/<type>/id_XX/normal/00000000.wav       MIMII zips unpacked side by side (fan/id_00/...)
  <data_root>/<type>/id_XX/abnormal/00000000.wav
or, keeping the zips' names (snr picks the folders; 6, 0, -6 or min6):
  <data_root>/6_dB_fan/fan/id_00/{normal,abnormal}/*.wav
  <data_root>/-6_dB_pump/id_02/{normal,abnormal}/*.wav
or <data_root> = one <type> folder holding id_XX folders."""

SNR_DIR = re.compile(r"^(?P<sign>-|min|minus|m|neg)?(?P<db>\d+)_?db_(?P<type>.+)$", re.IGNORECASE)
ID_DIR = re.compile(r"^id_\d+$")
LABEL_DIRS = {"normal": NORMAL, "abnormal": ANOMALOUS, "anomaly": ANOMALOUS, "anomalous": ANOMALOUS}


def parse_snr(value: Any) -> int:
    """``6``, ``"-6"``, ``"min6"``, ``"6dB"`` or ``"-6_dB"`` -> an integer number of dB."""
    text = str(value).strip().lower().replace("_", "").removesuffix("db")
    if text in ("auto", ""):
        raise DataError("mimii: snr 'auto' has no number of dB (the folders tell it, or it stays unknown)")
    match = re.fullmatch(r"(-|min|minus|m|neg)?(\d+)", text)
    if not match:
        raise DataError(f"mimii: snr {value!r} must be a number of dB like 6, 0, -6 or min6")
    return -int(match.group(2)) if match.group(1) else int(match.group(2))


def _snr_of(match: re.Match[str]) -> int:
    return -int(match["db"]) if match["sign"] else int(match["db"])


def _subdirs(folder: Path) -> list[Path]:
    return sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))


def _has_ids(folder: Path) -> bool:
    return folder.is_dir() and any(ID_DIR.match(d.name) for d in _subdirs(folder))


class MimiiDataset(FileDataset):
    """MIMII recordings under ``data_root``; the harness draws the paper's per-ID split."""

    name = "mimii"
    layout = LAYOUT

    def __init__(self, data_root: Any, snr: Any = "auto", machines: Iterable[str] = (), ids: Iterable[Any] = (),
                 sample_rate: int = 16000, channel: int | str = 0, length_policy: str = "keep",
                 duration: float | None = None) -> None:
        super().__init__(data_root, sample_rate, channel, length_policy, duration)
        #: what the user stated (None: auto) and what the data is (None: unknown, stored as such)
        self.snr_given: int | None = None if str(snr).strip().lower() in ("auto", "") else parse_snr(snr)
        self.snr: int | None = self.snr_given
        self.machines = as_list(machines)
        self.ids = [normalise_id(i) for i in as_list(ids)]
        self.folders: dict[str, Path] = {}

    def machine_dirs(self) -> dict[str, Path]:
        """Machine type -> the folder holding its id_XX folders."""
        children = _subdirs(self.root)
        snr_dirs = [(m, d) for d in children if (m := SNR_DIR.match(d.name))]
        if snr_dirs:
            seen = sorted({_snr_of(m) for m, _ in snr_dirs})
            if self.snr_given is None:  # auto: the paper's 6 dB where present, else the only SNR there is
                if 6 not in seen and len(seen) > 1:
                    raise self.layout_error(self.root, f"has SNR folders for {', '.join(map(str, seen))} dB; "
                                                       f"choose one with --set mimii.snr=<one of them>")
                self.snr = 6 if 6 in seen else seen[0]
            chosen = {m["type"]: d for m, d in snr_dirs if _snr_of(m) == self.snr}
            if not chosen:
                raise self.layout_error(self.root, f"has SNR folders for {', '.join(map(str, seen))} dB but none "
                                                   f"for snr={self.snr}; set --set mimii.snr=<one of them>")
            return {t: (d / t if _has_ids(d / t) else d) for t, d in chosen.items()}
        typed = {d.name: d for d in children if _has_ids(d)}
        if typed:
            self._check_root_snr(self.root)
            return typed
        if _has_ids(self.root):
            self._check_root_snr(self.root)
            match = SNR_DIR.match(self.root.name)
            return {match["type"] if match else self.root.name: self.root}
        raise self.layout_error(self.root, "holds no <type>/id_XX folders (nor <snr>_dB_<type> folders)")

    def _check_root_snr(self, folder: Path) -> None:
        """A data_root inside an SNR folder (``6_dB_fan`` or ``6_dB_fan/fan``) gives the SNR and must agree
        with a stated ``snr``; elsewhere the SNR is what the user stated, or unknown."""
        for name in (folder.name, folder.parent.name):
            match = SNR_DIR.match(name)
            if match and self.snr_given is None:
                self.snr = _snr_of(match)
                return
            if match and _snr_of(match) != self.snr:
                raise DataError(f"mimii: data_root {folder} lies in the {_snr_of(match)} dB folder {name} but "
                                 f"snr={self.snr}; set --set mimii.snr={_snr_of(match)} (recorded with the results)")

    def scan(self) -> list[Task]:
        dirs = self.machine_dirs()
        missing = [m for m in self.machines if m not in dirs]
        if missing:
            raise DataError(f"mimii: machine type(s) {', '.join(missing)} not found under {self.root}; "
                             f"found {', '.join(sorted(dirs))}")
        chosen = {t: d for t, d in sorted(dirs.items()) if not self.machines or t in self.machines}
        id_dirs = {(t, d.name): d for t, folder in chosen.items() for d in _subdirs(folder) if ID_DIR.match(d.name)}
        unknown = [i for i in self.ids if i not in {mid for _, mid in id_dirs}]
        if unknown:
            raise DataError(f"mimii: machine id(s) {', '.join(unknown)} not found under {self.root}; "
                             f"found {', '.join(sorted({mid for _, mid in id_dirs}))}")
        self.folders = chosen
        return [Task(t, mid, self._clips(t, mid, d)) for (t, mid), d in sorted(id_dirs.items())
                if not self.ids or mid in self.ids]

    def _clips(self, machine: str, mid: str, id_dir: Path) -> tuple[Clip, ...]:
        attrs = {"machine_type": machine, "machine_id": mid}
        clips = []
        for label_dir in _subdirs(id_dir):
            label = LABEL_DIRS.get(label_dir.name.lower())
            if label is None:
                continue
            clips += [Clip(f"{label_dir.name}/{f.name}", label, path=str(f), attributes=attrs)
                      for f in audio_files(label_dir)]
        return tuple(clips)

    def config(self) -> dict[str, Any]:
        self.tasks()
        return {**super().config(), "snr": self.snr, "machines": sorted(self.folders),
                "ids": sorted({t.machine_id for t in self.tasks()}),
                "folders": {t: str(d.relative_to(self.root)) for t, d in sorted(self.folders.items())}}
