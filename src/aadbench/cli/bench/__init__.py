"""Speed and memory measurements behind ``aadbench bench`` (and ``benchmarks/``).

Every ratio is measured in one process run on the machine at hand:

* extraction clips/s of aadbench's batched pipeline (float32, and bfloat16 + channels_last)
  against a naive per-file pipeline (librosa mel spectrogram, matplotlib colour map, PIL
  resize per patch, the CNN on one patch at a time), both reading the same WAV files; on a GPU
  (``device="cuda"``), against the network alone (bfloat16 images already on the GPU);
* the frontend's share of aadbench's extraction time;
* a 5-detector grid: first run, rerun of the same command (everything cached and stored),
  and a rerun into a fresh results file (features from the cache, detectors fitted again);
* a detector-heavy grid with ``--jobs`` = the cores against ``--jobs 1``;
* detector fit and score seconds at the paper's scale (15k x 512 and 15k x 4096 training rows,
  5.4k scored), with the GPU backends on a GPU;
* the peak memory (max RSS) of ``aadbench run`` on one 1000-clip task, in a child process.
"""
from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .report import format_table as format_table

DETECTORS = ("gmm", "bgmm", "iforest", "ocsvm", "kde")
PARTS = ("extraction", "cache", "jobs", "detectors", "memory")
TARGETS = {
    "speedup_vs_naive": (">=", 2.0, "extraction vs the naive pipeline, float32"),
    "speedup_vs_naive_bfloat16": (">=", 4.0, "extraction vs the naive pipeline, bfloat16 + channels_last"),
    "frontend_share": ("<", 0.10, "frontend share of extraction time"),
    "cache_rerun_speedup": (">=", 20.0, "fully cached rerun of a 5-detector grid vs its first run"),
    "jobs_speedup": (">=", 1.6, "a detector-heavy grid (OC-SVM, Isolation Forest) with --jobs (the cores) vs 1"),
    "kde_score_s": ("<", 10.0, "KDE scoring 5.4k against 15k 512-d rows (s)"),
    "mahalanobis_wide_s": ("<", 30.0, "Mahalanobis fit and score, 15k x 4096 training rows (s)"),
    "peak_memory_gb": ("<", 3.0, "peak memory of a 1000-clip ResNet task (GB)"),
    "resnet34_vs_network_alone": (">=", 0.8, "resnet34 extraction from WAV files vs the network alone, bf16 (GPU)"),
}

@dataclass(frozen=True)
class Scale:
    name: str
    archs: tuple[str, ...]
    seconds: float            # clip length
    clips: int                # clips through aadbench's extractor, per configuration
    naive_clips: int          # clips through the naive pipeline
    grid: dict[str, Any]      # synthetic parameters of the cached-rerun grid
    grid_arch: str
    det_rows: tuple[int, int, int]   # training rows, scored rows, dimension
    memory_clips: int
    memory_arch: str
    det_wide: int = 0                # a second, wider dimension for some detectors (0: none)
    jobs_seeds: int = 3              # seeds of the detector-heavy grid
    jobs_grid: tuple[tuple[str, Any], ...] = ()  # its synthetic data (mel-patches features: 4096-d, cheap)
    gpu_archs: tuple[str, ...] = ()  # CNNs measured on a GPU
    gpu_clips: int = 0               # clips through them


FULL = Scale("full", ("resnet18", "resnet34"), 10.0, 24, 6,
             {"machines": "fan", "ids": "id_00,id_02", "n_normal": 30, "n_anomalous": 15, "duration": 10.0},
             "resnet18", (15000, 5400, 512), 1000, "resnet18", det_wide=4096, jobs_seeds=2,
             jobs_grid=(("machines", "fan,valve"), ("ids", "id_00,id_02"), ("n_normal", 300), ("n_anomalous", 20),
                        ("duration", 10.0)),
             gpu_archs=("alexnet", "resnet18", "resnet34", "squeezenet1_0"), gpu_clips=512)
QUICK = Scale("quick", ("squeezenet1_1",), 2.0, 3, 1,
              {"machines": "fan", "ids": "id_00", "n_normal": 8, "n_anomalous": 3, "duration": 2.0},
              "squeezenet1_1", (400, 100, 32), 8, "squeezenet1_1", det_wide=64, jobs_seeds=1,
              jobs_grid=(("machines", "fan"), ("ids", "id_00"), ("n_normal", 8), ("n_anomalous", 3),
                         ("duration", 2.0)),
              gpu_archs=("squeezenet1_1",), gpu_clips=32)


@dataclass
class BenchResult:
    mode: str
    machine: dict[str, Any]
    extraction: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)
    detectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {"mode": self.mode, **self.summary, "machine": self.machine, "extraction": self.extraction,
               "grid": self.grid, "jobs": self.jobs, "detectors": self.detectors, "memory": self.memory}
        out["targets"] = {k: {"value": self.summary.get(k), "target": f"{op} {v}", "what": what,
                              "met": _met(self.summary.get(k), op, v)}
                          for k, (op, v, what) in TARGETS.items() if k in self.summary}
        return out


def _met(value: float | None, op: str, bound: float) -> bool | None:
    if value is None:
        return None
    return value >= bound if op == ">=" else value < bound


def machine_info(device: str = "cpu") -> dict[str, Any]:
    import torch

    gpu = torch.cuda.get_device_name() if device.startswith("cuda") and torch.cuda.is_available() else None
    return {"device": device, "gpu": gpu, "cpu": _cpu_name(), "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "native_bfloat16": _native_bfloat16(),
            "torch": torch.__version__, "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _native_bfloat16() -> bool:
    """Whether the CPU has bfloat16 instructions (AVX512-BF16 or AMX); without them bfloat16 is emulated, slowly."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in ("avx512_bf16", "amx_bf16"))


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_bench(scale: Scale = FULL, parts: tuple[str, ...] = PARTS, log: Callable[[str], None] = lambda s: None,
              workdir: str | None = None, device: str = "cpu") -> BenchResult:
    from .detectors import bench_detectors
    from .extraction import bench_extraction
    from .runs import bench_cache, bench_jobs, bench_memory

    result = BenchResult(scale.name, machine_info(device))
    with tempfile.TemporaryDirectory(prefix="aadbench-bench-", dir=workdir) as tmp:
        root = Path(tmp)
        if "extraction" in parts:
            bench_extraction(scale, root, result, log, device)
        if "cache" in parts:
            bench_cache(scale, root, result, log, device)
        if "jobs" in parts:
            bench_jobs(scale, root, result, log)
        if "detectors" in parts:
            bench_detectors(scale, result, log, device)
        if "memory" in parts:
            bench_memory(scale, root, result, log, device)
    result.machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result
