"""Speed and memory measurements behind ``aadbench bench`` (and ``benchmarks/``).

Every ratio is measured in one process run on the machine at hand:

* extraction clips/s of aadbench's batched pipeline (float32, and bfloat16 + channels_last)
  against a naive per-file pipeline (librosa mel spectrogram, matplotlib colour map, PIL
  resize per patch, the CNN on one patch at a time), both reading the same WAV files;
* the frontend's share of aadbench's extraction time;
* a 5-detector grid: first run, rerun of the same command (everything cached and stored),
  and a rerun into a fresh results file (features from the cache, detectors fitted again);
* detector fit and score seconds at the paper's scale (15k x 512 training rows, 5.4k scored);
* the peak memory (max RSS) of ``aadbench run`` on one 1000-clip task, in a child process.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DETECTORS = ("gmm", "bgmm", "iforest", "ocsvm", "kde")
PARTS = ("extraction", "cache", "detectors", "memory")
TARGETS = {
    "speedup_vs_naive": (">=", 2.0, "extraction vs the naive pipeline, float32"),
    "speedup_vs_naive_bfloat16": (">=", 4.0, "extraction vs the naive pipeline, bfloat16 + channels_last"),
    "frontend_share": ("<", 0.10, "frontend share of extraction time"),
    "cache_rerun_speedup": (">=", 20.0, "fully cached rerun of a 5-detector grid vs its first run"),
    "kde_score_s": ("<", 10.0, "KDE scoring 5.4k against 15k 512-d rows (s)"),
    "peak_memory_gb": ("<", 3.0, "peak memory of a 1000-clip ResNet task (GB)"),
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


FULL = Scale("full", ("resnet18", "resnet34"), 10.0, 24, 6,
             {"machines": "fan", "ids": "id_00,id_02", "n_normal": 30, "n_anomalous": 15, "duration": 10.0},
             "resnet18", (15000, 5400, 512), 1000, "resnet18")
QUICK = Scale("quick", ("squeezenet1_1",), 2.0, 3, 1,
              {"machines": "fan", "ids": "id_00", "n_normal": 8, "n_anomalous": 3, "duration": 2.0},
              "squeezenet1_1", (400, 100, 32), 8, "squeezenet1_1")


@dataclass
class BenchResult:
    mode: str
    machine: dict[str, Any]
    extraction: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, Any] = field(default_factory=dict)
    detectors: dict[str, dict[str, float]] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {"mode": self.mode, **self.summary, "machine": self.machine, "extraction": self.extraction,
               "grid": self.grid, "detectors": self.detectors, "memory": self.memory}
        out["targets"] = {k: {"value": self.summary.get(k), "target": f"{op} {v}", "what": what,
                              "met": _met(self.summary.get(k), op, v)}
                          for k, (op, v, what) in TARGETS.items() if k in self.summary}
        return out


def _met(value: float | None, op: str, bound: float) -> bool | None:
    if value is None:
        return None
    return value >= bound if op == ">=" else value < bound


def machine_info() -> dict[str, Any]:
    import torch

    return {"cpu": _cpu_name(), "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
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
              workdir: str | None = None) -> BenchResult:
    result = BenchResult(scale.name, machine_info())
    with tempfile.TemporaryDirectory(prefix="aadbench-bench-", dir=workdir) as tmp:
        root = Path(tmp)
        if "extraction" in parts:
            bench_extraction(scale, root, result, log)
        if "cache" in parts:
            bench_cache(scale, root, result, log)
        if "detectors" in parts:
            bench_detectors(scale, result, log)
        if "memory" in parts:
            bench_memory(scale, root, result, log)
    result.machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


# ---------------------------------------------------------------------------- extraction
def _write_clips(root: Path, n: int, seconds: float) -> list[str]:
    from ..datasets.synthetic.dataset import SyntheticDataset
    from ..datasets.synthetic.writer import write_mimii_tree

    ds = SyntheticDataset(machines=["fan"], ids=["id_00"], n_normal=max(2, n), n_anomalous=1, duration=seconds)
    write_mimii_tree(ds, root, progress=False)
    return sorted(str(p) for p in (root / "fan" / "id_00" / "normal").glob("*.wav"))[:n]


class NaivePipeline:
    """What a first script does: one file, one patch, one forward pass at a time."""

    def __init__(self, arch: str) -> None:
        import matplotlib
        import torch

        from ..frontend import IMAGENET_MEAN, IMAGENET_STD
        from ..plugins.image_cnns.extractor import build_network

        self.net = build_network(arch, None).eval()
        self.cmap = matplotlib.colormaps["viridis"]
        self.mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD).view(3, 1, 1)

    def extract_file(self, path: str) -> np.ndarray:
        import librosa
        import soundfile as sf
        import torch
        from PIL import Image

        y, sr = sf.read(path, dtype="float32")
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, hop_length=256, n_mels=64, power=2.0)
        db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)
        feats = []
        for start in range(0, max(1, db.shape[1] - 64 + 1), 32):
            patch = db[:, start: start + 64]
            unit = (patch - patch.min()) / max(float(patch.max() - patch.min()), 1e-6)
            rgb = (self.cmap(np.flipud(unit))[..., :3] * 255).astype(np.uint8)
            img = Image.fromarray(rgb).resize((224, 224), Image.Resampling.BILINEAR)
            x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
            with torch.no_grad():
                feats.append(self.net(((x - self.mean) / self.std)[None])[0].numpy())
        return np.stack(feats)


def _file_task(root: Path):
    from ..datasets.mimii.dataset import MimiiDataset

    ds = MimiiDataset(data_root=root)
    task = ds.tasks()[0]
    normal = tuple(c for c in task.clips if c.label == 0)
    return ds, type(task)(task.machine_type, task.machine_id, normal)


def bench_extraction(scale: Scale, root: Path, result: BenchResult, log) -> None:
    import torch

    from ..harness.extraction import extract_task
    from ..plugins.image_cnns.extractor import TorchvisionCNN

    data = root / "clips"
    paths = _write_clips(data, max(scale.clips, scale.naive_clips), scale.seconds)
    ds, task = _file_task(data)
    task = type(task)(task.machine_type, task.machine_id, task.clips[: scale.clips])
    for arch in scale.archs:
        naive = NaivePipeline(arch)
        naive.extract_file(paths[0])  # warm-up
        t0 = time.perf_counter()
        for p in paths[: scale.naive_clips]:
            naive.extract_file(p)
        naive_rate = scale.naive_clips / (time.perf_counter() - t0)
        del naive
        row: dict[str, Any] = {"arch": arch, "naive_clips_s": naive_rate}
        log(f"{arch}: naive {naive_rate:.2f} clips/s")
        settings: tuple[tuple[str, dict[str, Any]], ...] = (
            ("float32", {}), ("bfloat16", {"dtype": "bfloat16", "channels_last": True}))
        for label, params in settings:
            ext = TorchvisionCNN(arch, weights="none", device="cpu", **params)
            ext.extract([ds.load(task.clips[0])])  # warm-up
            feats = extract_task(ds, task, ext, progress=False)
            rate = len(task.clips) / feats.seconds
            share = _frontend_seconds(ext, [ds.load(c) for c in task.clips]) / feats.seconds
            row[f"{label}_clips_s"] = rate
            row[f"{label}_speedup"] = rate / naive_rate
            row[f"{label}_frontend_share"] = share
            log(f"{arch}: aadbench {label} {rate:.2f} clips/s ({rate / naive_rate:.1f}x naive), "
                f"frontend {share:.1%}")
            del ext
        result.extraction.append(row)
    result.summary["speedup_vs_naive"] = min(r["float32_speedup"] for r in result.extraction)
    result.summary["speedup_vs_naive_bfloat16"] = min(r["bfloat16_speedup"] for r in result.extraction)
    result.summary["frontend_share"] = max(max(r["float32_frontend_share"], r["bfloat16_frontend_share"])
                                           for r in result.extraction)
    result.summary["torch_threads"] = torch.get_num_threads()


def _frontend_seconds(ext, waves: list[np.ndarray]) -> float:
    """The time of the frontend alone (mel, patches, colours, resize) on the same clips and batches."""
    import torch

    from ..harness.extraction import CLIPS_PER_CALL

    t0 = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(waves), CLIPS_PER_CALL):
            flat = torch.cat(ext.frontend.batch_patches(waves[i: i + CLIPS_PER_CALL]))
            for j in range(0, flat.shape[0], ext.batch_size):
                memory_format = torch.channels_last if ext.channels_last else torch.contiguous_format
                ext.frontend.images(flat[j: j + ext.batch_size]).to(dtype=ext.dtype, memory_format=memory_format)
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------- cached rerun
def bench_cache(scale: Scale, root: Path, result: BenchResult, log) -> None:
    """First run of a 5-detector grid, the same command again, and a fresh results file on the cache."""
    from . import run_cmd

    cache = str(root / "cache")
    grid = {f"synthetic.{k}": v for k, v in scale.grid.items()}
    if scale.name == "quick":
        grid.update({"gmm.n_components": 2, "bgmm.n_components": 2})

    def run(db: str) -> tuple[float, Any]:
        args = ["--plugins", f"{scale.grid_arch},{','.join(DETECTORS)}", "--seeds", "1", "--weights", "none",
                "--device", "cpu", "--db", str(root / db), "--cache-dir", cache, "--no-progress"]
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


def _timed_run(run_cmd, argv: list[str]) -> tuple[float, Any]:
    import argparse
    import contextlib
    import io

    from .settings import read_settings

    parser = argparse.ArgumentParser()
    run_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["run", *argv, "--no-progress"])
    args.settings = read_settings()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        report, _ = run_cmd.execute(args)
    return time.perf_counter() - t0, report


# ---------------------------------------------------------------------------- detectors
def paper_scale_features(n_train: int, n_test: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardised, correlated, clustered rows like CNN features (a low-rank mixture plus noise)."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((32, dim)) / np.sqrt(32)
    centres = rng.standard_normal((20, 32)) * 2.0

    def draw(n: int, shift: float) -> np.ndarray:
        z = centres[rng.integers(0, len(centres), n)] + rng.standard_normal((n, 32)) + shift
        return (z @ basis + 0.3 * rng.standard_normal((n, dim))).astype(np.float32)

    train = draw(n_train, 0.0)
    test = np.vstack([draw(n_test // 2, 0.0), draw(n_test - n_test // 2, 0.5)])
    mean, std = train.mean(0), train.std(0)
    return (train - mean) / std, (test - mean) / std


def bench_detectors(scale: Scale, result: BenchResult, log) -> None:
    from ..harness.registry import get_registry

    n_train, n_test, dim = scale.det_rows
    X, Y = paper_scale_features(n_train, n_test, dim)
    registry = get_registry()
    for name in DETECTORS:
        spec = registry.get("detector", name)
        params = {k: v for k, v in {"device": "cpu", "random_state": 0}.items() if k in spec.defaults}
        det = spec.create(**params)
        t0 = time.perf_counter()
        det.fit(X)
        t1 = time.perf_counter()
        det.score(Y)
        t2 = time.perf_counter()
        result.detectors[name] = {"fit_s": t1 - t0, "score_s": t2 - t1, "n_train": n_train, "n_scored": n_test,
                                  "dim": dim}
        log(f"{name}: fit {t1 - t0:.2f} s, score {t2 - t1:.2f} s ({n_train} x {dim} train, {n_test} scored)")
    result.summary["kde_score_s"] = result.detectors["kde"]["score_s"]


# ---------------------------------------------------------------------------- memory
def bench_memory(scale: Scale, root: Path, result: BenchResult, log) -> None:
    """Max RSS of `aadbench run` extracting and scoring one task of ``memory_clips`` clips (a child process)."""
    n = scale.memory_clips
    n_anom = max(2, min(150, n // 7))
    arch = scale.memory_arch
    argv = ["run", "--plugins", f"{arch},gmm", "--seeds", "1", "--weights", "none",
            "--device", "cpu", "--no-cache", "--no-progress", "--db", str(root / "memory.sqlite"),
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


# ---------------------------------------------------------------------------- output
def format_table(res: dict[str, Any]) -> str:
    lines = [f"aadbench bench ({res['mode']} mode) on {res['machine']['cpu']}, {res['machine']['cores']} cores, "
             f"torch {res['machine']['torch']} ({res['machine']['torch_threads']} threads), "
             f"{res['machine'].get('cpu_capability', '?')}"
             f"{'' if res['machine'].get('native_bfloat16') else ' (no native bfloat16: it is emulated here)'}, "
             f"load average before {res['machine']['load_average'][0]:.2f}"]
    if res["extraction"]:
        lines += ["", f"{'extraction (clips/s)':<22}{'naive':>8}{'float32':>10}{'x naive':>9}{'bf16+CL':>10}"
                      f"{'x naive':>9}{'frontend f32/bf16':>20}"]
        for r in res["extraction"]:
            lines.append(f"{r['arch']:<22}{r['naive_clips_s']:>8.2f}{r['float32_clips_s']:>10.2f}"
                         f"{r['float32_speedup']:>9.1f}{r['bfloat16_clips_s']:>10.2f}{r['bfloat16_speedup']:>9.1f}"
                         f"{r['float32_frontend_share']:>12.1%} / {r['bfloat16_frontend_share']:.1%}")
    if res["grid"]:
        g = res["grid"]
        lines += ["", f"5-detector grid ({g['arch']}, {g['jobs']} jobs, {g['clips']} clips): first run "
                      f"{g['first_run_s']:.1f} s, same command again {g['rerun_s']:.2f} s, fresh results file on "
                      f"the feature cache {g['fresh_db_on_cache_s']:.1f} s ({g['fresh_db_extracted_clips']} clips "
                      f"extracted)"]
    if res["detectors"]:
        lines += ["", f"{'detector':<10}{'fit s':>9}{'score s':>9}   (train x dim, scored)"]
        for name, d in res["detectors"].items():
            lines.append(f"{name:<10}{d['fit_s']:>9.2f}{d['score_s']:>9.2f}   ({d['n_train']} x {d['dim']}, "
                         f"{d['n_scored']})")
    if res["memory"]:
        m = res["memory"]
        lines += ["", f"peak memory: {m['peak_rss_mb']:.0f} MB for one {m['clips']}-clip task "
                      f"({m['arch']} {m['dtype']} + {m['detector']}, {m['seconds']:.0f} s)"]
    if res["targets"]:
        lines += ["", "targets:"]
        for _key, t in res["targets"].items():
            mark = "ok  " if t["met"] else "MISS"
            lines.append(f"  {mark} {t['what']}: {t['value']:.3g} (target {t['target']})")
    return "\n".join(lines)
