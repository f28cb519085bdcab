"""``aadbench fit --best``: per task, the stored pipeline with the best mean AUC over its seeds."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import ConfigError, plural
from ..store.reader import ResultsReader


@dataclass(frozen=True)
class Choice:
    extractor: str
    detector: str
    detector_config: Mapping[str, Any]
    mean_auc: float
    n_seeds: int
    runner_up: str = ""

    def describe(self) -> str:
        other = f"; next best {self.runner_up}" if self.runner_up else ""
        return (f"{self.extractor} + {self.detector}: best mean AUC stored, {100 * self.mean_auc:.1f} over "
                f"{plural(self.n_seeds, 'seed')}{other}")


def best_pipelines(db: str, dataset: str, machines: Sequence[str] | None = None) -> dict[str, Choice]:
    columns = ("dataset", "machine_type", "machine_id", "extractor", "detector", "detector_config", "status", "auc")
    with ResultsReader(db) as reader:
        rows = reader.results(columns)
    groups: dict[str, dict[tuple[str, str, str], list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        r = dict(zip(columns, row)) if not isinstance(row, Mapping) else dict(row)
        if r["dataset"] != dataset or r["status"] != "ok" or r["auc"] is None:
            continue
        if machines and r["machine_type"] not in machines:
            continue
        config = r["detector_config"] if isinstance(r["detector_config"], str) else json.dumps(r["detector_config"])
        groups[f"{r['machine_type']}/{r['machine_id']}"][(r["extractor"], r["detector"], config)].append(
            float(r["auc"]))
    if not groups:
        raise ConfigError(f"--best: {db} holds no successful result for dataset {dataset!r}"
                          + (f" and machines {','.join(machines)}" if machines else "")
                          + "; run `aadbench run` first or check --dataset")
    out = {}
    for task, pipelines in sorted(groups.items()):
        ranked = sorted(pipelines.items(), key=lambda kv: (-float(np.mean(kv[1])), kv[0]))
        (ext, det, config), aucs = ranked[0]
        runner = ""
        if len(ranked) > 1:
            (e2, d2, _), a2 = ranked[1]
            runner = f"{e2} + {d2} ({100 * float(np.mean(a2)):.1f})"
        out[task] = Choice(ext, det, json.loads(config), float(np.mean(aucs)), len(aucs), runner)
    return out
