"""`aadbench bench --quick --json`: runs in tiny mode and reports every measurement."""
import json

from aadbench.cli import main


def _bench(*argv):
    return main(["bench", *argv])


def test_quick_json_reports_the_ratios_and_targets(capsys, tmp_path):
    assert _bench("--quick", "--json", "--workdir", str(tmp_path)) == 0
    res = json.loads(capsys.readouterr().out)
    for key in ("speedup_vs_naive", "speedup_vs_naive_bfloat16", "frontend_share", "cache_rerun_speedup",
                "feature_cache_speedup", "jobs_speedup", "kde_score_s", "mahalanobis_wide_s", "peak_memory_gb"):
        assert isinstance(res[key], float) and res[key] > 0, key
    assert res["mode"] == "quick" and 0 < res["frontend_share"] < 1
    assert res["machine"]["cpu_capability"] and isinstance(res["machine"]["native_bfloat16"], bool)
    assert res["grid"]["fresh_db_extracted_clips"] == 0, "the fresh results file reused the cached features"
    assert set(res["detectors"]) == {"gmm", "bgmm", "iforest", "ocsvm", "kde", "knn", "mahalanobis", "mahalanobis_64"}
    assert res["jobs"]["single_threaded"]["jobs"] > 0 and res["jobs"]["paper_mix"]["workers"] >= 1
    assert set(res["targets"]) >= {"speedup_vs_naive", "frontend_share", "cache_rerun_speedup", "peak_memory_gb"}
    assert list(tmp_path.iterdir()) == [], "temporary files are removed"


def test_table_and_unknown_part(capsys, tmp_path):
    assert _bench("--quick", "--only", "detectors", "--workdir", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "kde" in out and "quick-mode figures" in out and "KDE scoring" in out
    assert "ok  " not in out and "MISS" not in out, "tiny sizes are not judged against the full targets"
    assert _bench("--quick", "--only", "gpu") == 2
    assert "extraction, cache, jobs, detectors, memory" in capsys.readouterr().err
