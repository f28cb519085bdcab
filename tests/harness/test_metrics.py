"""Golden tests: aadbench's metrics equal scikit-learn / scipy computed directly."""
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

from aadbench.harness import metrics

LABELS = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
SCORES = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.05, 0.9, 0.3, 0.7, 0.85])


def test_auc_and_pauc_are_sklearns():
    assert metrics.auc(LABELS, SCORES) == roc_auc_score(LABELS, SCORES) == pytest.approx(20 / 24)
    assert metrics.pauc(LABELS, SCORES) == roc_auc_score(LABELS, SCORES, max_fpr=0.1)


def test_domain_aucs_follow_the_2021_and_2022_definitions():
    domains = np.array(["source"] * 3 + ["target"] * 3 + ["source", "source", "target", "target"])
    got = metrics.domain_metrics(LABELS, SCORES, domains)
    src_own = np.isin(np.arange(10), [0, 1, 2, 6, 7])
    assert got["auc_source_2021"] == roc_auc_score(LABELS[src_own], SCORES[src_own])
    assert got["pauc_target_2021"] == roc_auc_score(LABELS[~src_own], SCORES[~src_own], max_fpr=0.1)
    src_2022 = np.isin(np.arange(10), [0, 1, 2, 6, 7, 8, 9])  # source normals + every anomaly
    assert got["auc_source"] == roc_auc_score(LABELS[src_2022], SCORES[src_2022])
    tgt_2022 = np.isin(np.arange(10), [3, 4, 5, 6, 7, 8, 9])
    assert got["auc_target"] == roc_auc_score(LABELS[tgt_2022], SCORES[tgt_2022])


def test_official_scores():
    rows = [{"auc": 0.8, "pauc": 0.6, "auc_source": 0.9, "auc_target": 0.7,
             "auc_source_2021": 0.85, "pauc_source_2021": 0.65, "auc_target_2021": 0.75, "pauc_target_2021": 0.55},
            {"auc": 0.6, "pauc": 0.5, "auc_source": 0.65, "auc_target": 0.55,
             "auc_source_2021": 0.6, "pauc_source_2021": 0.52, "auc_target_2021": 0.58, "pauc_target_2021": 0.51}]
    assert metrics.official_score(2020, rows) == pytest.approx(np.mean([0.8, 0.6, 0.6, 0.5]))
    assert metrics.official_score(2021, rows) == pytest.approx(
        stats.hmean([0.85, 0.65, 0.75, 0.55, 0.6, 0.52, 0.58, 0.51]))
    assert metrics.official_score(2023, rows) == pytest.approx(stats.hmean([0.9, 0.7, 0.65, 0.55, 0.6, 0.5]))


def test_gamma_threshold_is_the_90_percent_quantile_of_scipys_fit():
    train = np.random.default_rng(0).gamma(3.0, 2.0, 500)
    shape, loc, scale = stats.gamma.fit(train)
    assert metrics.gamma_threshold(train) == pytest.approx(stats.gamma.ppf(0.9, shape, loc=loc, scale=scale))
    # negative anomaly scores (negated log-likelihoods) are shifted, not rejected
    shifted = metrics.gamma_threshold(train - 100.0)
    assert np.mean(train - 100.0 > shifted) == pytest.approx(0.1, abs=0.03)


def test_precision_recall_f1_at_the_threshold():
    got = metrics.decision_metrics(LABELS, SCORES, 0.5)
    pred = (SCORES > 0.5).astype(int)
    assert got == {"threshold": 0.5, "precision": precision_score(LABELS, pred),
                   "recall": recall_score(LABELS, pred), "f1": f1_score(LABELS, pred)}


@pytest.mark.parametrize("train", [np.array([1.0, 2.0]), np.array([3.0, 3.0, 3.0, 3.0])])
def test_threshold_falls_back_to_the_empirical_quantile_where_no_gamma_fits(train):
    threshold, method = metrics.decision_threshold(train)
    assert method == "empirical" and threshold == np.quantile(train, 0.9)


def test_threshold_is_the_gamma_quantile_where_one_fits():
    train = np.random.default_rng(1).gamma(2.0, 1.5, 300)
    assert metrics.decision_threshold(train) == (metrics.gamma_threshold(train), "gamma")


def test_auc_flags_mark_few_clips_and_constant_scores():
    labels = np.array([0] * 10 + [1] * 10)
    assert metrics.auc_flags(labels, np.arange(20.0)) == []
    assert metrics.auc_flags(labels[6:], np.arange(14.0)) == ["few_clips"]  # 4 normal clips
    assert metrics.auc_flags(labels, np.ones(20)) == ["constant_scores"]
    assert metrics.auc_flags(np.array([0, 1]), np.ones(2)) == ["few_clips", "constant_scores"]
