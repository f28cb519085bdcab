"""The Dask executor against a real local cluster: same results as in-process, stored by the coordinator only."""
import os

import pytest

from aadbench.cli import main
from aadbench.harness.store import ResultsReader, ResultStore
from aadbench.plugins.image_cnns.extractor import TorchvisionCNN

distributed = pytest.importorskip("distributed")

TINY = ["--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00,id_02", "--set", "synthetic.n_normal=6",
        "--set", "synthetic.n_anomalous=3", "--set", "synthetic.duration=1.5", "--weights", "none", "--no-progress",
        "--plugins", "squeezenet1_1,gmm,iforest", "--set", "gmm.n_components=1", "--seeds", "2"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    env = {"AADBENCH_OFFLINE": "1", "AADBENCH_NO_ENTRY_POINTS": "1",
           "TORCH_HOME": str(tmp_path_factory.mktemp("torch_home"))}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  env=env) as cl:
        yield cl


def _rows(db):
    with ResultsReader(db) as store:
        return {r["job_key"]: r for r in store.result_dicts()}


def test_dask_results_equal_local_ones_and_only_the_coordinator_writes(tmp_path, capsys, cluster, monkeypatch):
    assert main(["run", *TINY, "--db", str(tmp_path / "local.sqlite"), "--cache-dir", str(tmp_path / "c1")]) == 0
    local = _rows(tmp_path / "local.sqlite")

    writers, extracted_here = [], []
    original_save, original_extract = ResultStore.save, TorchvisionCNN.extract
    monkeypatch.setattr(ResultStore, "save",
                        lambda self, *a: (writers.append(os.getpid()), original_save(self, *a))[1])
    monkeypatch.setattr(TorchvisionCNN, "extract",
                        lambda self, w: (extracted_here.append(len(w)), original_extract(self, w))[1])
    code = main(["run", *TINY, "--executor", "dask", "--address", cluster.scheduler_address,
                 "--db", str(tmp_path / "dask.sqlite"), "--cache-dir", str(tmp_path / "c2")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "8 computed" in out.out and "(18 clips" in out.out
    remote = _rows(tmp_path / "dask.sqlite")
    assert remote.keys() == local.keys() and len(remote) == 8
    for key, row in local.items():
        assert remote[key]["auc"] == pytest.approx(row["auc"], abs=1e-9)
        assert remote[key]["n_train"] == row["n_train"] and remote[key]["device"] == "cpu"
    assert writers == [os.getpid()] * 8, "every row is written by the coordinator"
    assert extracted_here == [], "extraction ran on the workers, not in the coordinator"
    assert len(list((tmp_path / "c2").glob("*/*/*.npy"))) == 18


def test_failures_are_stored_and_rerun_only_computes_missing_jobs(tmp_path, capsys, cluster):
    db = str(tmp_path / "r.sqlite")
    args = [*TINY, "--set", "gmm.n_components=50", "--executor", "dask", "--address", cluster.scheduler_address,
            "--db", db, "--cache-dir", str(tmp_path / "c")]
    assert main(["--progress", "run", *[a for a in args if a != "--no-progress"]]) == 1
    out, err = capsys.readouterr()
    assert "4 computed, 0 already stored, 4 failed" in out and "FAILED squeezenet1_1 + gmm" in out
    assert "grid: 8/8 jobs done, 0 left" in err, "the grid's bar counts the jobs settled, failed ones too"
    rows = _rows(db)
    assert sorted(r["status"] for r in rows.values()) == ["failed"] * 4 + ["ok"] * 4
    assert all("n_components" in r["error"] for r in rows.values() if r["status"] == "failed")
    assert main(["run", *args, "--set", "gmm.n_components=1"]) == 0
    assert "4 computed, 4 already stored, 0 failed" in capsys.readouterr().out


def test_without_an_address_a_local_cluster_is_started(tmp_path, capsys):
    """--gpu-workers: the local cluster's workers offer GPU=1 and the extraction jobs ask for it."""
    code = main(["run", *TINY, "--seeds", "1", "--executor", "dask", "--workers", "1", "--gpu-workers",
                 "--db", str(tmp_path / "r.sqlite"), "--cache-dir", str(tmp_path / "c")])
    assert code == 0 and "4 computed" in capsys.readouterr().out


def test_gpu_placement_without_gpu_workers_is_a_clear_error(tmp_path, capsys, cluster):
    code = main(["run", *TINY, "--executor", "dask", "--address", cluster.scheduler_address, "--gpu-workers",
                 "--db", str(tmp_path / "r.sqlite"), "--cache-dir", str(tmp_path / "c")])
    assert code == 2 and "--resources GPU=1" in capsys.readouterr().err

