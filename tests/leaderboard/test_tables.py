"""The leaderboard's tables and data loading against the fixture database (see conftest.py)."""
import json
import sqlite3
from io import StringIO

import numpy as np
import pandas as pd
import pytest

from aadbench.harness.metrics import official_score
from aadbench.harness.store import ResultStore
from aadbench.leaderboard import data, tables


@pytest.fixture(scope="module")
def frame(leaderboard_db):
    return data.load_results(leaderboard_db)


@pytest.fixture(scope="module")
def mimii(frame):
    return frame[frame["dataset_label"] == "mimii 6 dB"]


def _row(text, extractor, weights="imagenet"):
    hit = text[(text["extractor"] == extractor) & (text["weights"] == weights)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_load_results_reads_every_row_with_dataset_labels(frame):
    assert len(frame) == 13
    assert frame["dataset_label"].value_counts().to_dict() == {"mimii 6 dB": 11, "synthetic": 2}
    assert (frame["status"] == "failed").sum() == 1
    assert set(frame.loc[frame["dataset"] == "mimii", "snr"]) == {6}


def test_cells_are_mean_and_std_over_seeds_in_percent(mimii):
    board = tables.leaderboard(mimii, "auc")
    text = board.text()
    assert list(text.columns) == ["extractor", "detector", "weights", "fan id_00", "fan id_02", "fan avg", "avg",
                                  "rank", "seeds"]
    resnet = _row(text, "resnet34")
    assert [resnet["fan id_00"], resnet["fan id_02"], resnet["fan avg"]] == ["81.0 ± 1.4", "92.0 ± 2.8",
                                                                             "86.5 ± 2.1"]
    alexnet = _row(text, "alexnet")
    assert (alexnet["fan id_00"], alexnet["fan id_02"], alexnet["avg"]) == ("61.0 ± 1.4", "68.0 ± 2.8", "64.5 ± 0.7")
    random = _row(text, "resnet34", "random")
    assert (random["fan id_00"], random["fan avg"], random["seeds"]) == ("55.0", "52.5", "1")
    assert board.mean.loc[("resnet34", "gmm", "imagenet"), ("fan", "id_02")] == pytest.approx(92.0)
    assert board.std.loc[("resnet34", "gmm", "imagenet"), ("fan", "id_02")] == pytest.approx(np.std([90, 94], ddof=1))


def test_failed_jobs_never_enter_the_table(mimii):
    text = tables.leaderboard(mimii, "auc").text()
    assert not ((text["detector"] == "iforest").any())


def test_rank_and_best_second_marks(mimii):
    board = tables.leaderboard(mimii, "auc")
    assert board.rank.to_dict() == {("alexnet", "gmm", "imagenet"): 2, ("resnet34", "gmm", "imagenet"): 1,
                                    ("resnet34", "gmm", "random"): 3}
    marks = board.flat_marks()
    text = board.text()
    best = text.loc[marks["fan id_00"] == "best", "extractor"].tolist()
    second = text.loc[marks["fan id_00"] == "second", ["extractor", "weights"]].values.tolist()
    assert best == ["resnet34"] and second == [["alexnet", "imagenet"]]
    assert (marks[["extractor", "rank", "seeds"]] == "").all().all()


def test_ties_share_a_mark():
    mean = pd.DataFrame({("fan", "id_00"): [80.0, 80.04, 70.0, 60.0]})
    marks = tables.best_marks(mean)
    assert marks[("fan", "id_00")].tolist() == ["best", "best", "second", ""]
    alone = tables.best_marks(pd.DataFrame({("fan", "id_00"): [80.0, float("nan")]}))
    assert alone[("fan", "id_00")].tolist() == ["", ""]  # nothing to compare with


def test_pauc_metric(mimii):
    text = tables.leaderboard(mimii, "pauc").text()
    assert _row(text, "resnet34")["fan id_00"] == "71.0 ± 1.4"


def _dcase_frame(year):
    rows = []
    for seed, (a, p) in enumerate([(0.8, 0.6), (0.7, 0.55)]):
        for machine_id in ("section_00", "section_01"):
            rows.append({"job_key": f"{seed}{machine_id}", "dataset": "dcase", "dataset_label": f"dcase {year}",
                         "year": year, "snr": None, "status": "ok", "extractor": "resnet34", "detector": "gmm",
                         "weights": "imagenet", "machine_type": "fan", "machine_id": machine_id, "seed": seed,
                         "auc": a, "pauc": p, "metrics": {"auc_source": a + 0.05, "auc_target": a - 0.1}})
    return pd.DataFrame(rows)


def test_official_score_where_the_dataset_has_one(mimii):
    assert tables.available_metrics(mimii) == ["auc", "pauc"]
    frame = _dcase_frame(2022)
    assert tables.available_metrics(frame) == ["auc", "pauc", "official"]
    board = tables.leaderboard(frame, "official")
    recs = [{"auc": r.auc, "pauc": r.pauc, **r.metrics} for r in frame.itertuples()]
    per_seed = [official_score(2022, [r for r, s in zip(recs, frame["seed"]) if s == seed]) * 100 for seed in (0, 1)]
    assert board.mean[("all", "avg")].iloc[0] == pytest.approx(np.mean(per_seed))
    cell = official_score(2022, [recs[0]]) * 100
    assert board.mean.loc[:, ("fan", "section_00")].iloc[0] == pytest.approx(np.mean([cell, official_score(
        2022, [recs[2]]) * 100]))


def test_paper_table_is_shipped_with_aadbench_names():
    paper = tables.paper_table()
    assert len(paper) == 352
    assert set(paper["detector"]) == {"bgmm", "iforest", "ocsvm", "kde", "gmm", "lenet-dcae", "small-dcae"}
    assert set(paper["extractor"]) == {"alexnet", "resnet18", "resnet34", "squeezenet", "mel-patches"}
    hit = paper[(paper["extractor"] == "alexnet") & (paper["detector"] == "gmm") & (paper["machine_id"] == "id_00")
                & (paper["machine_type"] == "fan")]
    assert hit["paper"].tolist() == [57.7]


def test_paper_comparison_and_its_exclusions(frame):
    comp = tables.paper_comparison(frame).set_index(["extractor", "machine_id"])
    assert comp.loc[("resnet34", "id_00"), "ours"] == pytest.approx(81.0)  # not the random 55 nor synthetic 99
    assert comp.loc[("resnet34", "id_00"), "paper"] == pytest.approx(58.7)
    assert comp.loc[("alexnet", "id_02"), "diff"] == pytest.approx(68.0 - 61.7)
    assert comp["seeds"].tolist() == [2, 2, 2, 2]
    excluded = dict(zip(*tables.paper_exclusions(frame).T.values))
    assert excluded == {"with random weights": 2, "on synthetic data": 2}
    summary = tables.paper_summary(tables.paper_comparison(frame))
    assert summary["cells"] == 4 and summary["within_5"] == 1


def test_random_weights_or_synthetic_data_alone_give_no_comparison(frame):
    assert tables.paper_comparison(frame[frame["weights"] == "random"]).empty
    assert tables.paper_comparison(frame[frame["dataset"] == "synthetic"]).empty


def test_comparable_rows():
    base = {"status": "ok", "dataset": "mimii", "snr": 6, "weights": "imagenet", "pretrained": 1}
    cases = [({}, True), ({"weights": "n/a", "pretrained": 0}, True), ({"pretrained": 0}, False),
             ({"weights": "random", "pretrained": 0}, False), ({"weights": "file:w.pt@1234"}, False),
             ({"snr": 0}, False), ({"dataset": "synthetic", "snr": None}, False), ({"status": "failed"}, False)]
    frame = pd.DataFrame([{**base, **change} for change, _ in cases])
    assert tables.comparable(frame).tolist() == [ok for _, ok in cases]


def test_timing_table(frame):
    timing = tables.timing_table(frame).set_index(["extractor", "detector", "device"])
    row = timing.loc[("resnet34", "gmm", "cuda:0")]
    assert row["extract ms/clip"] == pytest.approx(20.0) and row["extract clips/s"] == pytest.approx(50.0)
    assert row["fit s"] == pytest.approx(0.5) and row["score clips/s"] == pytest.approx(200.0)
    assert timing.loc[("alexnet", "gmm", "cuda:0"), "extract ms/clip"] == pytest.approx(10.0)
    assert timing.loc[("resnet34", "gmm", "cpu"), "jobs"] == 4  # mimii random + synthetic


def test_markdown_export_in_the_paper_layout(mimii):
    md = tables.to_markdown(tables.leaderboard(mimii, "auc", title="mimii 6 dB: AUC (%)"))
    lines = md.splitlines()
    assert lines[0] == "### mimii 6 dB: AUC (%)"
    assert lines[2] == "| extractor | detector | weights | fan id_00 | fan id_02 | fan avg | avg | rank | seeds |"
    assert ("| resnet34 | gmm | imagenet | **81.0 ± 1.4** | **92.0 ± 2.8** | **86.5 ± 2.1** | **86.5 ± 2.1** "
            "| 1 | 2 |") in lines
    assert ("| alexnet | gmm | imagenet | *61.0 ± 1.4* | *68.0 ± 2.8* | *64.5 ± 0.7* | *64.5 ± 0.7* "
            "| 2 | 2 |") in lines


def test_latex_and_csv_exports(mimii):
    board = tables.leaderboard(mimii, "auc")
    tex = tables.to_latex(board)
    assert "\\multicolumn{3}{c}{fan}" in tex and "id\\_00" in tex
    assert "\\textbf{81.0 $\\pm$ 1.4}" in tex and "\\underline{61.0 $\\pm$ 1.4}" in tex
    assert tex.count("\\\\") == 5  # two header lines, three rows
    long = pd.read_csv(StringIO(tables.to_csv(board)))
    hit = long[(long["extractor"] == "resnet34") & (long["weights"] == "imagenet") & (long["machine_id"] == "id_02")]
    assert hit[["mean", "n", "mark", "rank"]].values.tolist() == [[92.0, 2, "best", 1]]
    assert len(long) == 12


def test_flat_exports_of_the_paper_and_timing_tables(frame):
    comp = tables.paper_comparison(frame)
    assert tables.frame_to_markdown(comp).splitlines()[0].startswith("| extractor | detector | machine_type")
    assert "resnet34 & gmm & fan & id\\_00 & 81.00" in tables.frame_to_latex(comp)


def test_empty_inputs_give_empty_tables(frame):
    none = frame.iloc[0:0]
    board = tables.leaderboard(none, "auc")
    assert board.empty and "(no results)" in tables.to_markdown(board)
    assert tables.paper_comparison(none).empty and tables.timing_table(none).empty


def test_roc_curve_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    labels = np.r_[np.zeros(50), np.ones(30)]
    scores = np.round(rng.normal(labels, 1.0), 1)  # with ties
    fpr, tpr, auc = tables.roc_curve(labels, scores)
    assert auc == pytest.approx(roc_auc_score(labels, scores))
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1 and (np.diff(fpr) >= 0).all()


# -- data -----------------------------------------------------------------------------------------

def test_resolve_db_from_args_env_or_default(tmp_path):
    assert data.resolve_db(["--db", "a.sqlite"], {}).name == "a.sqlite"
    assert data.resolve_db(["--db=b.sqlite"], {}).name == "b.sqlite"
    assert data.resolve_db([], {"AADBENCH_DB": "c.sqlite"}).name == "c.sqlite"
    assert data.resolve_db([], {}).name == "aadbench.sqlite"


def test_db_states(tmp_path, empty_db, leaderboard_db):
    assert data.db_state(tmp_path / "nope.sqlite").status == "missing"
    assert not (tmp_path / "nope.sqlite").exists()  # read-only: never created
    assert data.db_state(empty_db).status == "empty"
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert data.db_state(other).status == "unreadable"
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    assert data.db_state(garbage).status == "unreadable"
    state = data.db_state(leaderboard_db)
    assert (state.status, state.n_results) == ("ok", 13)


def test_reads_while_a_run_writes(tmp_path):
    db = tmp_path / "live.sqlite"
    writer = ResultStore(db)
    writer.start_run("r", command="", config={}, versions={}, host="h", device="cpu")
    writer.conn.execute("BEGIN IMMEDIATE")  # a write transaction stays open
    writer.conn.execute("UPDATE runs SET status='x'")
    try:
        assert data.db_state(db).status == "empty"
        assert data.load_runs(db)["status"].tolist() == ["running"]
    finally:
        writer.conn.rollback()
        writer.close()


def test_filters_and_options(frame):
    assert data.options(frame, "seed") == [0, 1]
    kept = data.filter_results(frame, {"extractor": ["alexnet"], "seed": [1], "weights": []})
    assert set(kept["extractor"]) == {"alexnet"} and set(kept["seed"]) == {1} and len(kept) == 2
    assert data.default_dataset(frame) == "mimii 6 dB"
    assert data.dataset_label("dcase", None, 2021.0) == "dcase 2021" and data.dataset_label("mimii", -6) == \
        "mimii -6 dB"


def test_details_metrics_and_clip_scores(frame, leaderboard_db):
    keys = frame["job_key"].head(3).tolist()
    details = data.load_details(leaderboard_db, keys)
    assert set(details["job_key"]) == set(keys) and json.loads(details["protocol"].iloc[0]) == {"pooling": "mean"}
    with_m = data.with_metrics(leaderboard_db, frame.head(3))
    assert with_m["metrics"].iloc[0] == {"f1": 0.5}
    scores = data.load_clip_scores(leaderboard_db, keys[:1])
    assert len(scores) == 20 and set(scores["label"]) == {0, 1}


def test_the_runs_table_says_what_each_run_did():
    import pandas as pd

    runs = pd.DataFrame([
        {"run_id": "a", "n_jobs": 8, "n_computed": 8, "n_stored": 0, "n_failed": 0},
        {"run_id": "b", "n_jobs": 8, "n_computed": 0, "n_stored": 8, "n_failed": 0},
        {"run_id": "c", "n_jobs": 8, "n_computed": 3, "n_stored": 4, "n_failed": 1},
        {"run_id": "old", "n_jobs": None, "n_computed": None, "n_stored": None, "n_failed": None},
    ])
    assert tables.runs_table(runs)["jobs"].tolist() == [
        "computed 8 of 8", "up to date: 8 stored", "computed 3 of 8, 4 already stored, 1 failed", "–"]


def test_cells_with_a_flagged_auc_are_marked(frame):
    assert not frame["flagged"].any()  # the fixture's AUCs come from 10 + 10 clips
    flagged = frame.assign(flagged=(frame["extractor"] == "alexnet") & (frame["machine_id"] == "id_00"))
    mimii = flagged[flagged["dataset_label"] == "mimii 6 dB"]
    text = tables.leaderboard(mimii).text().set_index(["extractor", "detector", "weights"])
    assert text.loc[("alexnet", "gmm", "imagenet"), "fan id_00"].endswith(tables.FLAG)
    assert not text.loc[("alexnet", "gmm", "imagenet"), "fan id_02"].endswith(tables.FLAG)
    assert not text.loc[("resnet34", "gmm", "imagenet"), "fan id_00"].endswith(tables.FLAG)


def test_the_run_summary_marks_flagged_aucs():
    from aadbench.leaderboard.summary import results_frame, run_summary

    rows = [{"job_key": f"k{i}", "status": "ok", "extractor": "resnet18", "detector": "gmm", "weights": "random",
             "machine_type": "fan", "machine_id": mid, "seed": 0, "auc": 0.9, "pretrained": 0,
             "metrics": json.dumps({"auc_flags": ["few_clips"]} if mid == "id_00" else {})}
            for i, mid in enumerate(["id_00", "id_02"])]
    table = run_summary(results_frame(rows))
    assert table.loc["resnet18 + gmm (random weights)", "fan/id_00"] == "90.0" + tables.FLAG
    assert table.loc["resnet18 + gmm (random weights)", "fan/id_02"] == "90.0"


def test_throughputs_read_as_plain_numbers():
    from aadbench.leaderboard.tables import rate

    assert [rate(v) for v in (1530.4, 100.0, 48.25, 4.844, 0.0712, float("nan"))] == [
        "1530", "100", "48.2", "4.84", "0.0712", "–"]
