"""Tables of stored results: AUC mean ± std over seeds per machine type and ID."""
from __future__ import annotations

from typing import Any, Sequence

import pandas as pd


def results_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    frame["machine"] = frame["machine_type"] + "/" + frame["machine_id"]
    return frame


def auc_table(frame: pd.DataFrame, metric: str = "auc") -> pd.DataFrame:
    """Rows extractor x detector, columns machine type/ID, cells 'mean ± std' in percent."""
    ok = frame[frame["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    ok = ok.assign(value=ok[metric] * 100.0)
    label = ok["extractor"] + " + " + ok["detector"]
    random = ok["weights"].eq("random") if "weights" in ok else ~ok["pretrained"].astype(bool)
    label = label.where(~random, label + " (random weights)")  # not for extractors without weights
    ok = ok.assign(pipeline=label)
    stats = ok.groupby(["pipeline", "machine"])["value"].agg(["mean", "std", "count"])
    cells = stats.apply(lambda r: _cell(r["mean"], r["std"], r["count"]), axis=1).unstack("machine")
    cells["mean"] = ok.groupby(["pipeline", "machine"])["value"].mean().groupby("pipeline").mean().map("{:.1f}".format)
    cells.index.name = f"{metric.upper()} (%)"
    return cells


def _cell(mean: float, std: float, count: int) -> str:
    if count < 2 or pd.isna(std):
        return f"{mean:.1f}"
    return f"{mean:.1f} ± {std:.1f}"


def failures(frame: pd.DataFrame) -> list[str]:
    if frame.empty:
        return []
    bad = frame[frame["status"] != "ok"]
    return [f"{r.extractor} + {r.detector} on {r.machine} seed {r.seed}: {r.error}" for r in bad.itertuples()]
