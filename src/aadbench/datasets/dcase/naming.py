"""DCASE Task 2 file names, ``attributes_XX.csv`` files and published ground truth."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ...components import ANOMALOUS, NORMAL, UNKNOWN

#: 2021 on: section_00_source_train_normal_0000_<attributes>.wav; evaluation: section_03_0000.wav
SECTION_NAME = re.compile(
    r"^section_(?P<group>\d+)(?:_(?P<domain>source|target))?(?:_(?P<split>train|test|supplemental))?"
    r"(?:_(?P<label>normal|anomaly))?_(?P<num>\d+)(?:_(?P<attrs>.+?))?\.[A-Za-z0-9]+$")
#: 2020: normal_id_00_00000000.wav, anomaly_id_00_00000000.wav; evaluation: id_05_00000000.wav
ID_NAME = re.compile(r"^(?:(?P<label>normal|anomaly)_)?id_(?P<group>\d+)_(?P<num>\d+)\.[A-Za-z0-9]+$")
GT_FILE = re.compile(r"^ground_truth_(?P<type>.+?)_section_(?P<section>\d+)_.*\.csv$", re.IGNORECASE)
LABELS = {"0": NORMAL, "normal": NORMAL, "1": ANOMALOUS, "anomaly": ANOMALOUS, "anomalous": ANOMALOUS,
          "abnormal": ANOMALOUS}
DOMAINS = {"0": "source", "source": "source", "1": "target", "target": "target"}
_NAME_COLUMNS = ("file_name", "filename", "file", "name", "path")
_FULL = "file_name_with_full_attributes"


@dataclass(frozen=True)
class NameInfo:
    """What a DCASE file name says: ``group`` is ``id_XX`` (2020) or ``section_XX``."""

    style: str  # "id" or "section"
    group: str
    label: int
    domain: str | None
    split: str | None
    attributes: dict[str, str] = field(default_factory=dict)


def parse_name(name: str) -> NameInfo | None:
    """Parse a DCASE file name; ``None`` when it follows neither naming scheme."""
    m = SECTION_NAME.match(name)
    if m:
        label = LABELS[m["label"]] if m["label"] else UNKNOWN
        return NameInfo("section", f"section_{int(m['group']):02d}", label, m["domain"], m["split"],
                        name_attributes(m["attrs"]))
    m = ID_NAME.match(name)
    if m:
        label = LABELS[m["label"]] if m["label"] else UNKNOWN
        return NameInfo("id", f"id_{int(m['group']):02d}", label, None, None)
    return None


def name_attributes(tail: str | None) -> dict[str, str]:
    """``"car_A1_spd_28V"`` -> ``{"car": "A1", "spd": "28V"}``; an odd tail is kept whole."""
    if not tail:
        return {}
    parts = tail.split("_")
    if len(parts) % 2:
        return {"name_attributes": tail}
    return {parts[i]: parts[i + 1] for i in range(0, len(parts), 2)}


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [[c.strip() for c in row] for row in csv.reader(f) if any(c.strip() for c in row)]


def _basename(text: str) -> str:
    return PurePosixPath(text.replace("\\", "/")).name


def _type_in(text: str) -> str | None:
    """``fan/test/section_03_0000.wav`` -> ``fan``."""
    parts = PurePosixPath(text.replace("\\", "/")).parts
    return parts[-3] if len(parts) >= 3 else None


def read_attributes(path: Path) -> dict[str, dict[str, str]]:
    """``attributes_XX.csv`` -> ``{file name: {attribute: value}}`` (``d1p,d1v`` pairs become one entry)."""
    rows = _rows(path)
    if not rows:
        return {}
    header = [h.lower() for h in rows[0]]
    if "file_name" not in header:
        raise ValueError(f"dcase: {path} has no file_name column (header: {','.join(rows[0])})")
    out: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        record = dict(zip(header, row))
        attrs: dict[str, str] = {}
        for col, value in record.items():
            pair = re.fullmatch(r"d(\d+)p", col)
            if pair and record.get(f"d{pair.group(1)}v") is not None:
                attrs[value] = record[f"d{pair.group(1)}v"]
            elif col not in ("file_name", _FULL) and not re.fullmatch(r"d\d+v", col):
                attrs[col] = value
        out[_basename(record["file_name"])] = attrs
    return out


class GroundTruth:
    """Published labels (and domains) of evaluation clips, by machine type and file name."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.labels: dict[tuple[str | None, str], int | None] = {}
        self.domains: dict[tuple[str | None, str], str | None] = {}

    def _put(self, table: dict[tuple[str | None, str], Any], machine: str | None, name: str, value: Any) -> None:
        """Rows that name their machine type only match that type; a name given twice with
        different values and no machine type is ambiguous and matches nothing."""
        key = (machine, name)
        table[key] = value if machine is not None or table.get(key, value) == value else None

    def label(self, machine: str, name: str) -> int | None:
        return self.labels.get((machine, name), self.labels.get((None, name)))

    def domain(self, machine: str, name: str) -> str | None:
        return self.domains.get((machine, name), self.domains.get((None, name)))

    def __len__(self) -> int:
        return sum(v is not None for v in self.labels.values())


def load_ground_truth(path: Any) -> GroundTruth:
    """A folder of ground-truth CSVs (searched recursively) or one CSV.

    Reads ``ground_truth_<type>_section_XX_test.csv`` (rows ``file_name,label``; under a
    ``ground_truth_domain`` folder: ``file_name,domain`` with 0 source / 1 target), the 2020
    ``eval_data_list.csv`` (a machine type line, then ``file_name,...,label`` rows),
    ``attributes_XX.csv`` with a ``file_name_with_full_attributes`` column and any CSV with
    a header naming ``file_name`` and ``label`` (optionally ``domain``, ``machine``).
    """
    root = Path(str(path)).expanduser().resolve()
    if not root.exists():
        raise FileNotFoundError(f"dcase: ground_truth {root} does not exist; give a folder of the published "
                                f"ground_truth_<type>_section_XX_test.csv files or one CSV of file_name,label rows")
    gt = GroundTruth(root)
    for file in (sorted(root.rglob("*.csv")) if root.is_dir() else [root]):
        _read_file(gt, file)
    if not len(gt):
        raise ValueError(f"dcase: no labels found in ground_truth {root}; expected CSV rows file_name,label "
                         f"(0 normal, 1 anomaly), e.g. ground_truth_fan_section_00_test.csv")
    return gt


def _read_file(gt: GroundTruth, file: Path) -> None:
    rows = _rows(file)
    if not rows:
        return
    header = [h.lower() for h in rows[0]]
    if any(h in _NAME_COLUMNS for h in header):
        _read_table(gt, file, header, rows[1:])
        return
    match = GT_FILE.match(file.name)
    machine = match["type"] if match else None
    is_domain = "domain" in file.parent.name.lower() or "domain" in file.stem.lower()
    for n, row in enumerate(rows, start=1):
        if len(row) == 1:  # eval_data_list.csv: a machine type line
            machine = row[0]
            continue
        name, value = _basename(row[0]), row[-1].lower()
        table, values = (gt.domains, DOMAINS) if is_domain else (gt.labels, LABELS)
        if value not in values:
            raise ValueError(f"dcase: ground truth {file} row {n}: {row[-1]!r} is not "
                             f"{'a domain (0/1)' if is_domain else 'a label (0/1)'}")
        gt._put(table, machine, name, values[value])


def _read_table(gt: GroundTruth, file: Path, header: list[str], rows: list[list[str]]) -> None:
    name_col = next(h for h in header if h in _NAME_COLUMNS)
    for n, row in enumerate(rows, start=2):
        record = dict(zip(header, row))
        text = record.get(name_col, "")
        name, machine = _basename(text), record.get("machine") or record.get("machine_type") or _type_in(text)
        full = parse_name(_basename(record[_FULL])) if record.get(_FULL) else None
        label = record.get("label", "").lower()
        if label:
            if label not in LABELS:
                raise ValueError(f"dcase: ground truth {file} row {n}: label {record['label']!r} is not 0/1")
            gt._put(gt.labels, machine, name, LABELS[label])
        elif full is not None and full.label != UNKNOWN:
            gt._put(gt.labels, machine, name, full.label)
        domain = DOMAINS.get(record.get("domain", "").lower()) or (full.domain if full else None)
        if domain:
            gt._put(gt.domains, machine, name, domain)
