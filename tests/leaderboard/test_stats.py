"""Friedman, Nemenyi and Wilcoxon over pipelines across machines (aadbench export --format stats)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from aadbench.leaderboard import stats


def _frame(seed=0, machines=8):
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(machines):
        for det, level in (("good", 0.9), ("mid", 0.8), ("bad", 0.6)):
            for s in range(2):
                rows.append({"status": "ok", "extractor": "resnet34", "detector": det, "weights": "imagenet",
                             "machine_type": "fan", "machine_id": f"id_{m:02d}", "seed": s,
                             "auc": level + 0.03 * rng.standard_normal()})
    return pd.DataFrame(rows)


def test_ranks_friedman_and_the_critical_difference():
    comp = stats.compare(_frame())
    assert list(comp.ranks.index) == ["resnet34 + good", "resnet34 + mid", "resnet34 + bad"]
    assert comp.ranks.iloc[0] == pytest.approx(1.0)
    chi2, p = comp.friedman
    expected = sps.friedmanchisquare(*[comp.table[c] for c in comp.table.columns])
    assert (chi2, p) == pytest.approx((expected.statistic, expected.pvalue)) and p < 0.01
    # Demsar (2006): q_0.05 for k = 3 is 2.343; CD = q * sqrt(k (k + 1) / (6 N))
    assert comp.cd == pytest.approx(2.343 * np.sqrt(3 * 4 / (6 * 8)), abs=2e-3)
    assert comp.wilcoxon.loc["resnet34 + good", "resnet34 + bad"] < 0.05


def test_the_export_writes_the_tables_and_the_diagram(tmp_path, capsys, monkeypatch):
    import argparse

    from aadbench.cli import export_cmd

    frame = _frame().assign(dataset_label="mimii 6 dB")
    monkeypatch.setattr("aadbench.leaderboard.data.filter_results", lambda f, sel: f)
    args = argparse.Namespace(db="x", dataset=None, out=str(tmp_path / "cd"), output=None, run_id=None,
                              extractor=None, detector=None, weights=None, seed=None)
    assert export_cmd._stats(frame, args) == 0
    out = capsys.readouterr().out
    assert "Friedman chi-square" in out and "Nemenyi critical difference" in out and "Holm" in out
    assert (tmp_path / "cd" / "cd-mimii_6_dB.png").stat().st_size > 1000
