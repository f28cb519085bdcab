import sqlite3

from aadbench.harness.grid import ClipScore, ResultRow
from aadbench.harness.identity import job_key
from aadbench.harness.store import ResultsReader, ResultStore


def _row(key, status="ok", **extra):
    base = {"job_key": key, "run_id": "r1", "dataset": "synthetic", "dataset_config": {"seed": 0},
            "machine_type": "fan", "machine_id": "id_00", "extractor": "resnet34", "extractor_config": {},
            "weights": "random", "pretrained": 0, "detector": "gmm", "detector_config": {"n_components": 8},
            "seed": 0, "protocol": {}, "status": status}
    return ResultRow(**{**base, **extra})


def test_job_key_is_stable_and_order_free():
    assert job_key(a=1, b={"x": 1, "y": 2}) == job_key(b={"y": 2, "x": 1}, a=1)
    assert job_key(a=1) != job_key(a=2)


def test_save_and_reload_with_clip_scores(tmp_path):
    db = tmp_path / "r.sqlite"
    with ResultStore(db) as store:
        store.start_run("r1", command="aadbench run", config={}, versions={}, host="h", device="cpu")
        scores = [ClipScore("normal/0.wav", 0, 0.1), ClipScore("abnormal/0.wav", 1, 0.9)]
        store.save(_row("k1", auc=0.8, pauc=0.6), scores)
        assert store.done_keys(["k1", "k2"]) == {"k1"}
        assert [s["label"] for s in store.clip_scores("k1")] == [1, 0]
    with ResultsReader(db) as reader:
        (row,) = reader.result_dicts(["k1"])
        assert row["auc"] == 0.8 and row["detector_config"] == '{"n_components":8}'


def test_a_failed_job_is_not_done_and_is_replaced_by_its_retry(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.start_run("r1", command="", config={}, versions={}, host="h", device="cpu")
        store.save(_row("k1", status="failed", error="boom"))
        assert store.done_keys(["k1"]) == set()
        store.save(_row("k1", auc=0.7), [ClipScore("c", 0, 1.0)])
        assert store.done_keys(["k1"]) == {"k1"} and len(store.results()) == 1


def test_database_is_plain_sqlite_in_wal_mode(tmp_path):
    db = tmp_path / "r.sqlite"
    ResultStore(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "runs", "results", "clip_scores"}
