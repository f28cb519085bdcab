"""The synthetic dataset as aadbench tasks; clip keys follow the MIMII layout."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...components import ANOMALOUS, NORMAL, Clip, Dataset, Task
from .generator import MACHINE_TYPES, generate_clip

#: bump when the generator's output changes, so caches keyed on it are invalidated
GENERATOR_VERSION = 1
FOLDERS = {NORMAL: "normal", ANOMALOUS: "abnormal"}
_KEY = re.compile(r"^(normal|abnormal)/(\d{8})\.wav$")


def normalise_id(value: Any) -> str:
    """``0``, ``"00"`` or ``"id_00"`` -> ``"id_00"``."""
    text = str(value).strip()
    digits = text[3:] if text.startswith("id_") else text
    if not digits.isdigit():
        raise ValueError(f"machine id {value!r} must look like id_00 or 00")
    return f"id_{int(digits):02d}"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


class SyntheticDataset(Dataset):
    """Machine-like sounds generated on the fly, identical to what ``aadbench synth`` writes."""

    def __init__(self, machines: Iterable[str] = MACHINE_TYPES, ids: Iterable[Any] = ("id_00", "id_02"),
                 n_normal: int = 30, n_anomalous: int = 15, snr_db: float = 6.0, seed: int = 0,
                 duration: float = 10.0, sample_rate: int = 16000) -> None:
        self.machines = _as_list(machines)
        bad = [m for m in self.machines if m not in MACHINE_TYPES]
        if bad or not self.machines:
            raise ValueError(f"synthetic machines {bad or self.machines!r}: choose from {', '.join(MACHINE_TYPES)}")
        self.ids = [normalise_id(i) for i in _as_list(ids)]
        if not self.ids:
            raise ValueError("synthetic ids must name at least one machine id, e.g. id_00")
        self.n_normal, self.n_anomalous = int(n_normal), int(n_anomalous)
        if self.n_normal < 2 or self.n_anomalous < 1:
            raise ValueError(f"synthetic needs n_normal >= 2 and n_anomalous >= 1, got {n_normal} and {n_anomalous}")
        self.snr_db, self.seed = float(snr_db), int(seed)
        self.duration, self.sample_rate = float(duration), int(sample_rate)
        if self.duration <= 0:
            raise ValueError(f"synthetic duration must be positive, not {duration!r}")

    def config(self) -> dict[str, Any]:
        return {"machines": self.machines, "ids": self.ids, "n_normal": self.n_normal,
                "n_anomalous": self.n_anomalous, "snr_db": self.snr_db, "seed": self.seed,
                "duration": self.duration, "sample_rate": self.sample_rate,
                "generator_version": GENERATOR_VERSION}

    def tasks(self) -> list[Task]:
        out = []
        for machine in self.machines:
            for mid in self.ids:
                attrs = {"machine_type": machine, "machine_id": mid}
                clips = [Clip(f"{FOLDERS[label]}/{i:08d}.wav", label, attributes=attrs)
                         for label, count in ((NORMAL, self.n_normal), (ANOMALOUS, self.n_anomalous))
                         for i in range(count)]
                out.append(Task(machine, mid, tuple(clips)))
        return out

    def generate(self, machine: str, mid: str, clip: Clip) -> np.ndarray:
        match = _KEY.match(clip.key)
        if not match:
            raise ValueError(f"{clip.key!r} is not a synthetic clip key (normal|abnormal)/NNNNNNNN.wav")
        label = NORMAL if match.group(1) == "normal" else ANOMALOUS
        wave, _ = generate_clip(machine, mid, label, int(match.group(2)), seed=self.seed, snr_db=self.snr_db,
                                duration=self.duration, sample_rate=self.sample_rate)
        return wave

    def load(self, clip: Clip) -> np.ndarray:
        machine, mid = clip.attributes.get("machine_type"), clip.attributes.get("machine_id")
        if machine is None:
            raise ValueError(f"synthetic clip {clip.key!r} carries no machine_type attribute")
        if mid is None:
            raise ValueError(f"synthetic clip {clip.key!r} carries no machine_id attribute")
        return self.generate(machine, mid, clip)

    def fingerprint(self, clip: Clip) -> str:
        c = self.config()
        return (f"synthetic-v{GENERATOR_VERSION}:{c['seed']}:{c['snr_db']}:{c['duration']}:{c['sample_rate']}:"
                f"{clip.attributes.get('machine_type')}/{clip.attributes.get('machine_id')}/{clip.key}")
