"""What the leaderboard's charts draw (chart_data), on known numbers and the fixture database."""
import numpy as np
import pandas as pd
import pytest

from aadbench.leaderboard import chart_data, charts, data


@pytest.fixture(scope="module")
def mimii(leaderboard_db):
    frame = data.load_results(leaderboard_db)
    return frame[frame["dataset_label"] == "mimii 6 dB"]


def test_pareto_front_keeps_the_points_nothing_beats_on_both():
    auc = np.array([90.0, 80.0, 85.0, 70.0, 95.0])
    speed = np.array([10.0, 100.0, 5.0, 50.0, np.nan])  # the last has no timing: never on the front
    assert chart_data.pareto_front(auc, speed).tolist() == [True, True, False, False, False]


def test_pipeline_points_from_the_fixture(mimii):
    points = chart_data.pipeline_points(mimii).set_index("pipeline")
    assert points.loc["resnet34 + gmm (imagenet)", "value"] == pytest.approx(86.5)
    assert points.loc["resnet34 + gmm (imagenet)", "clips/s"] == pytest.approx(50.0)
    assert points.loc["alexnet + gmm (imagenet)", "clips/s"] == pytest.approx(100.0)
    # alexnet is faster, resnet34 more accurate: both on the front; random resnet34 is beaten on both
    assert points["pareto"].to_dict() == {"resnet34 + gmm (imagenet)": True, "alexnet + gmm (imagenet)": True,
                                          "resnet34 + gmm (random)": False}


def test_heatmap_cells_are_seed_means_in_percent(mimii):
    cells = chart_data.heatmap_cells(mimii).set_index(["pipeline", "machine"])
    assert cells.loc[("resnet34 + gmm (imagenet)", "fan/id_02"), "value"] == pytest.approx(92.0)
    assert cells.loc[("resnet34 + gmm (imagenet)", "fan/id_02"), "seeds"] == 2


def test_roc_points_carry_the_threshold_of_each_point():
    scores = pd.DataFrame({"seed": 0, "label": [0, 0, 0, 1, 1], "score": [0.1, 0.4, 0.35, 0.8, 0.3]})
    roc = chart_data.roc_points(scores)
    for point in roc.dropna(subset=["threshold"]).itertuples():
        flagged = scores["score"] >= point.threshold
        assert point.tpr == pytest.approx((flagged & (scores["label"] == 1)).sum() / 2)
        assert point.fpr == pytest.approx((flagged & (scores["label"] == 0)).sum() / 3)
    assert roc["AUC (%)"].iloc[0] == pytest.approx(66.7) and roc["curve"].iloc[0] == "seed 0 (AUC 66.7 %)"


def test_one_far_outlier_does_not_squeeze_the_histogram():
    rng = np.random.default_rng(0)
    normal, anomalous = rng.normal(1.0, 0.2, 60), rng.normal(1.8, 0.2, 19)
    scores = pd.DataFrame({"label": [0] * 60 + [1] * 20, "score": [*normal, *anomalous, 1e5]})
    bins = chart_data.score_bins(scores)
    counts = bins.pivot(index="bin", columns="class", values="clips")
    regular = bins.drop_duplicates("bin").set_index("bin")["outlier"]
    assert (counts.loc[~regular, "normal"] > 0).sum() >= 5  # the normals spread over many bins
    assert (counts.loc[~regular, "anomalous"] > 0).sum() >= 2  # and the anomalies are visible beside them
    assert counts["normal"].sum() == 60 and counts["anomalous"].sum() == 20  # nothing dropped
    last = bins[bins["bin"] == bins["bin"].max()]
    assert last["outlier"].all() and "up to 1e+05" in last["label"].iloc[0]
    assert last.set_index("class").loc["anomalous", "clips"] == 1


def test_constant_scores_and_no_outliers_still_bin():
    bins = chart_data.score_bins(pd.DataFrame({"label": [0, 1, 0], "score": [2.0, 2.0, 2.0]}))
    assert bins["clips"].sum() == 3 and not bins["outlier"].any()


def test_the_charts_build_valid_vega_lite(mimii):
    from aadbench.leaderboard import tables

    timing = tables.timing_table(mimii)
    built = [charts.pareto(chart_data.pipeline_points(mimii)), charts.heatmap(chart_data.heatmap_cells(mimii)),
             charts.extraction_speed(timing), charts.job_times(timing)]
    for chart in built:
        spec = chart.to_dict(validate=True)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_a_tight_cluster_of_one_class_leaves_the_other_class_inside():
    # anomalies all at 5.5, normals spread over 0..9: no normal is an outlier
    scores = pd.DataFrame({"label": [0] * 10 + [1] * 10, "score": [*range(10), *[5.5] * 10]})
    bins = chart_data.score_bins(scores)
    assert not bins["outlier"].any()
    assert bins["start"].min() == 0.0 and bins["end"].max() == 9.0


def test_the_critical_difference_chart_places_each_pipeline_at_its_rank():
    ranks = pd.Series({"a + gmm": 1.25, "b + knn": 2.0, "c + kde": 2.75})
    spec = charts.critical_difference(ranks, cd=1.5).to_dict()
    rows = next(v for k, v in spec["datasets"].items() if any("pipeline" in r for r in v))
    assert {r["pipeline"]: r["rank"] for r in rows} == ranks.to_dict()
    bar = next(v for v in spec["datasets"].values() if any("x2" in r for r in v))
    assert bar[0]["x2"] - bar[0]["x"] == pytest.approx(1.5) and bar[0]["text"] == "CD 1.50"


def test_positive_scores_over_orders_of_magnitude_get_log_bins():
    rng = np.random.default_rng(1)
    normal = 10 ** rng.normal(4.9, 0.1, 15)             # around 8e4
    anomalous = 10 ** rng.uniform(5, 7, 15)             # 1e5 .. 1e7, a heavy tail
    scores = pd.DataFrame({"label": [0] * 15 + [1] * 15, "score": [*normal, *anomalous]})
    bins = chart_data.score_bins(scores)
    assert (bins["scale"] == "log").all()
    counts = bins.pivot(index="bin", columns="class", values="clips")
    assert (counts["normal"] > 0).sum() >= 2, "the normals are not squeezed into one bin"
    linear = chart_data.score_bins(pd.DataFrame({"label": [0, 1], "score": [-1.0, 3.0]}))
    assert (linear["scale"] == "linear").all()


def test_the_heatmap_colours_reach_below_chance_when_a_pipeline_does():
    cells = pd.DataFrame({"pipeline": ["a", "a"], "machine": ["fan/id_00", "fan/id_02"], "value": [34.0, 91.0],
                          "seeds": [1, 1]})
    spec = charts.heatmap(cells).to_dict()
    color = next(layer["encoding"]["color"] for layer in spec["layer"] if "scale" in layer["encoding"]["color"])
    assert color["scale"]["domain"] == [30.0, 100]
