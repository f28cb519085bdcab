"""Scoring with a fitted model: load time, files/s and the model's size on this machine.

    python benchmarks/model_scoring.py [--extractor resnet34] [--detector gmm] [--files 40] [--json FILE]

Fits ``--extractor`` + ``--detector`` on one synthetic machine (random weights, 10 s clips,
``--train`` normal clips) with ``aadbench fit``, writes ``--files`` ten-second WAV files, then
measures in a fresh process: ``aadbench.load_model`` and the first task's build (the network
included), ``score_files`` over the files (reading, the extractor, the detector), and the
model folder's size on disk.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import json, sys, time
t0 = time.perf_counter()
import aadbench
model = aadbench.load_model(sys.argv[1])
task = model.task()
t1 = time.perf_counter()
files = sys.argv[2:]
results = task.score_files(files[:2])  # warm-up
t2 = time.perf_counter()
results = task.score_files(files)
t3 = time.perf_counter()
assert all(r.score is not None for r in results)
print(json.dumps({"load_s": t1 - t0, "files": len(files), "score_s": t3 - t2, "files_per_s": len(files) / (t3 - t2)}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extractor", default="resnet34")
    ap.add_argument("--detector", default="gmm")
    ap.add_argument("--train", type=int, default=40, help="normal training clips")
    ap.add_argument("--files", type=int, default=40, help="files scored")
    ap.add_argument("--components", type=int, default=80, help="GMM components (the paper's 80)")
    ap.add_argument("--json", default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    import soundfile as sf

    from aadbench.datasets.synthetic.dataset import SyntheticDataset

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "AADBENCH_CACHE": str(work / "cache"), "AADBENCH_NO_ENTRY_POINTS": "1"}
        syn = ["--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00", "--set",
               f"synthetic.n_normal={args.train}", "--set", "synthetic.n_anomalous=4"]
        fit = [sys.executable, "-m", "aadbench", "fit", "--plugins", f"{args.extractor},{args.detector}", *syn,
               "--weights", "none", "--device", "cpu", "--no-progress", "--out", str(work / "m.aadmodel")]
        if args.detector == "gmm":
            fit += ["--set", f"gmm.n_components={args.components}"]
        subprocess.run(fit, check=True, env=env, stdout=subprocess.DEVNULL)
        ds = SyntheticDataset(machines=["fan"], ids=["id_00"], n_normal=args.files, n_anomalous=4, seed=7)
        files = []
        for i, clip in enumerate(ds.tasks()[0].clips[: args.files]):
            path = work / "new" / f"{i:04d}.wav"
            path.parent.mkdir(exist_ok=True)
            sf.write(path, ds.load(clip), ds.sample_rate, subtype="PCM_16")
            files.append(str(path))
        out = subprocess.run([sys.executable, "-c", MEASURE, str(work / "m.aadmodel"), *files], check=True,
                             env=env, capture_output=True, text=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        size = sum(p.stat().st_size for p in (work / "m.aadmodel").rglob("*") if p.is_file())
        figures.update(pipeline=f"{args.extractor} + {args.detector}", model_bytes=size,
                       cores=os.cpu_count(), train_clips=args.train)
    rows = [("pipeline", figures["pipeline"]), ("load_model + build (s)", f"{figures['load_s']:.2f}"),
            ("files scored", figures["files"]), ("scoring (files/s, 10 s clips)", f"{figures['files_per_s']:.2f}"),
            ("model size", f"{size / 1e6:.2f} MB"), ("cores", figures["cores"])]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
