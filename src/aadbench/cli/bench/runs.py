"""Whole runs: a cached rerun of a 5-detector grid, detector jobs in parallel, the peak memory of a task."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import DETECTORS, BenchResult, Scale


def bench_cache(scale: Scale, root: Path, result: BenchResult, log: Callable[[str], None],
                device: str = "cpu") -> None:
    """First run of a 5-detector grid, the same command again, and a fresh results file on the cache."""
    from .. import run_cmd

    cache = str(root / "cache")
    grid = {f"synthetic.{k}": v for k, v in scale.grid.items()}
    if scale.name == "quick":
        grid.update({"gmm.n_components": 2, "bgmm.n_components": 2})

    def run(db: str) -> tuple[float, Any]:
        args = ["--plugins", f"{scale.grid_arch},{','.join(DETECTORS)}", "--seeds", "1", "--weights", "none",
                "--device", device, "--db", str(root / db), "--cache-dir", cache, "--no-progress"]
        for k, v in grid.items():
            args += ["--set", f"{k}={v}"]
        return _timed_run(run_cmd, args)

    first, report = run("grid.sqlite")
    again, _ = run("grid.sqlite")
    fresh, fresh_report = run("fresh.sqlite")
    result.grid = {"arch": scale.grid_arch, "detectors": list(DETECTORS), "jobs": report.computed,
                   "clips": report.extracted_clips, "first_run_s": first, "rerun_s": again,
                   "fresh_db_on_cache_s": fresh, "fresh_db_extracted_clips": fresh_report.extracted_clips,
                   "first_extract_s": report.extract_s, "first_fit_score_s": report.fit_s + report.score_s}
    result.summary["cache_rerun_speedup"] = first / again
    result.summary["feature_cache_speedup"] = first / fresh
    log(f"grid ({report.computed} jobs, {report.extracted_clips} clips): first {first:.1f} s, rerun {again:.2f} s "
        f"({first / again:.0f}x), fresh results file on the cache {fresh:.1f} s ({first / fresh:.1f}x)")


def _timed_run(run_cmd: Any, argv: list[str]) -> tuple[float, Any]:
    import argparse
    import contextlib
    import io

    from ..settings import read_settings

    parser = argparse.ArgumentParser()
    run_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["run", *argv, "--no-progress"])
    args.settings = read_settings()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        report, _ = run_cmd.execute(args)
    return time.perf_counter() - t0, report


def bench_memory(scale: Scale, root: Path, result: BenchResult, log: Callable[[str], None],
                 device: str = "cpu") -> None:
    """Max RSS of `aadbench run` extracting and scoring one task of ``memory_clips`` clips (a child process)."""
    n = scale.memory_clips
    n_anom = max(2, min(150, n // 7))
    arch = scale.memory_arch
    argv = ["run", "--plugins", f"{arch},gmm", "--seeds", "1", "--weights", "none",
            "--device", device, "--no-cache", "--no-progress", "--db", str(root / "memory.sqlite"),
            "--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00",
            "--set", f"synthetic.n_normal={n - n_anom}", "--set", f"synthetic.n_anomalous={n_anom}",
            "--set", f"synthetic.duration={scale.seconds}"]
    if scale.name == "quick":
        argv += ["--set", "gmm.n_components=2"]
    code = ("import resource, sys\nfrom aadbench.cli import main\nrc = main(sys.argv[1:])\n"
            "print('AADBENCH_PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\nsys.exit(rc)")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    peaks = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("AADBENCH_PEAK_KB")]
    if proc.returncode != 0 or not peaks:
        raise RuntimeError(f"the memory run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak_kb = int(peaks[0])
    result.memory = {"clips": n, "arch": arch, "dtype": "float32", "detector": "gmm", "seconds": seconds,
                     "peak_rss_mb": peak_kb / 1024}
    result.summary["peak_memory_gb"] = peak_kb / 1024 / 1024
    log(f"memory: {n}-clip {arch} task + gmm: peak RSS {peak_kb / 1024:.0f} MB ({seconds:.0f} s)")




def bench_jobs(scale: Scale, root: Path, result: BenchResult, log: Callable[[str], None]) -> None:
    """Detector-heavy grids on cached mel-patch features (4096-d) with --jobs 1 and --jobs = the cores:
    OC-SVM and Isolation Forest (single-threaded fits), then the paper's four CPU detectors (whose
    mixtures already use every core through BLAS with --jobs 1)."""
    from .. import run_cmd

    cores = os.cpu_count() or 1
    base = ["--seeds", str(scale.jobs_seeds), "--device", "cpu", "--cache-dir", str(root / "jobs-cache"),
            "--no-progress"]
    for k, v in scale.jobs_grid:
        base += ["--set", f"synthetic.{k}={v}"]
    n = 2 if scale.name == "quick" else 16
    mixtures = ["--set", f"gmm.n_components={n}", "--set", f"bgmm.n_components={n}"]
    grids = {"single_threaded": ("mel-patches,iforest,ocsvm", []),
             "paper_mix": ("mel-patches,gmm,bgmm,iforest,ocsvm", mixtures)}
    for name, (plugins, extra) in grids.items():
        args = ["--plugins", plugins, *base, *extra]
        _timed_run(run_cmd, [*args, "--db", str(root / f"{name}-warm.sqlite"), "--jobs", "1"])  # features cached
        one, report = _timed_run(run_cmd, [*args, "--db", str(root / f"{name}-1.sqlite"), "--jobs", "1"])
        many, _ = _timed_run(run_cmd, [*args, "--db", str(root / f"{name}-n.sqlite"), "--jobs", str(cores)])
        result.jobs[name] = {"detectors": plugins.split(",")[1:], "jobs": report.computed, "one_s": one,
                             "parallel_s": many, "workers": cores}
        log(f"{name} grid ({report.computed} jobs): --jobs 1 {one:.1f} s, --jobs {cores} {many:.1f} s "
            f"({one / many:.2f}x)")
    result.summary["jobs_speedup"] = result.jobs["single_threaded"]["one_s"] / result.jobs["single_threaded"][
        "parallel_s"]
    result.summary["jobs_speedup_paper_mix"] = result.jobs["paper_mix"]["one_s"] / result.jobs["paper_mix"][
        "parallel_s"]
