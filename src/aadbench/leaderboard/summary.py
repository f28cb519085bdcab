"""The table ``aadbench run`` prints at its end: AUC per pipeline and machine, mean ± std over seeds."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .data import json_dict
from .tables import FLAG, format_cell


def results_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Stored result rows (dicts of the schema's columns) as a frame with a ``machine`` column."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    frame["machine"] = frame["machine_type"] + "/" + frame["machine_id"]
    metrics = [json_dict(m) for m in frame.get("metrics", pd.Series([None] * len(frame)))]
    frame["flagged"] = [isinstance(m.get("auc_flags"), list) and bool(m["auc_flags"]) for m in metrics]
    for column in ("auc_source", "auc_target"):  # DCASE 2021+: each domain's AUC
        frame[column] = [m.get(column) for m in metrics]
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame



def run_summary(frame: pd.DataFrame, metric: str = "auc") -> pd.DataFrame:
    """Rows extractor + detector, columns machine type/ID and their mean: 'mean ± std' in percent."""
    ok = frame[frame["status"] == "ok"] if not frame.empty else frame
    if ok.empty:
        return pd.DataFrame()
    ok = ok.assign(value=ok[metric] * 100.0)
    label = ok["extractor"] + " + " + ok["detector"]
    random = ok["weights"].eq("random") if "weights" in ok else ~ok["pretrained"].astype(bool)
    label = label.where(~random, label + " (random weights)")  # not for extractors without weights
    ok = ok.assign(pipeline=label)
    stats = ok.groupby(["pipeline", "machine"])["value"].agg(["mean", "std", "count"])
    flagged = ok.groupby(["pipeline", "machine"])["flagged"].any() if "flagged" in ok else None
    cells = stats.apply(lambda r: format_cell(r["mean"], r["std"], r["count"])
                        + (FLAG if flagged is not None and flagged[r.name] else ""), axis=1).unstack("machine")
    cells["mean"] = ok.groupby(["pipeline", "machine"])["value"].mean().groupby("pipeline").mean().map("{:.1f}".format)
    cells.index.name = f"{metric.upper()} (%)"
    return cells


def failures(frame: pd.DataFrame) -> list[str]:
    """One line per failed job of the frame."""
    if frame.empty:
        return []
    bad = frame[frame["status"] != "ok"]
    return [f"{r.extractor} + {r.detector} on {r.machine} seed {r.seed}: {r.error}" for r in bad.itertuples()]
