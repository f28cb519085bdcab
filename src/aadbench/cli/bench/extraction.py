"""Extraction speed: aadbench against a naive per-file pipeline (CPU) or against the network alone (GPU)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import BenchResult, Scale


def _write_clips(root: Path, n: int, seconds: float) -> list[str]:
    from ...datasets.synthetic.dataset import SyntheticDataset
    from ...datasets.synthetic.writer import write_mimii_tree

    ds = SyntheticDataset(machines=["fan"], ids=["id_00"], n_normal=max(2, n), n_anomalous=1, duration=seconds)
    write_mimii_tree(ds, root, progress=False)
    return sorted(str(p) for p in (root / "fan" / "id_00" / "normal").glob("*.wav"))[:n]


class NaivePipeline:
    """What a first script does: one file, one patch, one forward pass at a time."""

    def __init__(self, arch: str) -> None:
        import matplotlib
        import torch

        from ...frontend import IMAGENET_MEAN, IMAGENET_STD
        from ...plugins.image_cnns.extractor import build_network

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
    from ...datasets.mimii.dataset import MimiiDataset

    ds = MimiiDataset(data_root=root)
    task = ds.tasks()[0]
    normal = tuple(c for c in task.clips if c.label == 0)
    return ds, type(task)(task.machine_type, task.machine_id, normal)


def bench_extraction(scale: Scale, root: Path, result: BenchResult, log: Callable[[str], None],
                     device: str = "cpu") -> None:
    if device.startswith("cuda"):
        bench_extraction_gpu(scale, root, result, log, device)
        return
    import torch

    from ...harness.extraction import extract_task
    from ...plugins.image_cnns.extractor import TorchvisionCNN

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


def _frontend_seconds(ext: Any, waves: list[np.ndarray]) -> float:
    """The time of the frontend alone (mel, patches, colours, resize) on the same clips and batches."""
    import torch

    from ...harness.extraction import CLIPS_PER_CALL

    t0 = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(waves), CLIPS_PER_CALL):
            flat = torch.cat(ext.frontend.batch_patches(waves[i: i + CLIPS_PER_CALL]))
            for j in range(0, flat.shape[0], ext.batch_size):
                memory_format = torch.channels_last if ext.channels_last else torch.contiguous_format
                ext.frontend.images(flat[j: j + ext.batch_size]).to(dtype=ext.dtype, memory_format=memory_format)
    return time.perf_counter() - t0




def network_alone(arch: str, device: str, batch: int = 512, repeats: int = 10) -> float:
    """Images per second of the network alone: random bfloat16 images already on the GPU, channels last."""
    import torch

    from ...plugins.image_cnns.extractor import build_network

    net = build_network(arch, None).eval().to(device, dtype=torch.bfloat16)
    net = net.to(memory_format=torch.channels_last)
    x = torch.randn(batch, 3, 224, 224, device=device, dtype=torch.bfloat16).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(3):
            net(x)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(repeats):
            net(x)
        torch.cuda.synchronize()
    return batch * repeats / (time.perf_counter() - t0)


def bench_extraction_gpu(scale: Scale, root: Path, result: BenchResult, log: Callable[[str], None],
                         device: str) -> None:
    """aadbench from WAV files (float32 batch 64, bfloat16 batch 512) against the network alone."""
    import torch

    from ...harness.extraction import CLIPS_PER_CALL_GPU, extract_task
    from ...plugins.image_cnns.extractor import TorchvisionCNN

    data = root / "clips"
    _write_clips(data, scale.gpu_clips, scale.seconds)
    ds, task = _file_task(data)
    patches = None
    for arch in scale.gpu_archs:
        row: dict[str, Any] = {"arch": arch}
        settings: tuple[tuple[str, dict[str, Any]], ...] = (
            ("float32", {}), ("bfloat16", {"dtype": "bfloat16", "batch_size": 512}))
        for label, params in settings:
            ext = TorchvisionCNN(arch, weights="none", device=device, **params)
            extract_task(ds, task, ext, progress=False, clips_per_call=CLIPS_PER_CALL_GPU)  # warm-up, file cache
            torch.cuda.synchronize()
            feats = extract_task(ds, task, ext, progress=False, clips_per_call=CLIPS_PER_CALL_GPU)
            torch.cuda.synchronize()
            row[f"{label}_clips_s"] = len(task.clips) / feats.seconds
            patches = feats.features[0].shape[0]
            del ext
            torch.cuda.empty_cache()
        row["network_alone_clips_s"] = network_alone(arch, device) / (patches or 18)
        row["bfloat16_vs_network_alone"] = row["bfloat16_clips_s"] / row["network_alone_clips_s"]
        log(f"{arch}: from WAV files float32 {row['float32_clips_s']:.0f} clips/s, bfloat16 b512 "
            f"{row['bfloat16_clips_s']:.0f}; network alone {row['network_alone_clips_s']:.0f} "
            f"({row['bfloat16_vs_network_alone']:.0%})")
        result.extraction.append(row)
    by_arch = {r["arch"]: r for r in result.extraction}
    if "resnet34" in by_arch:
        result.summary["resnet34_vs_network_alone"] = by_arch["resnet34"]["bfloat16_vs_network_alone"]
