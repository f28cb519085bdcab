#!/bin/bash
# aadbench's GPU figures in one run: the paper's grid end to end from WAV files (benchmarks/paper_grid.py),
# then `aadbench bench --device cuda --only extraction,detectors`. Figures land in $OUT.
#
# Made for a GPU machine without network access whose Python lacks librosa and soundfile
# (../shared/GPU.md): download their wheels where pip works, into .whl/ (ignored by git), then
# run this script there with .whl carried:
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
#     --platform manylinux2014_x86_64 -d .whl librosa==0.11.0 audioread==3.1.0 decorator==5.3.1 \
#     soundfile==0.14.0 cffi==2.1.1 pycparser==3.12 pooch==1.9.0 platformdirs==4.14.9 soxr==1.1.0
#   OUT=/some/folder bash benchmarks/gpu_run.sh      # GRID_S, BENCH_S: time limits; FRACTION: of the 16 IDs
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/aadbench-gpu}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1 AADBENCH_OFFLINE=1 AADBENCH_NO_ENTRY_POINTS=1
export AADBENCH_CACHE=/tmp/fcache TORCH_HOME=/tmp/torch
nvidia-smi -L; nproc; free -g | head -2
python3 -c "import torch, librosa, soundfile, sklearn, aadbench.cli; print('torch', torch.__version__, 'sklearn', sklearn.__version__, torch.cuda.get_device_name())" || exit 1
start=$(date +%s)
timeout ${GRID_S:-400} python3 benchmarks/paper_grid.py --fraction ${FRACTION:-1} --device cuda --workdir /tmp/pg --json $OUT/paper_grid.json 2>&1 | tee $OUT/paper_grid.log
echo "grid exit ${PIPESTATUS[0]} after $(( $(date +%s) - start )) s"
python3 - <<'PY' 2>&1 | tee -a $OUT/paper_grid.log
import sqlite3, json, os
db = "/tmp/pg/grid.sqlite"
if os.path.exists(db):
    c = sqlite3.connect(db)
    print("stored:", c.execute("select status, count(*) from results group by status").fetchall())
    print("runs:", c.execute("select status, n_jobs, n_computed, started_at, heartbeat from runs").fetchall())
    print("auc by detector:", c.execute("select extractor, detector, round(avg(auc),3), round(avg(fit_s),2), device from results where status='ok' group by extractor, detector").fetchall())
PY
timeout ${BENCH_S:-170} python3 -m aadbench bench --device cuda --only extraction,detectors --json > $OUT/bench_cuda.json 2> $OUT/bench_cuda.log
echo "bench exit $?"; tail -30 $OUT/bench_cuda.log
python3 -c "
import json; from aadbench.cli.bench.report import format_table
print(format_table(json.load(open('$OUT/bench_cuda.json'))))" 2>&1 | tee $OUT/bench_cuda.txt
echo "total $(( $(date +%s) - start )) s"
