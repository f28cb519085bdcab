"""Does bfloat16 (with channels_last) keep AUCs within 0.01 of float32? (not a test)

Runs the same grid twice on the bundled synthetic data, once per precision, and compares the
AUC of every job (task x extractor x detector x seed) and of every extractor x detector mean.

    python benchmarks/bfloat16_auc.py [--extractors resnet18,resnet34] [--seeds 5] [--weights none]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from aadbench.cli import main
from aadbench.harness.store import ResultsReader

DETECTORS = "gmm,bgmm,iforest,ocsvm,kde"


def _run(db: Path, cache: Path, extractors: list[str], args, fast: bool) -> float:
    argv = ["run", "--plugins", ",".join([*extractors, *args.detectors.split(",")]), "--seeds", str(args.seeds),
            "--weights", args.weights, "--device", "cpu", "--db", str(db), "--cache-dir", str(cache), "--no-progress"]
    for ext in extractors:
        if fast:
            argv += ["--set", f"{ext}.dtype=bfloat16", "--set", f"{ext}.channels_last=true"]
    for extra in args.set:
        argv += ["--set", extra]
    t0 = time.perf_counter()
    code = main(argv)
    if code not in (0, 1):
        sys.exit(code)
    return time.perf_counter() - t0


def _aucs(db: Path) -> dict[tuple, float]:
    with ResultsReader(db) as store:
        return {(r["extractor"], r["detector"], r["machine_type"], r["machine_id"], r["seed"]): r["auc"]
                for r in store.result_dicts() if r["status"] == "ok"}


def main_(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--extractors", default="resnet18,resnet34")
    p.add_argument("--detectors", default=DETECTORS)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--weights", default="none")
    p.add_argument("--set", action="append", default=[], help="extra --set for both runs (e.g. synthetic.n_normal=20)")
    p.add_argument("--workdir", default=None)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    extractors = args.extractors.split(",")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        root = Path(tmp)
        seconds = {"float32": _run(root / "f32.sqlite", root / "cache", extractors, args, False),
                   "bfloat16": _run(root / "bf16.sqlite", root / "cache", extractors, args, True)}
        f32, bf16 = _aucs(root / "f32.sqlite"), _aucs(root / "bf16.sqlite")
    rows = []
    for ext in extractors:
        for det in args.detectors.split(","):
            keys = [k for k in f32 if k[0] == ext and k[1] == det and k in bf16]
            if not keys:
                continue
            diffs = [bf16[k] - f32[k] for k in keys]
            mean32 = sum(f32[k] for k in keys) / len(keys)
            mean16 = sum(bf16[k] for k in keys) / len(keys)
            rows.append({"extractor": ext, "detector": det, "jobs": len(keys), "mean_auc_float32": mean32,
                         "mean_auc_bfloat16": mean16, "mean_diff": mean16 - mean32,
                         "max_abs_job_diff": max(abs(d) for d in diffs)})
    out = {"seconds": seconds, "rows": rows,
           "max_abs_mean_diff": max(abs(r["mean_diff"]) for r in rows),
           "max_abs_job_diff": max(r["max_abs_job_diff"] for r in rows)}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{'extractor':<15}{'detector':<10}{'jobs':>5}{'AUC f32':>9}{'AUC bf16':>10}{'mean diff':>11}"
          f"{'max |job diff|':>16}")
    for r in rows:
        print(f"{r['extractor']:<15}{r['detector']:<10}{r['jobs']:>5}{r['mean_auc_float32']:>9.4f}"
              f"{r['mean_auc_bfloat16']:>10.4f}{r['mean_diff']:>+11.4f}{r['max_abs_job_diff']:>16.4f}")
    print(f"max |mean diff| {out['max_abs_mean_diff']:.4f}, max |job diff| {out['max_abs_job_diff']:.4f}; "
          f"run time float32 {seconds['float32']:.0f} s, bfloat16 {seconds['bfloat16']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
