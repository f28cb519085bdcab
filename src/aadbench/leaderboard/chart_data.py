"""What the leaderboard's charts draw, as plain frames (pure pandas and numpy; ``charts`` draws them).

- :func:`pipeline_points`: per pipeline its overall AUC, extraction throughput and fit time, and
  whether it is on the Pareto front (no other pipeline is both as accurate and as fast).
- :func:`heatmap_cells`: machine x pipeline AUCs (mean over seeds, percent).
- :func:`roc_points`: the ROC curve of each seed with the threshold of every point.
- :func:`score_bins`: score histograms of both classes on shared bins that stay readable when a
  few scores are far out (robust range, outliers counted in end bins that say so).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import ROW_KEYS, pipeline_names, roc_curve, throughput

#: Tukey's far-out fences: scores beyond IQR_FENCE interquartile ranges past the quartiles are outliers
IQR_FENCE = 3.0
MAX_BINS = 30
#: positive scores whose range spans this factor or more are binned on a log scale
LOG_RATIO = 100.0


def pipeline_points(frame: pd.DataFrame, metric: str = "auc") -> pd.DataFrame:
    """One row per pipeline in view: ``pipeline``, its keys, the mean ``metric`` in percent over
    machines (each the mean over seeds), ``clips/s`` of extraction (NaN where every task came from
    the feature cache), mean ``fit s`` per job, ``devices`` and ``pareto``."""
    cols = ["pipeline", *ROW_KEYS, "value", "clips/s", "fit s", "devices", "pareto"]
    ok = frame[(frame["status"] == "ok") & frame[metric].notna()] if metric in frame else frame.iloc[0:0]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    ok = ok.assign(pipeline=pipeline_names(ok))
    per_machine = ok.groupby(["pipeline", *ROW_KEYS, "machine_type", "machine_id"])[metric].mean() * 100.0
    points = per_machine.groupby(["pipeline", *ROW_KEYS]).mean().rename("value").reset_index()
    speed = throughput(ok)
    points = points.merge(speed, on=ROW_KEYS, how="left")
    points["fit s"] = points["pipeline"].map(ok.groupby("pipeline")["fit_s"].mean())
    points["devices"] = points["pipeline"].map(
        ok.groupby("pipeline")["device"].agg(lambda d: ", ".join(sorted(set(map(str, d))))))
    points["pareto"] = pareto_front(points["value"].to_numpy(float), points["clips/s"].to_numpy(float))
    return points[cols].sort_values("value", ascending=False, ignore_index=True)


def pareto_front(value: np.ndarray, speed: np.ndarray) -> np.ndarray:
    """True where no other point is at least as good in both and better in one (NaN speeds never are)."""
    known = ~np.isnan(speed) & ~np.isnan(value)
    front = np.zeros(value.shape, dtype=bool)
    for i in np.flatnonzero(known):
        others = known.copy()
        others[i] = False
        dominated = others & (value >= value[i]) & (speed >= speed[i]) & ((value > value[i]) | (speed > speed[i]))
        front[i] = not dominated.any()
    return front


def heatmap_cells(frame: pd.DataFrame, metric: str = "auc") -> pd.DataFrame:
    """Machine (type/ID) x pipeline: the mean over seeds in percent, with the number of seeds."""
    ok = frame[(frame["status"] == "ok") & frame[metric].notna()] if metric in frame else frame.iloc[0:0]
    if ok.empty:
        return pd.DataFrame(columns=["pipeline", "machine", "value", "seeds"])
    ok = ok.assign(pipeline=pipeline_names(ok), machine=ok["machine_type"] + "/" + ok["machine_id"])
    per_seed = ok.groupby(["pipeline", "machine", "seed"])[metric].mean() * 100.0
    cells = per_seed.groupby(["pipeline", "machine"]).agg(value="mean", seeds="count").reset_index()
    return cells


def roc_points(scores: pd.DataFrame) -> pd.DataFrame:
    """Per seed: false and true positive rates at every distinct threshold, the threshold (the
    lowest score flagged), and the seed's ``AUC (%)``; ``curve`` names the seed with its AUC."""
    parts = []
    for seed, part in scores.groupby("seed", sort=True):
        labels, values = part["label"].to_numpy(), part["score"].to_numpy(dtype=float)
        fpr, tpr, auc = roc_curve(labels, values)
        thresholds = np.r_[np.inf, np.sort(np.unique(values))[::-1]]
        if thresholds.size != fpr.size:  # no scores or a single class: the chance diagonal
            thresholds = np.full(fpr.size, np.nan)
        pct = auc * 100.0
        parts.append(pd.DataFrame({"seed": seed, "fpr": fpr, "tpr": tpr, "threshold": thresholds,
                                   "AUC (%)": round(pct, 1),
                                   "curve": f"seed {seed} (AUC {pct:.1f} %)"}))
    if not parts:
        return pd.DataFrame(columns=["seed", "fpr", "tpr", "threshold", "AUC (%)", "curve"])
    out = pd.concat(parts, ignore_index=True)
    out["threshold"] = out["threshold"].replace(np.inf, np.nan)  # the (0, 0) corner: nothing flagged
    return out


def robust_range(values: np.ndarray, classes: np.ndarray | None = None) -> tuple[float, float]:
    """The range the bins span: each class's scores without those beyond its own Tukey far-out
    fences, joined (so a tight cluster of one class never makes the other's tail an outlier)."""
    finite = np.isfinite(values)
    groups = [values[finite]] if classes is None else [values[finite & (classes == c)] for c in np.unique(classes)]
    lows, highs = [], []
    for group in (g for g in groups if g.size):
        q1, q3 = np.percentile(group, [25, 75])
        iqr = float(q3 - q1)
        if iqr > 0:
            group = group[(group >= q1 - IQR_FENCE * iqr) & (group <= q3 + IQR_FENCE * iqr)]
        lows.append(float(group.min()))
        highs.append(float(group.max()))
    if not lows:
        return 0.0, 1.0
    low, high = min(lows), max(highs)
    if high <= low:
        low, high = low - 0.5, low + 0.5
    return low, high


def score_bins(scores: pd.DataFrame, bins: int | None = None) -> pd.DataFrame:
    """Counts of normal and anomalous clips on bins shared by both classes over :func:`robust_range`;
    scores below or above it go to an end bin marked ``outlier`` whose label says how far they reach.

    Positive scores spanning LOG_RATIO or more get log-spaced bins. Columns: ``bin`` (order),
    ``label`` (the range as text), ``start``, ``end``, ``class``, ``clips``, ``outlier``, ``scale``.
    """
    values = scores["score"].to_numpy(dtype=float)
    classes = np.where(scores["label"].to_numpy() == 1, "anomalous", "normal")
    low, high = robust_range(values, classes)
    inside = (values >= low) & (values <= high)
    log = low > 0 and high / low >= LOG_RATIO  # scores over orders of magnitude: log-spaced bins
    scaled = np.log10 if log else (lambda v: v)
    # as many bins as the finer of the two classes needs (Freedman-Diaconis on each)
    n_bins = bins or max(_n_bins(scaled(values[inside & (classes == c)]), scaled(low), scaled(high))
                         for c in ("normal", "anomalous"))
    edges = np.geomspace(low, high, n_bins + 1) if log else np.linspace(low, high, n_bins + 1)
    rows = []
    below, above = values < low, values > high
    if below.any():
        rows.append((f"< {_num(low)} (outliers down to {_num(values[below].min())})", -np.inf, low, below, True))
    for i in range(n_bins):
        last = i == n_bins - 1
        member = inside & (values >= edges[i]) & ((values <= edges[i + 1]) if last else (values < edges[i + 1]))
        rows.append((f"{_num(edges[i])} – {_num(edges[i + 1])}", edges[i], edges[i + 1], member, False))
    if above.any():
        rows.append((f"> {_num(high)} (outliers up to {_num(values[above].max())})", high, np.inf, above, True))
    out = [{"bin": b, "label": label, "start": start, "end": end, "class": name,
            "clips": int((member & (classes == name)).sum()), "outlier": outlier, "scale": "log" if log else "linear"}
           for b, (label, start, end, member, outlier) in enumerate(rows) for name in ("normal", "anomalous")]
    return pd.DataFrame(out)


def _n_bins(values: np.ndarray, low: float, high: float) -> int:
    """Freedman-Diaconis bins over the range, between 6 and MAX_BINS."""
    if values.size < 2:
        return 6
    q1, q3 = np.percentile(values, [25, 75])
    width = 2.0 * float(q3 - q1) / max(values.size, 1) ** (1 / 3)
    return int(np.clip(np.ceil((high - low) / width), 6, MAX_BINS)) if width > 0 else 6


def _num(value: float) -> str:
    return f"{value:.3g}"
