"""Extraction clips/s: aadbench (float32; bfloat16 + channels_last) against the naive per-file pipeline.

    pytest benchmarks/test_bench_extraction.py --benchmark-enable
"""
import pytest

from aadbench.cli.bench import extraction as bench

N_CLIPS = 12


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    paths = bench._write_clips(root, N_CLIPS, 10.0)
    ds, task = bench._file_task(root)
    return paths, ds, task


@pytest.mark.parametrize("arch", ["resnet18", "resnet34"])
def test_naive(benchmark, clips, arch):
    paths, _, _ = clips
    naive = bench.NaivePipeline(arch)
    naive.extract_file(paths[0])
    benchmark.pedantic(lambda: [naive.extract_file(p) for p in paths[:4]], rounds=1, iterations=1)
    benchmark.extra_info["clips_per_s"] = 4 / benchmark.stats.stats.mean


@pytest.mark.parametrize("arch", ["resnet18", "resnet34"])
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_aadbench(benchmark, clips, arch, precision):
    from aadbench.harness.jobs import extract_task

    from aadbench.plugins.image_cnns.extractor import TorchvisionCNN

    _, ds, task = clips
    params = {"dtype": "bfloat16", "channels_last": True} if precision == "bfloat16" else {}
    ext = TorchvisionCNN(arch, weights="none", device="cpu", **params)
    ext.extract([ds.load(task.clips[0])])
    benchmark.pedantic(lambda: extract_task(ds, task, ext, progress=False), rounds=2, iterations=1)
    benchmark.extra_info["clips_per_s"] = len(task.clips) / benchmark.stats.stats.mean


def test_frontend_alone(benchmark, clips):
    from aadbench.plugins.image_cnns.extractor import TorchvisionCNN

    _, ds, task = clips
    ext = TorchvisionCNN("resnet18", weights="none", device="cpu")
    waves = [ds.load(c) for c in task.clips]
    benchmark.pedantic(lambda: bench._frontend_seconds(ext, waves), rounds=3, iterations=1)
    benchmark.extra_info["clips_per_s"] = len(waves) / benchmark.stats.stats.mean
