"""``aadbench run``: run a grid of extractors x detectors x seeds on a dataset."""
from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import weights
from ..errors import ConfigError, plural
from ..harness.grid import CacheOptions, RunRequest
from ..harness.params import parse_assignments
from ..harness.store.schema import DEFAULT_DB

if TYPE_CHECKING:
    from ..harness.pipeline import ExecutionOptions, RunReport

EPILOG = """\
examples:
  aadbench run --plugins resnet34,gmm
      the paper's best pipeline on the bundled synthetic data, 5 seeds
  aadbench run --plugins resnet18,resnet34,gmm,bgmm,iforest,ocsvm,kde --seeds 3 --weights none
  aadbench run --plugins resnet34,gmm --set synthetic.n_normal=40 --set gmm.n_components=8
  aadbench run --plugins resnet34,gmm --dataset mimii --data-root ~/data/mimii
  aadbench run --plugins resnet34,gmm --dataset dcase --data-root ~/data/dcase2020/dev_data
  aadbench run --plugins resnet34,gmm --dataset folder --data-root ~/recordings/press3
  aadbench run --plugins resnet34,gmm --set resnet34.dtype=bfloat16 --set resnet34.channels_last=true
      about twice the CNN throughput on a recent CPU (AUCs within 0.01 of float32 on the synthetic data)
  aadbench run --plugins resnet18,resnet34,gmm,kde --executor dask --address tcp://head:8786
      on a Dask cluster (without --address: a local cluster of --workers processes)

Parameters of any component are set with --set NAME.PARAM=VALUE (see `aadbench list --json`
for every parameter and default); protocol settings with --set protocol.n_test=100,
protocol.pooling=mean|median|max, protocol.standardize=false.
Results go to an SQLite file (--db); a job already stored is not computed again, so an
interrupted run continues where it stopped when the same command is run again.
Extracted features are cached per clip (see `aadbench cache info`), so a rerun with other
detectors or seeds extracts nothing.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run extractors x detectors on a dataset and store the results",
                       description="Extract features, fit detectors on normal clips, score held-out normal and "
                                   "anomalous clips and store AUC / pAUC per machine type and ID.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plugins", action="append", default=[], metavar="NAMES",
                   help="comma-separated component names of any kind, e.g. resnet34,gmm")
    p.add_argument("--dataset", default=None, help="dataset name (default: synthetic)")
    p.add_argument("--data-root", default=None, help="the dataset's folder (sets its data_root parameter)")
    p.add_argument("--extractor", action="append", default=[], metavar="NAMES", help="extractor names")
    p.add_argument("--detector", action="append", default=[], metavar="NAMES", help="detector names")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds, 0..N-1 (default 5, as the paper)")
    p.add_argument("--machines", default=None, help="only these machine types, e.g. fan,pump")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME.PARAM=VALUE",
                   help="set a component or protocol parameter (repeatable)")
    p.add_argument("--weights", default=None,
                   help="weights for every extractor: auto (default), imagenet, none, or a checkpoint path")
    p.add_argument("--offline", action="store_true",
                   help="never touch the network (as AADBENCH_OFFLINE=1): pretrained weights must be in the cache; "
                        "a run asking for absent ones fails at once, naming every missing file")
    p.add_argument("--device", default=None, help="auto (GPU when present; the default), cpu, cuda or cuda:N")
    p.add_argument("--db", default=DEFAULT_DB, help=f"results database (default ./{DEFAULT_DB})")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failing job")
    p.add_argument("--recompute", action="store_true",
                   help="compute every job of the grid again, even those stored for the data as it is now")
    p.add_argument("--skip-bad-files", action="store_true",
                   help="score a task even when some test files cannot be read (they are counted and left out); "
                        "unreadable training files are always skipped with a warning")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="settings from a YAML file (dataset:, plugins:, seeds:, set: ...); command-line options "
                        "win over it")
    p.add_argument("--print-config", action="store_true",
                   help="print the fully resolved configuration as YAML and exit (a file for --config)")
    p.add_argument("--output-path", default=None, metavar="DIR",
                   help="also write the run's results as JSON to DIR/results_<run id>.json (the format of "
                        "`aadbench export --format json`)")
    _add_speed_options(p)
    p.set_defaults(handler=run)


def _add_speed_options(p: argparse.ArgumentParser) -> None:
    cache = p.add_argument_group("feature cache")
    cache.add_argument("--cache-dir", default=None,
                       help="feature cache folder (default $AADBENCH_CACHE or ~/.cache/aadbench/features)")
    cache.add_argument("--no-cache", action="store_true", help="neither read nor write cached features")
    cache.add_argument("--cache-key", choices=("fingerprint", "content"), default="fingerprint",
                       help="identify clips by path, size and mtime (fingerprint, default) or by a SHA-256 of "
                            "their decoded audio (content: every clip is read on a rerun)")
    ex = p.add_argument_group("execution")
    ex.add_argument("--executor", choices=("local", "dask"), default="local",
                    help="local: in this process (default); dask: on a Dask distributed cluster")
    ex.add_argument("--address", default=None,
                    help="Dask scheduler, e.g. tcp://host:8786 (default: start a local cluster)")
    ex.add_argument("--workers", type=int, default=2, help="worker processes of the local Dask cluster (default 2)")
    ex.add_argument("--jobs", type=int, default=None, metavar="N",
                    help="detector jobs fitted at once in worker processes, one BLAS thread each (default: the "
                         "number of CPU cores; 1 fits them one after another in this process). Jobs on a GPU "
                         "run one at a time")
    ex.add_argument("--gpu-workers", action="store_true",
                    help="place extraction jobs on Dask workers started with --resources GPU=1 "
                         "(implied by --device cuda with --executor dask)")


def _names(values: list[str]) -> tuple[str, ...]:
    return tuple(n.strip() for v in values for n in v.split(",") if n.strip())


def request_from_args(args: argparse.Namespace) -> RunRequest:
    """What the command line asks for (names and ``--set`` values as given; the planner checks them)."""
    from .config_file import apply

    args = apply(args)
    params: dict[str, dict[str, Any]] = {k: dict(v) for k, v in getattr(args, "file_params", {}).items()}
    for label, values in parse_assignments(args.assignments).items():  # the command line's --set wins
        params.setdefault(label, {}).update(values)
    return RunRequest(
        plugins=_names(args.plugins), dataset=args.dataset, data_root=args.data_root,
        extractors=_names(args.extractor), detectors=_names(args.detector),
        params=params, seeds=args.seeds,
        machines=_names([args.machines]) if args.machines else None, weights=args.weights, device=args.device,
        fail_fast=args.fail_fast, skip_bad_files=args.skip_bad_files, recompute=args.recompute,
        offline=bool(args.offline or args.settings.offline))


def cache_options(args: argparse.Namespace) -> CacheOptions:
    """``--cache-dir`` / ``--no-cache`` / ``--cache-key`` (the default folder from the environment)."""
    if args.no_cache:
        return CacheOptions(None, args.cache_key)
    return CacheOptions(str(Path(args.cache_dir or args.settings.cache_dir).expanduser()), args.cache_key)


def execution_options(args: argparse.Namespace) -> ExecutionOptions:
    from ..harness.pipeline import ExecutionOptions

    command = "aadbench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return ExecutionOptions(cache=cache_options(args), executor=args.executor,
                            executor_options=_executor_options(args), progress=not args.no_progress,
                            command=command)


def execute(args: argparse.Namespace) -> tuple[RunReport, Any]:
    """Plan and run what ``args`` ask for; the report and the stored rows of the run's grid."""
    from ..harness.pipeline import Runner
    from ..harness.planner import plan_run, weights_requests
    from ..harness.registry import get_registry
    from ..harness.store import ResultStore
    from ..leaderboard.summary import results_frame

    registry = get_registry(args.settings.registry)
    plan = plan_run(request_from_args(args), registry)
    weights.preflight(weights_requests(plan, registry), offline=plan.offline)
    with ResultStore(args.db) as store:
        report = Runner(registry, store, plan, execution_options(args)).run()
        frame = results_frame(store.results(list(report.keys)))
    return report, frame


def run(args: argparse.Namespace) -> int:
    if args.print_config:
        from ..harness.planner import plan_run
        from ..harness.registry import get_registry
        from .config_file import dump, resolved

        request = request_from_args(args)
        print(dump(resolved(plan_run(request, get_registry(args.settings.registry)), request)), end="")
        return 0
    report, frame = execute(args)
    print_summary(report, frame, args.db)
    if args.output_path:
        from ..leaderboard import results_json

        path = results_json.write(args.db, Path(args.output_path) / f"results_{report.run_id}.json", report.keys)
        print(f"results as JSON: {path}")
    return 1 if report.failed else 0


def _executor_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, not {args.jobs}")
    if args.executor != "dask":
        if args.address or args.gpu_workers:
            raise ConfigError("--address and --gpu-workers go with --executor dask")
        return {"jobs": args.jobs if args.jobs is not None else (os.cpu_count() or 1)}
    gpu = args.gpu_workers or str(args.device).startswith("cuda")
    return {"address": args.address, "n_workers": args.workers, "gpu_workers": gpu}


def print_summary(report: RunReport, frame: Any, db: str) -> None:
    import pandas as pd

    from ..leaderboard.summary import failures, run_summary
    from ..leaderboard.tables import FLAG_NOTE

    table = run_summary(frame)
    with pd.option_context("display.max_columns", None, "display.width", 200):
        print(table.to_string() if not table.empty else "no successful results")
        ok = frame[frame["status"] == "ok"] if not frame.empty else frame
        if not ok.empty and "auc_target" in ok and ok["auc_target"].notna().any():  # DCASE 2021+ domains
            for metric in ("auc_source", "auc_target", "pauc"):
                scoped = ok[ok[metric].notna()]
                print("\n" + run_summary(scoped, metric).to_string())
    ok = frame[frame["status"] == "ok"] if not frame.empty else frame
    if not ok.empty and ok["weights"].eq("random").any():
        print("note: rows marked (random weights) used randomly initialised networks, not pretrained ones")
    if not ok.empty and ok["flagged"].any():
        print(f"note: {FLAG_NOTE}")
    for note in report.notes:
        print(f"note: {note}")
    clips_s = report.extracted_clips / report.extract_s if report.extract_s else 0.0
    elsewhere = f", {report.elsewhere} being computed by another run" if report.elsewhere else ""
    print(f"\njobs: {report.computed} computed, {report.skipped} already stored, {report.failed} failed{elsewhere} "
          f"(results in {db}, run {report.run_id})")
    if report.computed or report.failed or report.elsewhere:
        cached = f"; {report.cached_clips} more read from the feature cache" if report.cached_clips else ""
        print(f"time: extraction {report.extract_s:.1f} s ({plural(report.extracted_clips, 'clip')} extracted, "
              f"{clips_s:.2f} clips/s{cached}; {plural(report.decoded, 'file')} decoded), fit {report.fit_s:.1f} s, "
              f"scoring {report.score_s:.1f} s")
    else:
        print("nothing to compute: every job of this grid is stored (no network was built)")
    _print_problems(report.problems)
    for line in failures(frame):
        print(f"FAILED {line}")


def _print_problems(problems: list[tuple[str, str, str, str]], shown: int = 5) -> None:
    """Files left out of the tasks: counted by kind, the first few named."""
    if not problems:
        return
    kinds = Counter(kind for _, _, kind, _ in problems)
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"files: {len(problems)} could not be read and were left out ({counts}):")
    for task, _, _, message in problems[:shown]:
        print(f"  {task}: {message}")
    if len(problems) > shown:
        print(f"  ... and {len(problems) - shown} more (aadbench datasets check lists them all)")
