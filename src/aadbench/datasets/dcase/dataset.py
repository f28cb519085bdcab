"""DCASE Task 2 development and evaluation sets, 2020 to 2026, with their own train / test split."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ...components import NORMAL, UNKNOWN, Clip, Task
from ...errors import DataError, plural
from ..files import FileDataset, as_list, audio_files
from .naming import GroundTruth, NameInfo, load_ground_truth, parse_name, read_attributes

LAYOUT = """\
  <data_root>/<type>/train/..., <data_root>/<type>/test/...      (a dev_data or eval_data folder)
  or <data_root> = one <type> folder holding train/ and test/
  2020:       train/normal_id_00_00000000.wav, test/{normal,anomaly}_id_00_00000000.wav
  2021:       train/, source_test/, target_test/ with
              section_00_source_train_normal_0000_<attributes>.wav
  2022-2026:  train/, test/ with section_00_{source,target}_{train,test}_{normal,anomaly}_0000_<attr>.wav,
              <type>/attributes_00.csv; 2025: supplemental/ (read with supplemental=true)
  evaluation: test/id_05_00000000.wav or test/section_03_0000.wav (labels from ground_truth=PATH)"""

SPLIT_DIRS = {"train": "train", "test": "test", "source_test": "test", "target_test": "test"}
SUPPLEMENTAL = "supplemental"
YEARS = ("2020", "2021", "2022", "2023", "2024", "2025", "2026")
FAMILY = {"2020": "2020", "2021": "2021", **dict.fromkeys(YEARS[2:], "2022+")}
_TRUE = {"1", "true", "yes", "on"}
#: each year's evaluation machine types (the development types of 2023-2026 are the same seven)
EVAL_TYPES = {
    "2023": {"bandsaw", "grinder", "shaker", "ToyDrone", "ToyNscale", "ToyTank", "Vacuum"},
    "2024": {"3DPrinter", "AirCompressor", "BrushlessMotor", "HairDryer", "HoveringDrone", "RoboticArm", "Scanner",
             "ToothBrush", "ToyCircuit"},
    "2025": {"AutoTrash", "BandSealer", "CoffeeGrinder", "HomeCamera", "Polisher", "ScrewFeeder", "ToyPet",
             "ToyRCCar"},
}


def exact_year(dirs: dict[str, Path]) -> tuple[str | None, str]:
    """The year of a 2022-2026 layout where the folders tell it, and why; ``(None, why not)`` else.

    2022 has three sections per machine type (section_00-02, evaluation 03-05), the later years
    one; an evaluation machine type names its year; a supplemental/ folder is 2025's.
    """
    for year, types in EVAL_TYPES.items():
        found = sorted(types & set(dirs))
        if found:
            return year, f"machine type {found[0]} is in DCASE {year}'s evaluation set"
    for machine, folder in dirs.items():
        for split in ("train", "test"):
            for f in audio_files(folder / split):
                info = parse_name(f.name)
                if info is not None and info.style != "id" and info.group != "section_00":
                    return "2022", f"{machine} has {info.group} (DCASE 2022 had several sections per machine type)"
    supplemental = [m for m, folder in dirs.items() if (folder / SUPPLEMENTAL).is_dir()]
    if supplemental:
        return "2025", f"{supplemental[0]} has a supplemental/ folder (DCASE 2025)"
    return None, "one section per machine type and no machine type of a known evaluation set"


def _family(type_dir: Path) -> str | None:
    """The naming family of one machine type folder: "2020", "2021", "2022+" or None."""
    if (type_dir / "source_test").is_dir() or (type_dir / "target_test").is_dir():
        return "2021"
    for split in ("train", "test"):
        for f in audio_files(type_dir / split):
            info = parse_name(f.name)
            if info is not None:
                return "2020" if info.style == "id" else "2022+"
    return None


def _is_type_dir(folder: Path) -> bool:
    return any((folder / s).is_dir() for s in SPLIT_DIRS)


class DcaseDataset(FileDataset):
    """A DCASE Task 2 set: one task per (machine type, id_XX) in 2020, per (type, section_XX) after."""

    name = "dcase"
    layout = LAYOUT

    def __init__(self, data_root: Any, year: Any = "auto", machines: Iterable[str] = (), supplemental: Any = False,
                 ground_truth: Any = "", sample_rate: int = 16000, channel: int | str = 0,
                 length_policy: str = "keep", duration: float | None = None) -> None:
        super().__init__(data_root, sample_rate, channel, length_policy, duration)
        self.year = str(year).strip().lower()
        if self.year not in ("auto", *YEARS):
            raise DataError(f"dcase: year {year!r} is not one of auto, {', '.join(YEARS)}")
        self.machines = as_list(machines)
        self.supplemental = str(supplemental).strip().lower() in _TRUE
        self.ground_truth: GroundTruth | None = load_ground_truth(ground_truth) if str(ground_truth or "").strip() \
            else None
        self.detected_year: str | None = None
        #: audio files per machine type in supplemental/ folders left out (supplemental=false)
        self.ignored: dict[str, int] = {}

    def notes(self) -> list[str]:
        self.tasks()
        return [f"{machine}: {plural(count, 'file')} in supplemental/ left out (set supplemental=true to train on them)"
                for machine, count in sorted(self.ignored.items())]

    def type_dirs(self) -> dict[str, Path]:
        """Machine type -> its folder (data_root itself, its children or the children of raw/)."""
        if _is_type_dir(self.root):
            return {self.root.name: self.root}
        for base in (self.root, self.root / "raw"):
            found = {d.name: d for d in sorted(base.iterdir()) if d.is_dir() and _is_type_dir(d)} \
                if base.is_dir() else {}
            if found:
                return found
        raise self.layout_error(self.root, "holds no machine type folder with train/ or test/ inside")

    def _year(self, dirs: dict[str, Path]) -> str:
        families = {t: _family(d) for t, d in dirs.items()}
        unknown = [t for t, f in families.items() if f is None]
        if unknown:
            raise self.layout_error(dirs[unknown[0]], "holds no file named like a DCASE clip "
                                                      "(normal_id_00_00000000.wav or section_00_..._0000.wav)")
        seen = sorted({f for f in families.values() if f is not None})
        if len(seen) > 1:
            listing = "; ".join(f"{t}: {f}" for t, f in sorted(families.items()))
            raise self.layout_error(self.root, f"mixes the layouts of several years ({listing}); point data_root "
                                               f"at one year's folder")
        if self.year != "auto" and FAMILY[self.year] != seen[0]:
            raise self.layout_error(self.root, f"is laid out like DCASE {seen[0]}, not {self.year}; "
                                               f"set year=auto or the right year")
        if self.year != "auto":
            return self.year
        if seen[0] != "2022+":
            return seen[0]
        year, why = exact_year(dirs)
        if year is None:
            candidates = ", ".join(y for y in YEARS if FAMILY[y] == "2022+" and y != "2022")
            raise self.layout_error(self.root, f"is laid out like DCASE 2022-2026, and the year cannot be told from "
                                               f"it ({why}); set it with --set dcase.year=YEAR, one of {candidates}")
        return year

    def scan(self) -> list[Task]:
        dirs = self.type_dirs()
        missing = [m for m in self.machines if m not in dirs]
        if missing:
            raise DataError(f"dcase: machine type(s) {', '.join(missing)} not found under {self.root}; "
                             f"found {', '.join(sorted(dirs))}")
        dirs = {t: d for t, d in sorted(dirs.items()) if not self.machines or t in self.machines}
        self.detected_year = self._year(dirs)
        self.ignored, self.skipped = {}, []
        tasks = []
        for machine, folder in dirs.items():
            groups: dict[str, list[Clip]] = defaultdict(list)
            for group, clip in self._clips(machine, folder):
                groups[group].append(clip)
            tasks += [Task(machine, g, tuple(sorted(c, key=lambda c: c.key))) for g, c in sorted(groups.items())]
        return tasks

    def _split_dirs(self, machine: str, folder: Path) -> list[tuple[Path, str]]:
        out = [(folder / d, split) for d, split in SPLIT_DIRS.items() if (folder / d).is_dir()]
        extra = folder / SUPPLEMENTAL
        if extra.is_dir():
            if self.supplemental:
                out.append((extra, "train"))
            else:
                self.ignored[machine] = len(audio_files(extra, recursive=True))
        return out

    def _clips(self, machine: str, folder: Path) -> Iterator[tuple[str, Clip]]:
        attributes: dict[str, dict[str, str]] = {}
        for csv_file in sorted(folder.glob("attributes_*.csv")):
            attributes.update(read_attributes(csv_file))
        for split_dir, split in self._split_dirs(machine, folder):
            for f in audio_files(split_dir, recursive=split_dir.name == SUPPLEMENTAL):
                info = parse_name(f.name)
                if info is None:
                    self.skipped.append((str(f), "its name follows no DCASE naming scheme"))
                    continue
                label, domain = self._label_domain(machine, f, split, info)
                attrs = {"machine_type": machine, "section" if info.style == "section" else "machine_id": info.group,
                         **info.attributes, **attributes.get(f.name, {})}
                if split_dir.name == SUPPLEMENTAL:
                    attrs["supplemental"] = "1"
                key = f.relative_to(folder).as_posix()
                yield info.group, Clip(key, label, path=str(f), split=split, domain=domain, attributes=attrs)

    def _label_domain(self, machine: str, f: Path, split: str, info: NameInfo) -> tuple[int, str]:
        label, domain = info.label, info.domain
        if domain is None and f.parent.name in ("source_test", "target_test"):
            domain = f.parent.name.split("_")[0]
        if self.ground_truth is not None:
            if label == UNKNOWN:
                found = self.ground_truth.label(machine, f.name)
                label = UNKNOWN if found is None else found
            domain = domain or self.ground_truth.domain(machine, f.name)
        if label == UNKNOWN and split == "train":
            label = NORMAL  # DCASE training data is normal by definition
        if domain is None:
            domain = "source" if info.style == "id" else "unknown"
        return label, domain

    def config(self) -> dict[str, Any]:
        tasks = self.tasks()
        gt = self.ground_truth
        return {**super().config(), "year": self.detected_year,
                "machines": sorted({t.machine_type for t in tasks}), "supplemental": self.supplemental,
                "ground_truth": str(gt.source) if gt is not None else None}
