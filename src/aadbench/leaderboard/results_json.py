"""Results as one JSON document for scripts and notebooks (``aadbench export --format json``,
``aadbench run --output-path DIR``): the runs with their configuration and versions, every job with
its metrics, counts and bootstrap intervals, and per-pipeline aggregates."""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..harness.store.reader import ResultsReader
from ..harness.store.schema import JSON_COLUMNS
from .data import json_dict

FORMAT, VERSION = "aadbench-results", 1
_COUNTS = ("n_train", "n_test_normal", "n_test_anomalous", "n_scored", "n_train_segments")


def document(db: str | Path, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The runs and results of ``keys`` (every job when None) in ``db``."""
    with ResultsReader(db) as reader:
        rows = reader.result_dicts(list(keys) if keys is not None else None)
        runs = reader.runs()
    results = [_result(r) for r in rows]
    used = {r["run_id"] for r in results}
    return {"format": FORMAT, "version": VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "database": str(Path(db).resolve()),
            "runs": [_run(r) for r in runs if r["run_id"] in used],
            "results": results, "aggregates": aggregates(results)}


def _run(row: dict[str, Any]) -> dict[str, Any]:
    return {k: json_dict(v) if k in ("config", "versions") else v for k, v in row.items() if k not in ("pid",)}


def _result(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: json_dict(v) if k in JSON_COLUMNS else v for k, v in row.items()}
    found = out.get("metrics")
    metrics: dict[str, Any] = found if isinstance(found, dict) else {}
    out["task"] = f"{row['machine_type']}/{row['machine_id']}"
    out["counts"] = {k: row.get(k) for k in _COUNTS}
    out["auc_ci"], out["pauc_ci"] = metrics.get("auc_ci"), metrics.get("pauc_ci")
    return out


def aggregates(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per dataset, extractor, weights and detector: mean and std of AUC and pAUC over tasks and seeds."""
    ok = pd.DataFrame([r for r in results if r.get("status") == "ok"])
    if ok.empty:
        return []
    keys = ["dataset", "extractor", "weights", "detector"]
    out = []
    for key, group in ok.groupby(keys, dropna=False):
        out.append({**dict(zip(keys, key)), "n_jobs": int(len(group)), "n_tasks": int(group["task"].nunique()),
                    "n_seeds": int(group["seed"].nunique()),
                    "auc_mean": float(group["auc"].mean()), "auc_std": float(np.nan_to_num(group["auc"].std())),
                    "pauc_mean": float(group["pauc"].mean()),
                    "pauc_std": float(np.nan_to_num(group["pauc"].std()))})
    return out


def write(db: str | Path, path: str | Path, keys: Sequence[str] | None = None) -> Path:
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document(db, keys), indent=1, default=str), encoding="utf-8")
    return target
