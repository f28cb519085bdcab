"""The paper's grid end to end, from WAV files: 4 CNNs x 5 detectors x 5 seeds on MIMII-shaped data.

    python benchmarks/paper_grid.py [--fraction 0.25] [--scale 1.0] [--device auto] [--workdir DIR]

Writes a synthetic dataset of the paper's shape (fan, pump, slider, valve x id_00/02/04/06, each
ID 1000 normal and 150 anomalous 10 s clips at 16 kHz) in the MIMII layout, or ``--fraction`` of
its IDs (0.25: 4 IDs) and ``--scale`` of its clips per ID, then runs

    aadbench run --dataset mimii --plugins alexnet,resnet18,resnet34,squeezenet,gmm,bgmm,iforest,ocsvm,kde

with random weights, 5 seeds and a fresh feature cache, and prints the seconds of each stage
(writing the data, then the grid: extraction summed over extractors, detector fits and scoring
summed over jobs, the grid's wall time), the files decoded, the jobs and the peak memory (host:
the largest resident set of this process and of its worker processes; GPU: torch's peak
allocation). On a GPU the CNNs run in bfloat16 with batches of 512 (``--no-bf16`` keeps float32).
``--json FILE`` writes the figures too.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TYPES = ("fan", "pump", "slider", "valve")
IDS = ("id_00", "id_02", "id_04", "id_06")
CNNS = ("alexnet", "resnet18", "resnet34", "squeezenet")
DETECTORS = ("gmm", "bgmm", "iforest", "ocsvm", "kde")


def machine_ids(fraction: float) -> list[tuple[str, str]]:
    every = [(t, i) for i in IDS for t in TYPES]  # a fraction keeps every machine type where it can
    return every[: max(1, round(len(every) * fraction))]


def write_data(root: Path, ids: list[tuple[str, str]], n_normal: int, n_anomalous: int, procs: int) -> float:
    """One ``aadbench synth`` process per machine ID, ``procs`` at a time; the seconds it took."""
    def write(pair: tuple[str, str]) -> None:
        machine, mid = pair
        subprocess.run([sys.executable, "-m", "aadbench", "synth", str(root), "--machines", machine, "--set",
                        f"synthetic.ids={mid}", "--set", f"synthetic.n_normal={n_normal}", "--set",
                        f"synthetic.n_anomalous={n_anomalous}", "--set", "synthetic.duration=10", "--no-progress"],
                       check=True, stdout=subprocess.DEVNULL)

    start = time.perf_counter()
    with ThreadPoolExecutor(procs) as pool:
        list(pool.map(write, ids))
    return time.perf_counter() - start


def grid_args(root: Path, work: Path, device: str, bf16: bool, jobs: int | None) -> list[str]:
    args = ["run", "--dataset", "mimii", "--data-root", str(root), "--plugins", ",".join(CNNS + DETECTORS),
            "--weights", "none", "--seeds", "5", "--device", device, "--db", str(work / "grid.sqlite"),
            "--cache-dir", str(work / "cache"), "--no-progress"]
    if bf16:
        for cnn in CNNS:
            args += ["--set", f"{cnn}.dtype=bfloat16", "--set", f"{cnn}.batch_size=512"]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    return args


def run_grid(argv: list[str]) -> tuple[float, object]:
    from aadbench.cli import build_parser, run_cmd
    from aadbench.cli.settings import read_settings

    args = build_parser().parse_args(argv)
    args.settings = read_settings()
    start = time.perf_counter()
    report, _ = run_cmd.execute(args)
    return time.perf_counter() - start, report


def peak_rss_gb() -> tuple[float, float]:
    """(this process, its largest child) peak resident memory in GB."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fraction", type=float, default=1.0, help="fraction of the 16 machine IDs (0.25: 4)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the clips per ID (1: 1000 + 150)")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--no-bf16", action="store_true", help="float32 CNNs on a GPU too")
    parser.add_argument("--jobs", type=int, default=None, help="detector worker processes (default: the cores)")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="processes writing the data")
    parser.add_argument("--workdir", default=None, help="where the data, cache and results go (default: temp)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    from aadbench.devices import runs_on_gpu

    work = Path(args.workdir or tempfile.mkdtemp(prefix="aadbench-paper-grid-"))
    root = work / "data"
    ids = machine_ids(args.fraction)
    n_normal, n_anomalous = max(2, round(1000 * args.scale)), max(1, round(150 * args.scale))
    gpu = runs_on_gpu(args.device)
    print(f"{len(ids)} machine IDs x ({n_normal} normal + {n_anomalous} anomalous) 10 s clips; device {args.device}"
          f"{' (bfloat16, batch 512)' if gpu and not args.no_bf16 else ''}; data in {root}", flush=True)
    write_s = 0.0 if root.exists() else write_data(root, ids, n_normal, n_anomalous, args.procs)
    print(f"data written in {write_s:.1f} s", flush=True)
    wall, report = run_grid(grid_args(root, work, args.device, gpu and not args.no_bf16, args.jobs))
    rss, child_rss = peak_rss_gb()
    gpu_peak = None
    if gpu:
        import torch

        gpu_peak = torch.cuda.max_memory_allocated() / 1e9
    clips = len(ids) * (n_normal + n_anomalous)
    figures = {
        "machine_ids": len(ids), "clips": clips, "device": args.device, "write_s": write_s, "grid_wall_s": wall,
        "extraction_s": report.extract_s, "clip_extractions": report.extracted_clips, "files_decoded": report.decoded,
        "fit_s_summed": report.fit_s, "score_s_summed": report.score_s, "jobs": report.computed,
        "failed": report.failed, "peak_rss_gb": rss, "peak_worker_rss_gb": child_rss, "gpu_peak_gb": gpu_peak,
    }
    rate = report.extracted_clips / report.extract_s if report.extract_s else 0.0
    print()
    print("| stage | seconds |")
    print("| --- | ---: |")
    print(f"| writing {clips} WAV files ({args.procs} processes) | {write_s:.1f} |")
    print(f"| extraction, summed over the 4 CNNs ({report.extracted_clips} clip-extractions, {rate:.0f}/s; "
          f"{report.decoded} files decoded) | {report.extract_s:.1f} |")
    print(f"| detector fits, summed over {report.computed} jobs | {report.fit_s:.1f} |")
    print(f"| scoring, summed over jobs | {report.score_s:.1f} |")
    print(f"| **the grid, end to end (wall)** | **{wall:.1f}** |")
    print(f"\npeak memory: host {rss:.1f} GB (coordinator), {child_rss:.1f} GB (largest worker)"
          + (f", GPU {gpu_peak:.1f} GB" if gpu_peak is not None else "") + f"; failed jobs: {report.failed}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
