"""aadbench export --format dcase-submission: the challenge's files for one pipeline; empty exports fail."""
import csv
import sqlite3

import numpy as np
import pytest
import soundfile as sf

from aadbench.cli import main


def _wav(path, seed, loud=0.1):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (loud * np.random.default_rng(seed).standard_normal(16000)).astype(np.float32), 16000)


def _dcase2023(root):
    """bearing and fan, section_00, source and target clips (the 2022-2025 naming)."""
    seed = 0
    for machine in ("bearing", "fan"):
        for domain, n in (("source", 6), ("target", 2)):
            for i in range(n):
                seed += 1
                _wav(root / machine / "train" / f"section_00_{domain}_train_normal_{i:04d}_a_1.wav", seed)
        for domain in ("source", "target"):
            for label, loud in (("normal", 0.1), ("anomaly", 0.4)):
                for i in range(2):
                    seed += 1
                    _wav(root / machine / "test" / f"section_00_{domain}_test_{label}_{i:04d}_a_1.wav", seed, loud)
    return root


def test_submission_files_hold_each_test_clip_its_score_and_decision(tmp_path, capsys):
    root = _dcase2023(tmp_path / "dev")
    db = str(tmp_path / "r.sqlite")
    assert main(["run", "--dataset", "dcase", "--data-root", str(root), "--set", "dcase.year=2023",
                 "--plugins", "squeezenet1_1,knn,domain-knn", "--set", "knn.k=2", "--weights", "none", "--seeds", "2",
                 "--no-progress", "--db", db]) == 0
    capsys.readouterr()
    out = tmp_path / "submission"
    assert main(["export", "--format", "dcase-submission", "--db", db, "--out", str(out)]) == 2
    assert "writes one pipeline" in capsys.readouterr().err
    assert main(["export", "--format", "dcase-submission", "--db", db, "--out", str(out),
                 "--detectors", "domain-knn"]) == 2
    assert "--seeds N" in capsys.readouterr().err
    assert main(["export", "--format", "dcase-submission", "--db", db, "--out", str(out),
                 "--detectors", "domain-knn", "--seeds", "1"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"{kind}_{m}_section_00_test.csv" for kind in ("anomaly_score", "decision_result")
                     for m in ("bearing", "fan")]
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute(
            "SELECT s.clip, s.score FROM clip_scores s JOIN results r ON r.job_key = s.job_key WHERE "
            "r.detector = 'domain-knn' AND r.seed = 1 AND r.machine_type = 'fan'").fetchall())
        threshold = conn.execute("SELECT json_extract(metrics, '$.threshold') FROM results WHERE "
                                 "detector = 'domain-knn' AND seed = 1 AND machine_type = 'fan'").fetchone()[0]
    scores = list(csv.reader((out / "anomaly_score_fan_section_00_test.csv").open()))
    decisions = dict(csv.reader((out / "decision_result_fan_section_00_test.csv").open()))
    assert len(scores) == 8 and all(len(row) == 2 for row in scores), "no header, file name and score"
    by_name = {k.rsplit("/", 1)[-1]: v for k, v in stored.items()}
    for name, score in scores:
        assert name.startswith("section_00_") and float(score) == by_name[name]
        assert decisions[name] == str(int(float(score) > threshold))


def test_an_export_that_matches_nothing_says_so_and_fails(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite")
    assert main(["run", "--plugins", "squeezenet1_1,knn", "--set", "knn.k=2", "--weights", "none", "--seeds", "1",
                 "--machines", "fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=4",
                 "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=1", "--no-progress",
                 "--db", db]) == 0
    capsys.readouterr()
    assert main(["export", "--db", db, "--detectors", "gmm"]) == 1
    assert "no results match" in capsys.readouterr().err


def test_domain_columns_in_the_summary_the_export_and_per_domain_f1(tmp_path, capsys):
    import json

    root = _dcase2023(tmp_path / "dev")
    db = str(tmp_path / "r.sqlite")
    assert main(["run", "--dataset", "dcase", "--data-root", str(root), "--set", "dcase.year=2023",
                 "--plugins", "squeezenet1_1,knn", "--set", "knn.k=2", "--weights", "none", "--seeds", "1",
                 "--no-progress", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "AUC_SOURCE (%)" in out and "AUC_TARGET (%)" in out and "PAUC (%)" in out
    for metric in ("auc_source", "auc_target"):
        assert main(["export", "--db", db, "--metric", metric, "--format", "csv"]) == 0
        rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
        assert rows and {r["metric"] for r in rows} == {metric}
    with sqlite3.connect(db) as conn:
        metrics = json.loads(conn.execute("SELECT metrics FROM results LIMIT 1").fetchone()[0])
    assert {"f1_source", "f1_target", "precision_target", "recall_source"} <= set(metrics)
    assert metrics["auc_ci"][0] <= metrics["auc_ci"][1]


def test_the_official_2023_score_equals_a_hand_computation_from_the_clip_scores(tmp_path, capsys):
    import json

    from scipy.stats import hmean
    from sklearn.metrics import roc_auc_score

    from aadbench.harness.metrics import official_score

    root = _dcase2023(tmp_path / "dev")
    db = str(tmp_path / "r.sqlite")
    assert main(["run", "--dataset", "dcase", "--data-root", str(root), "--plugins", "squeezenet1_1,knn",
                 "--set", "dcase.year=2023", "--set", "knn.k=2", "--weights", "none", "--seeds", "1",
                 "--no-progress", "--db", db]) == 0
    with sqlite3.connect(db) as conn:
        jobs = conn.execute("SELECT job_key, metrics, pauc FROM results").fetchall()
        clips = conn.execute("SELECT job_key, clip, label, domain, score FROM clip_scores").fetchall()
    by_hand, rows = [], []
    for key, metrics, pauc in jobs:
        mine = [c for c in clips if c[0] == key]
        for domain in ("source", "target"):  # the domain's normals against every anomaly (2022+)
            chosen = [c for c in mine if c[2] == 1 or c[3] == domain]
            by_hand.append(roc_auc_score([c[2] for c in chosen], [c[4] for c in chosen]))
        by_hand.append(roc_auc_score([c[2] for c in mine], [c[4] for c in mine], max_fpr=0.1))
        rows.append({"pauc": pauc, **json.loads(metrics)})
    assert official_score(2023, rows) == pytest.approx(hmean(by_hand), rel=1e-12)


def test_results_as_json_from_export_and_from_a_run(tmp_path, capsys):
    import json

    db = str(tmp_path / "r.sqlite")
    args = ["run", "--plugins", "squeezenet1_1,knn,mahalanobis", "--set", "knn.k=2", "--weights", "none",
            "--seeds", "2", "--machines", "fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=6",
            "--set", "synthetic.n_anomalous=3", "--set", "synthetic.duration=1", "--no-progress", "--db", db,
            "--output-path", str(tmp_path / "out")]
    assert main(args) == 0
    (written,) = (tmp_path / "out").glob("results_*.json")
    from_run = json.loads(written.read_text())
    capsys.readouterr()
    assert main(["export", "--format", "json", "--db", db]) == 0
    exported = json.loads(capsys.readouterr().out)
    for doc in (from_run, exported):
        assert doc["format"] == "aadbench-results" and doc["version"] == 1
        assert len(doc["results"]) == 4 and len(doc["runs"]) == 1
        assert doc["runs"][0]["config"]["detectors"] and doc["runs"][0]["versions"]
        job = doc["results"][0]
        assert {"auc", "pauc", "auc_ci", "pauc_ci", "counts", "task", "extractor_config", "metrics"} <= set(job)
        assert job["counts"]["n_test_normal"] == 3 and job["auc_ci"][0] <= job["auc"] <= job["auc_ci"][1]
        agg = {a["detector"]: a for a in doc["aggregates"]}
        assert set(agg) == {"knn", "mahalanobis"} and agg["knn"]["n_seeds"] == 2 and agg["knn"]["n_jobs"] == 2
        assert agg["knn"]["auc_mean"] == pytest.approx(np.mean([r["auc"] for r in doc["results"]
                                                                if r["detector"] == "knn"]))
