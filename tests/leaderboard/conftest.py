"""A small results database with known values for the leaderboard tests.

mimii 6 dB, run "imagenet" (pretrained=1, weights imagenet, device cuda:0), fan, seeds 0 and 1:
    resnet34 + gmm   id_00: 0.80, 0.82   id_02: 0.90, 0.94   -> 81.0 ± 1.4, 92.0 ± 2.8, avg 86.5 ± 2.1
    alexnet  + gmm   id_00: 0.60, 0.62   id_02: 0.70, 0.66   -> 61.0 ± 1.4, 68.0 ± 2.8, avg 64.5 ± 0.7
mimii 6 dB, run "random" (random weights, cpu), seed 0:
    resnet34 + gmm   id_00: 0.55  id_02: 0.50  -> avg 52.5
    alexnet  + iforest id_00: failed ("ValueError: boom")
synthetic, run "synth" (random weights, cpu), seed 0:
    resnet34 + gmm   id_00: 0.99  id_02: 0.97
pAUC is always AUC - 0.1. Each ok job stores 10 normal and 10 anomalous clip scores whose ROC AUC
is the stored AUC.
"""
from __future__ import annotations

import pytest

from aadbench.harness.grid import ClipScore, ResultRow
from aadbench.harness.identity import job_key
from aadbench.harness.store import ResultStore, RunCounts

MIMII = {"data_root": "/data/mimii", "snr": 6, "machines": ["fan"], "ids": ["id_00", "id_02"]}
SYNTH = {"seed": 0, "machines": ["fan"], "ids": ["id_00", "id_02"]}
AUCS = {  # (run, dataset, extractor, detector, weights) -> {(id, seed): auc}
    ("imagenet", "mimii", "resnet34", "gmm", "imagenet"): {("id_00", 0): .80, ("id_00", 1): .82,
                                                           ("id_02", 0): .90, ("id_02", 1): .94},
    ("imagenet", "mimii", "alexnet", "gmm", "imagenet"): {("id_00", 0): .60, ("id_00", 1): .62,
                                                          ("id_02", 0): .70, ("id_02", 1): .66},
    ("random", "mimii", "resnet34", "gmm", "random"): {("id_00", 0): .55, ("id_02", 0): .50},
    ("synth", "synthetic", "resnet34", "gmm", "random"): {("id_00", 0): .99, ("id_02", 0): .97},
}
EXTRACT_S = {"resnet34": 2.0, "alexnet": 1.0}  # per task of 100 clips


def clip_scores(auc: float) -> list[ClipScore]:
    """10 normal clips scored 0..9 and 10 anomalous ones placed so that the ROC AUC is ``auc``."""
    above, extra = divmod(round(auc * 100), 10)  # normals below each anomalous clip
    anomalous = [above + (i < extra) - 0.5 for i in range(10)]
    return ([ClipScore(f"normal/{i:02d}.wav", 0, float(i)) for i in range(10)]
            + [ClipScore(f"anomalous/{i:02d}.wav", 1, float(s)) for i, s in enumerate(anomalous)])


def _row(run, dataset, extractor, detector, weights, machine_id, seed, **extra):
    config = MIMII if dataset == "mimii" else SYNTH
    key = job_key(run=run, dataset=dataset, extractor=extractor, detector=detector, id=machine_id, seed=seed)
    return ResultRow(**{"job_key": key, "run_id": run, "dataset": dataset, "dataset_config": config,
            "machine_type": "fan",
            "machine_id": machine_id, "extractor": extractor, "extractor_config": {"weights_label": weights},
            "weights": weights, "pretrained": int(weights == "imagenet"), "detector": detector,
            "detector_config": {"random_state": seed}, "seed": seed, "protocol": {"pooling": "mean"},
            "device": "cuda:0" if weights == "imagenet" else "cpu", "extract_s": EXTRACT_S[extractor],
            "n_extracted_clips": 100, **extra})


def build_db(path) -> None:
    with ResultStore(path) as store:
        for run, device in (("synth", "cpu"), ("imagenet", "cuda:0 (NVIDIA H200)"), ("random", "cpu")):
            store.start_run(run, command=f"aadbench run --tag {run}", config={"run": run, "seeds": [0, 1]},
                            versions={"aadbench": "0.1.0", "torch": "2.3.0"}, host="testhost", device=device)
        for (run, dataset, extractor, detector, weights), cells in AUCS.items():
            for (machine_id, seed), auc in cells.items():
                values = _row(run, dataset, extractor, detector, weights, machine_id, seed, status="ok", auc=auc,
                              pauc=auc - 0.1, fit_s=0.5, score_s=0.1, n_scored=20, n_train=50, n_test_normal=10,
                              n_test_anomalous=10, metrics={"f1": 0.5})
                store.save(values, clip_scores(auc))
        store.save(_row("random", "mimii", "alexnet", "iforest", "random", "id_00", 0,
                        status="failed", error="ValueError: boom"))
        for run in ("synth", "imagenet", "random"):
            store.finish_run(run, "finished")
        # the same command again: nothing left to compute
        store.start_run("rerun", command="aadbench run --tag imagenet", config={"run": "imagenet"},
                        versions={"aadbench": "0.1.0"}, host="testhost", device="auto", n_jobs=8, n_stored=8)
        store.finish_run("rerun", "up to date", RunCounts(n_jobs=8, n_computed=0, n_stored=8, n_failed=0))


@pytest.fixture(scope="session")
def leaderboard_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("leaderboard") / "results.sqlite"
    build_db(path)
    return path


@pytest.fixture
def empty_db(tmp_path):
    path = tmp_path / "empty.sqlite"
    ResultStore(path).close()
    return path


#: a MIMII-sized board: 4 machine types x 4 IDs, 4 pipelines, one seed (AUCs from a fixed pattern)
WIDE_TYPES, WIDE_IDS = ("fan", "pump", "slider", "valve"), ("id_00", "id_02", "id_04", "id_06")
WIDE_PIPELINES = (("resnet34", "gmm"), ("resnet18", "bgmm"), ("alexnet", "iforest"), ("squeezenet1_1", "ocsvm"))


def build_wide_db(path) -> None:
    with ResultStore(path) as store:
        store.start_run("wide", command="aadbench run --dataset mimii", config={}, versions={}, host="testhost",
                        device="cuda:0")
        for p, (extractor, detector) in enumerate(WIDE_PIPELINES):
            for t, machine_type in enumerate(WIDE_TYPES):
                for i, machine_id in enumerate(WIDE_IDS):
                    auc = 0.6 + 0.08 * p + 0.02 * t + 0.01 * i
                    key = job_key(run="wide", extractor=extractor, detector=detector, type=machine_type,
                                  id=machine_id)
                    store.save(ResultRow(
                        job_key=key, run_id="wide", dataset="mimii", dataset_config={**MIMII, "snr": 6},
                        machine_type=machine_type, machine_id=machine_id, extractor=extractor,
                        extractor_config={}, weights="imagenet", pretrained=1, detector=detector,
                        detector_config={}, seed=0, protocol={}, device="cuda:0", extract_s=1.0 + p,
                        n_extracted_clips=100, status="ok", auc=auc, pauc=auc - 0.1, fit_s=0.2, score_s=0.1,
                        n_scored=20, n_train=50, n_test_normal=10, n_test_anomalous=10), clip_scores(auc))
        store.finish_run("wide", "finished")


@pytest.fixture(scope="session")
def wide_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("wide") / "results.sqlite"
    build_wide_db(path)
    return path
