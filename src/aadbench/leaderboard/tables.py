"""Leaderboard tables from a results frame (see ``data.load_results``): pure pandas.

- :func:`leaderboard`: the paper's layout, rows extractor x detector (x weights), columns machine
  type x ID, mean ± std over seeds in percent, per-type and overall averages, rank, and the
  best / second best of every column.
- :func:`paper_comparison`: MIMII 6 dB, ImageNet weights, beside Mueller et al. (2021) Table 1.
- :func:`timing_table`: extraction, fit and score times per extractor, detector and device.
- :func:`to_markdown`, :func:`to_latex`, :func:`to_csv`: the exports.
- :func:`runs_table`: what each run did (computed, already stored, failed).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import cast

import numpy as np
import pandas as pd

ROW_KEYS = ["extractor", "detector", "weights"]
CELL_KEYS = ["machine_type", "machine_id"]
AVG, ALL = "avg", "all"
METRICS = {"auc": "AUC (%)", "pauc": "pAUC (%)", "auc_source": "AUC, source domain (%)",
           "auc_target": "AUC, target domain (%)", "official": "official DCASE score (%)"}
#: per-domain AUCs (DCASE 2022+ definition: the domain's normals against every anomaly)
DOMAIN_METRICS = ("auc_source", "auc_target")
PAPER_FILE = "mueller2021_icaart_table1.csv"
PAPER_DETECTORS = {"b-gmm": "bgmm", "if": "iforest", "oc-svm": "ocsvm"}
PAPER_EXTRACTORS = {"-": "mel-patches"}
NO_WEIGHTS = "n/a"  # extractors without network weights (mel-patches for the DCAEs)
#: the cell styles of the marks (best and second best of a column), in the app and the exported page
MARK_CSS = {"best": "background-color: #1b5e20; color: #ffffff; font-weight: bold",
            "second": "background-color: #a5d6a7; color: #000000"}
#: marks a cell with an AUC from fewer than 5 clips of a class or from constant scores
FLAG = " †"
FLAG_NOTE = ("† an AUC of this cell comes from fewer than 5 normal or anomalous test clips, or from scores "
             "that are all equal: too uncertain to rank pipelines by")


@dataclass
class Leaderboard:
    """Numeric means and stds (percent) with marks; columns are (machine_type, machine_id) pairs,
    with ``(type, 'avg')`` per type and ``('all', 'avg')`` overall."""

    title: str
    mean: pd.DataFrame
    std: pd.DataFrame
    count: pd.DataFrame
    seeds: pd.Series
    rank: pd.Series
    marks: pd.DataFrame
    #: cells with a result whose AUC is flagged (fewer than 5 clips of a class, or constant scores)
    flagged: pd.DataFrame | None = None

    @property
    def empty(self) -> bool:
        return self.mean.empty

    def text(self) -> pd.DataFrame:
        """Cells as 'mean ± std' strings ('–' where missing), then rank and seeds; flat columns."""
        return self._text.copy()

    @cached_property
    def _text(self) -> pd.DataFrame:
        columns = cast(list[tuple[str, str]], list(self.mean.columns))
        flagged = self.flagged if self.flagged is not None else pd.DataFrame(index=self.mean.index)
        cells = {column_label(c): [format_cell(m, s, n) + (FLAG if f else "") for m, s, n, f in
                                   zip(self.mean[c], self.std[c], self.count[c],
                                       flagged[c] if c in flagged else [False] * len(self.mean))]
                 for c in columns}
        out = pd.DataFrame(cells, index=self.mean.index)
        out["rank"] = self.rank.astype("Int64").astype(str)
        out["seeds"] = self.seeds.astype(str)
        return out.reset_index()

    def types_only(self) -> Leaderboard:
        """The same table with only the per-type and overall averages (narrow enough for many IDs)."""
        keep = [c for c in self.mean.columns if c[1] == AVG]
        flagged = None if self.flagged is None else self.flagged.reindex(columns=keep, fill_value=False)
        return Leaderboard(self.title, self.mean[keep], self.std[keep], self.count[keep], self.seeds, self.rank,
                           self.marks[keep], flagged)

    @property
    def fits(self) -> bool:
        """Whether every machine ID column fits a 1400-pixel screen (see MAX_VALUE_COLUMNS)."""
        return len(self.mean.columns) <= MAX_VALUE_COLUMNS

    def flat_marks(self) -> pd.DataFrame:
        """``marks`` aligned with :meth:`text` ('' for the key, rank and seeds columns)."""
        columns = cast(list[tuple[str, str]], list(self.marks.columns))
        marks = self.marks.set_axis([column_label(c) for c in columns], axis=1).reset_index(drop=True)
        return marks.reindex(columns=self._text.columns, fill_value="").fillna("")


def pipeline_names(frame: pd.DataFrame) -> pd.Series:
    """'extractor + detector', with the weights in brackets where the frame holds several."""
    names = frame["extractor"].astype(str) + " + " + frame["detector"].astype(str)
    if "weights" in frame and frame["weights"].nunique() > 1:
        names += " (" + frame["weights"].astype(str) + ")"
    return names


def column_label(column: tuple[str, str]) -> str:
    machine_type, machine_id = column
    return AVG if machine_type == ALL else f"{machine_type} {machine_id}"


def format_cell(mean: float, std: float, count: float) -> str:
    """A table cell: 'mean ± std' in percent, the mean alone from one seed, '–' where missing."""
    if pd.isna(mean):
        return "–"
    return f"{mean:.1f}" if count < 2 or pd.isna(std) else f"{mean:.1f} ± {std:.1f}"


def available_metrics(frame: pd.DataFrame) -> list[str]:
    """AUC and pAUC always; the official score where every row is of a DCASE dataset with a year."""
    ok = frame[frame["status"] == "ok"]
    dcase = not ok.empty and (ok["dataset"] == "dcase").all() and ok["year"].notna().all()
    domains = [m for m in DOMAIN_METRICS if dcase and m in ok and ok[m].notna().all()]
    return ["auc", "pauc", *domains] + (["official"] if dcase and ok["year"].nunique() == 1 else [])


def interval_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Pipeline x machine: the bootstrap 95% interval of the AUC, 'low–high' in percent (seed means)."""
    if frame.empty or "auc_ci_low" not in frame:
        return pd.DataFrame()
    ok = frame[(frame["status"] == "ok") & frame["auc_ci_low"].notna()]
    if ok.empty:
        return pd.DataFrame()
    ok = ok.assign(pipeline=ok["extractor"] + " + " + ok["detector"],
                   machine=ok["machine_type"] + "/" + ok["machine_id"])
    means = ok.groupby(["pipeline", "machine"])[["auc_ci_low", "auc_ci_high"]].mean() * 100.0
    cells = means.apply(lambda r: f"{r['auc_ci_low']:.1f}–{r['auc_ci_high']:.1f}", axis=1)
    return cells.unstack("machine")


def seed_values(ok: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One value per row key, column and seed: the cells, the per-type and the overall averages."""
    by_seed = ROW_KEYS + CELL_KEYS + ["seed"]
    if metric == "official":
        return _official_values(ok)
    cells = (ok.groupby(by_seed, sort=False)[metric].mean() * 100.0).rename("value").reset_index()
    types = cells.groupby(ROW_KEYS + ["machine_type", "seed"], sort=False)["value"].mean().reset_index()
    overall = cells.groupby(ROW_KEYS + ["seed"], sort=False)["value"].mean().reset_index()
    return pd.concat([cells, types.assign(machine_id=AVG), overall.assign(machine_type=ALL, machine_id=AVG)])


def _official_values(ok: pd.DataFrame) -> pd.DataFrame:
    from ..harness.metrics import official_score

    year = int(ok["year"].dropna().iloc[0])
    metrics = ok["metrics"] if "metrics" in ok else pd.Series([{}] * len(ok), index=ok.index)
    recs = pd.Series([{"auc": a, "pauc": p, **m} for a, p, m in zip(ok["auc"], ok["pauc"], metrics)],
                     index=ok.index)
    ok = ok.assign(rec=recs)

    def score(keys: list[str]) -> pd.DataFrame:
        out = ok.groupby(keys, sort=False)["rec"].agg(lambda r: official_score(year, list(r)) * 100.0)
        return out.rename("value").reset_index()

    return pd.concat([score(ROW_KEYS + CELL_KEYS + ["seed"]),
                      score(ROW_KEYS + ["machine_type", "seed"]).assign(machine_id=AVG),
                      score(ROW_KEYS + ["seed"]).assign(machine_type=ALL, machine_id=AVG)])


def leaderboard(frame: pd.DataFrame, metric: str = "auc", title: str = "") -> Leaderboard:
    """The paper-layout table of the successful rows of ``frame`` (one dataset: see dataset_label)."""
    ok = frame[frame["status"] == "ok"]
    ok = ok[ok[metric].notna()] if metric in ("auc", "pauc") else ok
    title = title or METRICS[metric]
    if ok.empty:
        empty = pd.DataFrame()
        return Leaderboard(title, empty, empty, empty, pd.Series(dtype=int), pd.Series(dtype=int), empty)
    stats = seed_values(ok, metric).groupby(ROW_KEYS + CELL_KEYS)["value"].agg(["mean", "std", "count"])
    order = _column_order(cast(pd.MultiIndex, stats.index))
    wide = {k: stats[k].unstack(CELL_KEYS).reindex(columns=order) for k in stats.columns}
    mean = wide["mean"].sort_index()
    rank = mean[(ALL, AVG)].round(1).rank(ascending=False, method="min")
    seeds = ok.groupby(ROW_KEYS)["seed"].nunique().reindex(mean.index)
    flagged = None
    if "flagged" in ok and ok["flagged"].any():
        flagged = (ok.groupby(ROW_KEYS + CELL_KEYS)["flagged"].any().unstack(CELL_KEYS)
                   .reindex(index=mean.index).fillna(False).astype(bool))
    return Leaderboard(title, mean, wide["std"].reindex(mean.index), wide["count"].reindex(mean.index).fillna(0),
                       seeds, rank, best_marks(mean), flagged)


def _column_order(index: pd.MultiIndex) -> list[tuple[str, str]]:
    pairs = set(zip(index.get_level_values("machine_type"), index.get_level_values("machine_id")))
    types = sorted({t for t, _ in pairs if t != ALL})
    cols = [(t, i) for t in types for i in sorted(i for tt, i in pairs if tt == t and i != AVG)]
    cols = [c for t in types for c in [c for c in cols if c[0] == t] + [(t, AVG)]]
    return cols + [(ALL, AVG)]


def best_marks(mean: pd.DataFrame) -> pd.DataFrame:
    """'best' / 'second' per column on the shown (one-decimal) values; ties share a mark; a column
    with fewer than two values has no marks."""
    shown = mean.round(1).to_numpy(dtype=float)
    marks = np.full(shown.shape, "", dtype=object)
    for j in range(shown.shape[1]):
        column = shown[:, j]
        present = column[~np.isnan(column)]
        if present.size < 2:
            continue
        ranked = np.unique(present)[::-1]
        marks[column == ranked[0], j] = "best"
        if ranked.size >= 2:
            marks[column == ranked[1], j] = "second"
    return pd.DataFrame(marks, index=mean.index, columns=mean.columns)


# -- the paper ------------------------------------------------------------------------------------

def paper_table() -> pd.DataFrame:
    """Mueller et al. (2021) Table 1 with aadbench's component names: AUC in percent."""
    with resources.files("aadbench.leaderboard").joinpath("data").joinpath(PAPER_FILE).open("r") as fh:
        paper = pd.read_csv(fh, dtype={"machine_id": str})
    paper["detector"] = paper["detector"].replace(PAPER_DETECTORS)
    paper["extractor"] = paper["extractor"].replace(PAPER_EXTRACTORS)
    return paper.rename(columns={"auc_percent": "paper"})


def comparable(frame: pd.DataFrame) -> pd.Series:
    """Rows that may stand beside the paper: MIMII 6 dB, successful, ImageNet weights (pretrained)
    or an extractor without weights; never random weights nor synthetic data."""
    imagenet = (frame["weights"] == "imagenet") & (frame["pretrained"] == 1)
    return ((frame["status"] == "ok") & (frame["dataset"] == "mimii") & (frame["snr"] == 6)
            & (imagenet | (frame["weights"] == NO_WEIGHTS)))


def paper_exclusions(frame: pd.DataFrame) -> pd.DataFrame:
    """Why successful rows are left out of the paper comparison: reason -> number of results."""
    out = frame[(frame["status"] == "ok") & ~comparable(frame)]
    reasons = np.select(
        [out["dataset"] == "synthetic", out["weights"] == "random",
         out["weights"].str.startswith("file:"), out["dataset"] != "mimii", out["snr"].isna(), out["snr"] != 6],
        ["on synthetic data", "with random weights", "with weights from a file", "on other datasets",
         "on MIMII whose SNR is unknown (state it: --set mimii.snr=6)", "on MIMII at another SNR"],
        default="with weights not ImageNet-pretrained")
    counts = pd.Series(reasons, dtype=object).value_counts()
    return pd.DataFrame({"reason": counts.index, "results": counts.to_numpy()})


def paper_comparison(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (extractor, detector, type, ID): our mean ± std AUC over seeds, the paper, the difference."""
    cols = ["extractor", "detector", "machine_type", "machine_id", "ours", "ours_std", "seeds", "paper", "diff"]
    ok = frame[comparable(frame)]
    if ok.empty:
        return pd.DataFrame(columns=cols)
    keys = ["extractor", "detector"] + CELL_KEYS
    per_seed = (ok.groupby(keys + ["seed"])["auc"].mean() * 100.0).reset_index()
    ours = per_seed.groupby(keys)["auc"].agg(ours="mean", ours_std="std", seeds="count").reset_index()
    both = ours.merge(paper_table(), on=keys, how="inner")
    both["diff"] = both["ours"] - both["paper"]
    return both[cols].sort_values(keys, ignore_index=True)


def paper_wide(comparison: pd.DataFrame) -> pd.DataFrame:
    """Rows extractor x detector, columns type x ID, cells 'ours | paper | diff'."""
    if comparison.empty:
        return pd.DataFrame()
    comp = comparison.assign(column=comparison["machine_type"] + " " + comparison["machine_id"])
    comp["cell"] = [f"{o:.1f} | {p:.1f} | {d:+.1f}" for o, p, d in zip(comp["ours"], comp["paper"], comp["diff"])]
    wide = comp.pivot(index=["extractor", "detector"], columns="column", values="cell").fillna("–")
    return wide.reset_index().rename_axis(columns=None)


def paper_summary(comparison: pd.DataFrame) -> dict[str, float]:
    diff = comparison["diff"].dropna()
    if diff.empty:
        return {"cells": 0}
    return {"cells": int(diff.size), "mean_diff": float(diff.mean()), "mean_abs_diff": float(diff.abs().mean()),
            "within_5": int((diff.abs() <= 5).sum())}


# -- ROC ------------------------------------------------------------------------------------------

def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """False and true positive rates at every distinct score (higher = more anomalous), and the AUC."""
    labels, scores = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="mergesort")
    y, s = labels[order], scores[order]
    last = np.r_[np.flatnonzero(np.diff(s)), y.size - 1]
    tps = np.cumsum(y)[last]
    fps = last + 1 - tps
    if y.size == 0 or tps[-1] == 0 or fps[-1] == 0:
        return np.array([0.0, 1.0]), np.array([0.0, 1.0]), float("nan")
    fpr, tpr = np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]]
    return fpr, tpr, float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


# -- timing ---------------------------------------------------------------------------------------

def timing_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per extractor, detector and device: extraction ms per clip and clips/s (each task counted
    once), mean fit and score seconds per job and scoring clips/s."""
    ok = frame[frame["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame()
    speed = throughput(ok, ["extractor", "device"]).set_index(["extractor", "device"])["clips/s"]
    ext = pd.DataFrame({"extract ms/clip": 1000.0 / speed, "extract clips/s": speed})
    det = ok.groupby(["extractor", "detector", "device"]).agg(
        jobs=("job_key", "size"), fit_s=("fit_s", "mean"), score_s=("score_s", "mean"),
        scored=("n_scored", "sum"), score_total=("score_s", "sum"))
    det["score clips/s"] = det["scored"] / det["score_total"].replace(0, np.nan)
    out = det.reset_index().merge(ext.reset_index(), on=["extractor", "device"], how="left")
    out = out.rename(columns={"fit_s": "fit s", "score_s": "score s"})
    return out[["extractor", "detector", "device", "jobs", "extract ms/clip", "extract clips/s", "fit s",
                "score s", "score clips/s"]]


#: one extraction: a task of a run with one extractor, its weights, on one device
TASK_KEYS = ["run_id", "dataset_label", "machine_type", "machine_id", "extractor", "weights", "device"]


def throughput(ok: pd.DataFrame, by: list[str] = ROW_KEYS) -> pd.DataFrame:
    """Extraction clips per second per ``by`` (default the row keys: extractor, detector, weights):
    the seconds and clips of every extraction summed, each counted once per group (not once per
    seed); NaN where no clip was extracted (cache hits)."""
    keys = list(dict.fromkeys([*TASK_KEYS, *by]))
    tasks = ok.drop_duplicates([c for c in keys if c in ok])
    sums = tasks.groupby(by)[["extract_s", "n_extracted_clips"]].sum()
    clips = sums["n_extracted_clips"].where(sums["n_extracted_clips"] > 0)
    seconds = sums["extract_s"].where(sums["extract_s"] > 0)
    return (clips / seconds).rename("clips/s").reset_index()


#: at most this many value columns (machine IDs and averages) fit a 1400-pixel screen beside the
#: names; a board with more opens on the per-type averages
MAX_VALUE_COLUMNS = 8


def with_timing(text: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The table's text with extraction ``clips/s`` and mean ``fit s`` per job beside the averages
    (before rank), '–' where unknown (features from the cache)."""
    ok = frame[frame["status"] == "ok"]
    speed = throughput(ok).set_index(ROW_KEYS)["clips/s"]
    fit = ok.groupby(ROW_KEYS)["fit_s"].mean()
    keys = pd.MultiIndex.from_frame(text[ROW_KEYS])
    out = text.copy()
    at = list(out.columns).index("rank")
    out.insert(at, "fit s", [_fmt(v, "{:.2f}") for v in fit.reindex(keys)])
    out.insert(at, "clips/s", [rate(v) for v in speed.reindex(keys)])
    return out


def rate(value: float) -> str:
    """A throughput as people read it: 1530, 48.2, 4.84, 0.071; '–' where unknown."""
    if value is None or pd.isna(value):
        return "–"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.3g}"


# -- exports --------------------------------------------------------------------------------------

MARK_MD = {"best": "**{}**", "second": "*{}*"}
MARK_TEX = {"best": "\\textbf{{{}}}", "second": "\\underline{{{}}}"}


def to_markdown(board: Leaderboard) -> str:
    """The table as GitHub Markdown: best per column in bold, second best in italics."""
    if board.empty:
        return f"### {board.title}\n\n(no results)\n"
    text, marks = board.text(), board.flat_marks()
    lines = [f"### {board.title}", "", "| " + " | ".join(text.columns) + " |",
             "|" + "|".join(":--" if c in ROW_KEYS else "--:" for c in text.columns) + "|"]
    for (_, row), (_, mark) in zip(text.iterrows(), marks.iterrows()):
        cells = [MARK_MD[m].format(v) if m in MARK_MD else str(v) for v, m in zip(row, mark)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Mean ± std over seeds; best per column in bold, second best in italics."]
    return "\n".join(lines) + "\n"


def frame_to_markdown(frame: pd.DataFrame, floatfmt: str = "{:.2f}") -> str:
    """Any flat frame as a Markdown table (for the paper comparison and timing exports)."""
    if frame.empty:
        return "(no rows)\n"
    fmt = [[_fmt(v, floatfmt) for v in row] for row in frame.itertuples(index=False)]
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "|".join("---" for _ in frame.columns) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in fmt]) + "\n"


def _fmt(value: object, floatfmt: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return floatfmt.format(value) if isinstance(value, float) else str(value)


def _tex(text: str) -> str:
    for a, b in (("\\", "\\textbackslash{}"), ("_", "\\_"), ("&", "\\&"), ("%", "\\%"), ("#", "\\#"),
                 ("±", "$\\pm$"), ("–", "--")):
        text = text.replace(a, b)
    return text


def to_latex(board: Leaderboard) -> str:
    """A booktabs tabular: machine types over their IDs, best in bold, second best underlined."""
    if board.empty:
        return f"% {board.title}: no results\n"
    text, marks = board.text(), board.flat_marks()
    cols = cast(list[tuple[str, str]], list(board.mean.columns))
    types = list(dict.fromkeys(t for t, _ in cols))
    spans = [(t, sum(1 for c in cols if c[0] == t)) for t in types]
    head1 = [""] * len(ROW_KEYS) + [f"\\multicolumn{{{n}}}{{c}}{{{_tex(t if t != ALL else '')}}}" for t, n in spans]
    head2 = ROW_KEYS + [_tex(i if t != ALL else AVG) for t, i in cols] + ["rank", "seeds"]
    lines = [f"% {board.title}", "\\begin{tabular}{" + "l" * len(ROW_KEYS) + "r" * (len(cols) + 2) + "}",
             "\\toprule", " & ".join(head1 + ["", ""]) + " \\\\", " & ".join(head2) + " \\\\", "\\midrule"]
    for (_, row), (_, mark) in zip(text.iterrows(), marks.iterrows()):
        cells = [MARK_TEX[m].format(_tex(str(v))) if m in MARK_TEX else _tex(str(v)) for v, m in zip(row, mark)]
        lines.append(" & ".join(cells) + " \\\\")
    return "\n".join(lines + ["\\bottomrule", "\\end{tabular}"]) + "\n"


def long_frame(board: Leaderboard) -> pd.DataFrame:
    """One line per row key and column: mean, std, n (seeds), mark and the row's rank."""
    cols = ROW_KEYS + CELL_KEYS + ["mean", "std", "n", "mark", "rank"]
    if board.empty:
        return pd.DataFrame(columns=cols)
    parts = {k: getattr(board, k).stack(CELL_KEYS, future_stack=True) for k in ("mean", "std", "count", "marks")}
    long = pd.DataFrame({"mean": parts["mean"], "std": parts["std"], "n": parts["count"], "mark": parts["marks"]})
    long = long.dropna(subset=["mean"]).reset_index()
    long["n"] = long["n"].astype(int)
    long["rank"] = long.set_index(ROW_KEYS).index.map(board.rank).astype(int)
    return long[cols]


def to_csv(board: Leaderboard) -> str:
    return long_frame(board).to_csv(index=False, float_format="%.3f")


def frame_to_latex(frame: pd.DataFrame, floatfmt: str = "{:.2f}") -> str:
    """Any flat frame as a booktabs tabular (for the paper comparison and timing exports)."""
    if frame.empty:
        return "% no rows\n"
    align = "".join("r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame.columns)
    rows = [" & ".join(_tex(floatfmt.format(v) if isinstance(v, float) else ("--" if pd.isna(v) else str(v)))
                       for v in row) + " \\\\" for row in frame.itertuples(index=False)]
    head = " & ".join(_tex(str(c)) for c in frame.columns) + " \\\\"
    return "\n".join([f"\\begin{{tabular}}{{{align}}}", "\\toprule", head, "\\midrule", *rows,
                      "\\bottomrule", "\\end{tabular}"]) + "\n"


def runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs with a ``jobs`` column saying what each did: 'computed 8 of 8', 'up to date: 40 stored'.

    Databases written before the job counts existed (schema 1) show '–'.
    """
    def jobs(row: pd.Series) -> str:
        n_jobs = row.get("n_jobs")
        if n_jobs is None or pd.isna(n_jobs):
            return "–"
        computed, stored, failed = (int(row.get(c) or 0) for c in ("n_computed", "n_stored", "n_failed"))
        if computed == 0 and failed == 0 and stored == int(n_jobs):
            return f"up to date: {stored} stored"
        text = f"computed {computed} of {int(n_jobs)}"
        text += f", {stored} already stored" if stored else ""
        return text + (f", {failed} failed" if failed else "")

    return runs.assign(jobs=[jobs(r) for _, r in runs.iterrows()] if not runs.empty else [])
