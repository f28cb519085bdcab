"""A 5-detector grid: first run against the same command again (fully cached) and a fresh results
file on the feature cache; and the peak memory of a 1000-clip task.

    pytest benchmarks/test_bench_grid.py --benchmark-enable
"""
from aadbench.cli import bench
from aadbench.cli.bench import runs


def test_cached_rerun(benchmark, tmp_path):
    result = bench.BenchResult("full", {})
    benchmark.pedantic(lambda: runs.bench_cache(bench.FULL, tmp_path, result, print), rounds=1, iterations=1)
    benchmark.extra_info.update(result.grid)
    benchmark.extra_info["cache_rerun_speedup"] = result.summary["cache_rerun_speedup"]
    assert result.grid["fresh_db_extracted_clips"] == 0


def test_peak_memory_of_a_1000_clip_task(benchmark, tmp_path):
    result = bench.BenchResult("full", {})
    benchmark.pedantic(lambda: runs.bench_memory(bench.FULL, tmp_path, result, print), rounds=1, iterations=1)
    benchmark.extra_info.update(result.memory)
    assert result.summary["peak_memory_gb"] < 3.0
