"""DCASE Task 2 submission files for one stored pipeline: per machine type and section,
``anomaly_score_<type>_section_<XX>_test.csv`` (file name, anomaly score) and
``decision_result_<type>_section_<XX>_test.csv`` (file name, 1 anomalous / 0 normal), no header,
as the challenge's evaluator reads them (DCASE 2020's ``id_XX`` tasks: ``..._<type>_id_XX.csv``)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError
from . import data

PIPELINE = ("extractor", "weights", "detector")


@dataclass(frozen=True)
class Written:
    files: list[Path]
    pipeline: str
    seed: int


def file_stem(machine_type: str, machine_id: str) -> str:
    if machine_id.startswith("id_"):  # DCASE 2020
        return f"{machine_type}_{machine_id}"
    return f"{machine_type}_{machine_id}_test"


def write_submission(db: str, frame: pd.DataFrame, out: str | Path) -> Written:
    """The files of the one pipeline and seed that ``frame`` (already filtered) holds."""
    ok = frame[(frame["status"] == "ok") & (frame["dataset"] == "dcase")]
    if ok.empty:
        raise ConfigError("dcase-submission: no successful DCASE result matches; check --db and the filters")
    pipelines = ok[list(PIPELINE)].drop_duplicates()
    if len(pipelines) != 1:
        listed = "; ".join(" + ".join(map(str, r)) for r in pipelines.itertuples(index=False))
        raise ConfigError(f"dcase-submission writes one pipeline; these match: {listed}. Choose with --extractors, "
                          f"--detectors and --weights")
    seeds = sorted(ok["seed"].unique().tolist())
    if len(seeds) != 1:
        raise ConfigError(f"dcase-submission writes one seed's scores; these are stored: "
                          f"{', '.join(map(str, seeds))}. Choose one with --seeds N")
    metrics = dict(zip(ok["job_key"], data.with_metrics(db, ok)["metrics"]))
    scores = data.load_clip_scores(db, ok["job_key"].tolist())
    target = Path(out).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for row in ok.sort_values(["machine_type", "machine_id"]).itertuples(index=False):
        threshold = metrics.get(row.job_key, {}).get("threshold")
        if threshold is None:
            raise ConfigError(f"{row.machine_type} {row.machine_id}: no decision threshold stored (the run had "
                              f"protocol.threshold_quantile=0); run again with the default")
        clips = scores[scores["job_key"] == row.job_key].sort_values("clip")
        stem = file_stem(str(row.machine_type), str(row.machine_id))
        names = [Path(str(c)).name for c in clips["clip"]]
        files.append(_write(target / f"anomaly_score_{stem}.csv", zip(names, clips["score"])))
        files.append(_write(target / f"decision_result_{stem}.csv",
                            zip(names, (int(s > float(threshold)) for s in clips["score"]))))
    pipeline = " + ".join(str(v) for v in pipelines.iloc[0].tolist())
    return Written(files, pipeline, int(seeds[0]))


def _write(path: Path, rows: Any) -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path

