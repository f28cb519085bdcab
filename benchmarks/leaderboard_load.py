"""How fast the leaderboard loads a large results database (not a test).

Writes N result rows (default 100,000) to a temporary SQLite store: MIMII at 6, 0 and -6 dB,
4 machine types x 4 IDs, 4 extractors x 5 detectors, ImageNet and random weights, as many seeds as
needed; then times loading them, building the main table, the paper comparison, the timing table
and the Markdown export, and a full run of the Streamlit app (AppTest: cold, then a rerun).

    python benchmarks/leaderboard_load.py [--rows 100000] [--keep PATH]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import tempfile
import time
from pathlib import Path

from aadbench.harness.store import RESULT_COLUMNS, ResultStore, now

TYPES, IDS = ("fan", "pump", "slider", "valve"), ("id_00", "id_02", "id_04", "id_06")
EXTRACTORS, DETECTORS = ("alexnet", "resnet18", "resnet34", "squeezenet"), ("gmm", "bgmm", "iforest", "kde", "ocsvm")


def _rows(n: int):
    rng = random.Random(0)
    combos = list(itertools.product((6, 0, -6), TYPES, IDS, EXTRACTORS, DETECTORS, ("imagenet", "random")))
    for i, (snr, mtype, mid, ext, det, weights) in enumerate(itertools.islice(itertools.cycle(combos), n)):
        seed = i // len(combos)
        config = {"data_root": "/data/mimii", "snr": snr, "machines": list(TYPES), "ids": list(IDS),
                  "folders": {t: f"{snr}_dB_{t}/{t}" for t in TYPES}}
        ext_cfg = {"weights_label": weights, "layer": "avgpool", "dtype": "float32", "device": "cuda:0",
                   "weights": {"kind": weights, "pretrained": weights == "imagenet"}}
        auc = min(0.99, max(0.3, rng.gauss(0.75, 0.1)))
        values = {"job_key": f"k{i:08d}", "run_id": f"run{seed % 7}", "dataset": "mimii",
                  "dataset_config": json.dumps(config), "machine_type": mtype, "machine_id": mid, "extractor": ext,
                  "extractor_config": json.dumps(ext_cfg), "weights": weights, "pretrained": int(weights == "imagenet"),
                  "detector": det, "detector_config": json.dumps({"random_state": seed}), "seed": seed,
                  "protocol": json.dumps({"pooling": "mean", "standardize": True}), "status": "ok", "error": None,
                  "auc": auc, "pauc": auc - 0.1, "n_train": 800, "n_test_normal": 200, "n_test_anomalous": 200,
                  "n_scored": 400, "n_train_segments": 8000, "extract_s": 12.0, "n_extracted_clips": 1200,
                  "fit_s": rng.uniform(0.1, 5), "score_s": rng.uniform(0.01, 1), "device": "cuda:0",
                  "metrics": json.dumps({"f1": 0.5, "precision": 0.5, "recall": 0.5, "threshold": 1.0}),
                  "created_at": now()}
        yield [values.get(c) for c in RESULT_COLUMNS]  # columns added since (data digest, ...) stay empty


def write_db(path: Path, n: int) -> float:
    t0 = time.perf_counter()
    with ResultStore(path) as store:
        for run in range(7):
            store.start_run(f"run{run}", command="aadbench run", config={}, versions={}, host="bench", device="cuda:0")
        with store.conn:
            store.conn.executemany(f"INSERT INTO results({','.join(RESULT_COLUMNS)}) VALUES "
                                   f"({','.join('?' * len(RESULT_COLUMNS))})", _rows(n))
    return time.perf_counter() - t0


def _timed(label: str, fn, timings: list):
    t0 = time.perf_counter()
    out = fn()
    timings.append((label, time.perf_counter() - t0))
    return out


def bench(path: Path) -> list[tuple[str, float]]:
    from aadbench.leaderboard import chart_data, charts, data, html_page, tables

    timings: list[tuple[str, float]] = []
    _timed("db_state", lambda: data.db_state(path), timings)
    frame = _timed("load_results (all rows)", lambda: data.load_results(path), timings)
    mimii = frame[frame["dataset_label"] == "mimii 6 dB"]
    board = _timed(f"leaderboard table ({len(mimii)} rows)", lambda: tables.leaderboard(mimii, "auc"), timings)
    _timed("main table text + marks", lambda: (board.text(), board.flat_marks()), timings)
    _timed("paper comparison (all rows)", lambda: tables.paper_comparison(frame), timings)
    _timed("timing table", lambda: tables.timing_table(mimii), timings)
    _timed("markdown export", lambda: tables.to_markdown(board), timings)
    _timed("timing columns beside the AUCs", lambda: tables.with_timing(board.text(), mimii), timings)
    _timed("chart data: heatmap cells", lambda: chart_data.heatmap_cells(mimii), timings)
    points = _timed("chart data: pipelines + Pareto front", lambda: chart_data.pipeline_points(mimii), timings)
    _timed("chart specs: heatmap + Pareto (Altair)", lambda: (charts.heatmap(chart_data.heatmap_cells(mimii)).to_dict(),
                                                             charts.pareto(points).to_dict()), timings)
    page = _timed("export --format html (every dataset)",
                  lambda: html_page.render(frame, data.load_runs(path), source=str(path)), timings)
    timings.append((f"  page size: {len(page) / 2**20:.2f} MiB", 0.0))
    os.environ["AADBENCH_DB"] = str(path)
    from streamlit.testing.v1 import AppTest

    from aadbench.leaderboard import APP_PATH

    at = AppTest.from_file(str(APP_PATH), default_timeout=120)
    _timed("app: first run (cold: imports, load, all tabs)", at.run, timings)
    assert not at.exception, at.exception
    _timed("app: rerun (cached load)", at.run, timings)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", default=None, help="write the database here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench.sqlite"
        written = write_db(path, args.rows)
        size = path.stat().st_size / 2**20
        print(f"wrote {args.rows} result rows in {written:.1f} s ({size:.0f} MiB)\n")
        timings = bench(path)
    width = max(len(label) for label, _ in timings)
    print(f"{'step':<{width}}  seconds")
    for label, seconds in timings:
        print(f"{label:<{width}}  {seconds:7.3f}")


if __name__ == "__main__":
    main()
