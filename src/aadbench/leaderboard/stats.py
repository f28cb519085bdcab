"""Comparing pipelines across machines, as ADBench and Demsar (2006) do: average ranks, the Friedman
test, the Nemenyi critical difference, and pairwise Wilcoxon signed-rank tests (Holm-corrected).

Each machine (task) is one block: a pipeline's value there is its mean AUC over seeds; only
machines where every pipeline in view has a result enter.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .tables import pipeline_names

ALPHA = 0.05


@dataclass(frozen=True)
class Comparison:
    table: pd.DataFrame          # machine x pipeline, mean AUC
    ranks: pd.Series             # average rank per pipeline (1 = best)
    friedman: tuple[float, float] | None  # (chi-square, p) where there are 3 pipelines or more
    cd: float | None             # Nemenyi critical difference of average ranks at ALPHA
    wilcoxon: pd.DataFrame       # pipeline x pipeline, Holm-corrected two-sided p-values

    @property
    def enough(self) -> bool:
        """Whether there is anything to compare: 2 pipelines or more on 2 machines or more."""
        return self.table.shape[0] >= 2 and self.table.shape[1] >= 2


def pipelines(frame: pd.DataFrame) -> pd.DataFrame:
    """Machine x pipeline table of mean AUC over seeds (complete machines only)."""
    ok = frame[frame["status"] == "ok"].copy()
    ok["pipeline"] = pipeline_names(ok)
    ok["machine"] = ok["machine_type"].astype(str) + "/" + ok["machine_id"].astype(str)
    table = ok.pivot_table(index="machine", columns="pipeline", values="auc", aggfunc="mean")
    return table.dropna()


def compare(frame: pd.DataFrame, pairwise: bool = True) -> Comparison:
    """Ranks, Friedman and Nemenyi over the pipelines in view; with ``pairwise`` also the Wilcoxon
    tests of every pair (k(k-1)/2 of them: most of the time for many pipelines)."""
    from scipy import stats

    table = pipelines(frame)
    n, k = table.shape
    ranks = table.rank(axis=1, ascending=False).mean().sort_values()
    friedman = None
    cd = None
    if k >= 3 and n >= 2:
        chi2, p = stats.friedmanchisquare(*[table[c].to_numpy() for c in table.columns])
        friedman = (float(chi2), float(p))
        q = stats.studentized_range.ppf(1 - ALPHA, k, np.inf) / np.sqrt(2)
        cd = float(q * np.sqrt(k * (k + 1) / (6.0 * n)))
    names = list(ranks.index)
    raw = {}
    for a, b in combinations(names, 2) if pairwise else ():
        diff = table[a] - table[b]
        raw[(a, b)] = 1.0 if np.allclose(diff, 0) else float(stats.wilcoxon(table[a], table[b]).pvalue)
    adjusted = _holm(raw)
    wilcoxon = pd.DataFrame(np.nan, index=names, columns=names)
    for (a, b), p in adjusted.items():
        wilcoxon.loc[a, b] = wilcoxon.loc[b, a] = p
    return Comparison(table, ranks, friedman, cd, wilcoxon)


def _holm(pvalues: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    order = sorted(pvalues, key=lambda key: pvalues[key])
    m, running, out = len(order), 0.0, {}
    for i, key in enumerate(order):
        running = max(running, min(1.0, (m - i) * pvalues[key]))
        out[key] = running
    return out


def to_markdown(label: str, comp: Comparison) -> str:
    n, k = comp.table.shape
    lines = [f"## {label}: {k} pipelines over {n} machines (mean AUC over seeds per machine)", ""]
    lines += ["| pipeline | average rank | mean AUC (%) |", "| --- | ---: | ---: |"]
    for name, rank in comp.ranks.items():
        lines.append(f"| {name} | {rank:.2f} | {100 * comp.table[name].mean():.1f} |")
    lines.append("")
    if comp.friedman is not None and comp.cd is not None:
        chi2, p = comp.friedman
        lines.append(f"Friedman chi-square {chi2:.2f}, p = {p:.3g}; Nemenyi critical difference at "
                     f"alpha {ALPHA:g}: {comp.cd:.2f} ranks (pipelines whose average ranks differ by less are not "
                     f"told apart).")
    else:
        lines.append("Friedman test and critical difference: need 3 pipelines or more and 2 machines or more.")
    lines += ["", "Wilcoxon signed-rank p-values, pairwise over machines (Holm-corrected):", ""]
    names = list(comp.wilcoxon.index)
    lines.append("| | " + " | ".join(names) + " |")
    lines.append("| --- " * (len(names) + 1) + "|")
    for a in names:
        cells = ["" if a == b else f"{comp.wilcoxon.loc[a, b]:.3g}" for b in names]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def cd_diagram(comp: Comparison, path: Any) -> Any:
    """The critical-difference diagram (average ranks on an axis, a bar of length CD) as an image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(comp.ranks)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.35 * k))
    ax.set_xlim(k + 0.5, 0.5)
    ax.set_ylim(0, k + 1.5)
    ax.axis("off")
    ax.hlines(k + 1, 1, k, color="black")
    for r in range(1, k + 1):
        ax.vlines(r, k + 0.9, k + 1.1, color="black")
        ax.text(r, k + 1.25, str(r), ha="center", va="bottom", fontsize=8)
    for i, (name, rank) in enumerate(comp.ranks.items()):
        y = k - i
        ax.plot([rank, rank], [y, k + 1], color="tab:blue", lw=0.8)
        ax.text(rank, y - 0.15, f"{name} ({rank:.2f})", ha="center", va="top", fontsize=8)
    if comp.cd is not None:
        ax.hlines(k + 1.45, 1, 1 + comp.cd, color="tab:red", lw=2)
        ax.text(1 + comp.cd / 2, k + 1.5, f"CD {comp.cd:.2f}", ha="center", va="bottom", fontsize=8, color="tab:red")
    fig.tight_layout()
    fig.savefig(path, dpi=120, format="png")
    plt.close(fig)
    return path
