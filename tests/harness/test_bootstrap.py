"""Bootstrap intervals of AUC and pAUC: exact point values, stored with results, coverage as stated."""
import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from aadbench.harness import bootstrap


def test_the_fast_auc_and_pauc_equal_scikit_learns_with_ties():
    rng = np.random.default_rng(0)
    for n in (6, 25, 120):
        y = np.r_[np.zeros(n), np.ones(n // 2 + 1)].astype(int)
        s = np.round(rng.normal(size=len(y)) + y, 1)
        assert bootstrap.aucs(y, s[None])[0] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
        assert bootstrap.pauc(y, s) == pytest.approx(roc_auc_score(y, s, max_fpr=0.1), abs=1e-12)


def test_the_95_percent_interval_covers_the_true_auc_about_95_percent_of_the_time():
    """Scores from known laws: normal ~ N(0, 1), anomalous ~ N(d, 1), true AUC = Phi(d / sqrt 2)."""
    rng = np.random.default_rng(42)
    d, n, trials = 1.0, 40, 300
    truth = norm.cdf(d / np.sqrt(2))
    covered = 0
    widths = []
    for t in range(trials):
        y = np.r_[np.zeros(n), np.ones(n)].astype(int)
        s = rng.normal(size=2 * n) + d * y
        lo, hi = bootstrap.intervals(y, s, seed=t, resamples=400)["auc_ci"]
        covered += lo <= truth <= hi
        widths.append(hi - lo)
    rate = covered / trials
    print(f"\ncoverage {rate:.3f} of {trials} (stated 0.95), mean width {np.mean(widths):.3f}, true AUC {truth:.3f}")
    assert 0.90 <= rate <= 0.99


def test_a_run_stores_the_intervals(tmp_path):
    import json
    import sqlite3

    from aadbench.cli import main

    db = tmp_path / "r.sqlite"
    assert main(["run", "--plugins", "squeezenet1_1,knn", "--set", "knn.k=2", "--weights", "none", "--seeds", "1",
                 "--machines", "fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=8",
                 "--set", "synthetic.n_anomalous=4", "--set", "synthetic.duration=1", "--no-progress",
                 "--db", str(db)]) == 0
    with sqlite3.connect(db) as conn:
        auc, pauc, metrics = conn.execute("SELECT auc, pauc, metrics FROM results").fetchone()
    stored = json.loads(metrics)
    lo, hi = stored["auc_ci"]
    assert lo <= auc <= hi and stored["pauc_ci"][0] <= pauc <= stored["pauc_ci"][1]
