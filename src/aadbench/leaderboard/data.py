"""Load the results store into pandas through its read API (read-only, safe while a run writes).

The heavy JSON columns (configurations, per-domain metrics) are left out of the main frame;
the few values the leaderboard needs from them (MIMII's SNR, the DCASE year) are read as
``dataset_config.snr`` and ``dataset_config.year``, so 100k result rows load in well under a second.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..harness.store.reader import DbState, ResultsReader, signature
from ..harness.store.schema import DEFAULT_DB

DB_ENV = "AADBENCH_DB"

#: the filters of the app and of ``aadbench export``: frame column -> label
FILTERS = {"run_id": "Runs", "extractor": "Extractors", "detector": "Detectors", "weights": "Weights", "seed": "Seeds"}

#: frame column -> the store column it is read from
COLUMNS = {
    "job_key": "job_key", "run_id": "run_id", "dataset": "dataset",
    "snr": "dataset_config.snr", "year": "dataset_config.year", "flags": "metrics.auc_flags",
    "auc_source": "metrics.auc_source", "auc_target": "metrics.auc_target", "auc_ci": "metrics.auc_ci",
    **{c: c for c in ("machine_type", "machine_id", "extractor", "weights", "pretrained", "detector", "seed",
                      "status", "error", "auc", "pauc", "n_scored", "extract_s", "n_extracted_clips", "fit_s",
                      "score_s", "device")},
}

__all__ = ["COLUMNS", "DB_ENV", "FILTERS", "DbState", "db_signature", "db_state", "load_clip_scores",
           "load_details", "load_results", "load_runs", "resolve_db", "with_metrics"]


def resolve_db(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """``--db PATH`` among the script arguments, else ``$AADBENCH_DB``, else ./aadbench.sqlite."""
    argv = list(argv or [])
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return Path(argv[i + 1]).expanduser()
        if arg.startswith("--db="):
            return Path(arg[5:]).expanduser()
    env = os.environ if env is None else env
    return Path(env.get(DB_ENV) or DEFAULT_DB).expanduser()


def db_state(path: str | Path) -> DbState:
    return ResultsReader.state_of(path)


def db_signature(path: str | Path) -> tuple:
    """Changes whenever the database or its WAL file changes: a cache key for the app."""
    return signature(path)


def load_results(path: str | Path) -> pd.DataFrame:
    """Every result row (ok and failed), with ``snr``, ``year`` and a ``dataset_label``."""
    with ResultsReader(path) as reader:
        rows = reader.results(list(COLUMNS.values()))
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for col in ("auc", "pauc", "extract_s", "fit_s", "score_s", "snr", "year", "auc_source", "auc_target"):
        frame[col] = (pd.to_numeric(frame[col], errors="coerce") if col in ("snr", "year", "auc_source", "auc_target")
                      else frame[col].astype(float))
    bounds = [_interval(v) for v in frame["auc_ci"]]
    frame["auc_ci_low"] = [b[0] for b in bounds]
    frame["auc_ci_high"] = [b[1] for b in bounds]
    frame["pretrained"] = frame["pretrained"].fillna(0).astype(int)
    frame["flagged"] = frame["flags"].fillna("[]").astype(str).ne("[]")
    frame["seed"] = frame["seed"].astype(int)
    keys = ["dataset", "snr", "year"]
    codes = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()  # numbered as first seen
    labels = np.array([dataset_label(*k) for k in frame[keys].drop_duplicates().itertuples(index=False)] + [""],
                      dtype=object)
    frame["dataset_label"] = pd.Series(labels[codes], index=frame.index, dtype=str)
    return frame


def _nan(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _interval(value: Any) -> tuple[float, float]:
    """A stored ``[low, high]`` (JSON text) as two floats; NaN where absent."""
    try:
        low, high = json.loads(value) if isinstance(value, str) else value
        return float(low), float(high)
    except (TypeError, ValueError):
        return float("nan"), float("nan")


def dataset_label(dataset: str, snr: Any = None, year: Any = None) -> str:
    """'mimii 6 dB', 'dcase 2021', 'synthetic', ...: the unit one leaderboard table covers."""
    snr, year = _nan(snr), _nan(year)
    if dataset == "mimii":
        return f"mimii {_fmt_num(snr)} dB" if snr is not None else "mimii (SNR unknown)"
    if dataset == "dcase" and year is not None:
        return f"dcase {_fmt_num(year)}"
    return str(dataset)


def _fmt_num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def load_runs(path: str | Path) -> pd.DataFrame:
    with ResultsReader(path) as reader:
        return pd.DataFrame(reader.runs())


def load_details(path: str | Path, keys: Sequence[str]) -> pd.DataFrame:
    """The JSON columns of the given jobs: configurations, protocol and metrics (as text)."""
    with ResultsReader(path) as reader:
        return pd.DataFrame(reader.details(keys))


def load_clip_scores(path: str | Path, keys: Sequence[str]) -> pd.DataFrame:
    with ResultsReader(path) as reader:
        rows = reader.clip_scores(keys)
    return pd.DataFrame(rows, columns=["job_key", "clip", "label", "domain", "score"])


def with_metrics(path: str | Path, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``metrics`` column of dicts (the per-domain entries of the official score)."""
    if frame.empty:
        return frame.assign(metrics=[])
    details = load_details(path, frame["job_key"].tolist())
    parsed = {k: json_dict(m) for k, m in zip(details["job_key"], details["metrics"])} if not details.empty else {}
    metrics: list[Any] = [parsed.get(k, {}) for k in frame["job_key"]]
    return frame.assign(metrics=metrics)


def json_dict(value: Any) -> dict:
    """A stored JSON object (text, or already a dict) as a dict; ``{}`` for anything else."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def options(frame: pd.DataFrame, column: str) -> list:
    if frame.empty or column not in frame:
        return []
    return sorted(frame[column].dropna().unique().tolist())


def filter_results(frame: pd.DataFrame, selections: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Keep the rows whose column value is among the selection; an empty selection keeps all."""
    mask = pd.Series(True, index=frame.index)
    for column, values in selections.items():
        if values:
            mask &= frame[column].isin(list(values))
    return frame[mask]


def default_dataset(frame: pd.DataFrame) -> str | None:
    """The dataset the app opens on: MIMII at 6 dB when present, else the one with most results."""
    ok = frame[frame["status"] == "ok"] if not frame.empty else frame
    if ok.empty:
        return None
    counts = ok["dataset_label"].value_counts()
    return "mimii 6 dB" if "mimii 6 dB" in counts.index else str(counts.index[0])


def experiment_yaml(config: Any) -> str | None:
    """A stored run configuration as an experiment file (``aadbench run --config``); None for
    configurations that are not a plan (runs stored by other tools or old versions)."""
    from ..harness.store.experiment import file_config, to_yaml

    if not isinstance(config, dict) or not isinstance(config.get("dataset"), dict) or "label" not in config["dataset"]:
        return None
    try:
        return to_yaml(file_config(config))
    except (KeyError, TypeError):
        return None
