"""``aadbench fit``: fit one pipeline per task and write it as a model folder."""
from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from ..errors import ConfigError, plural
from ..harness.grid import RunRequest
from ..harness.params import parse_assignments
from .run_cmd import _add_speed_options, _names, cache_options, request_from_args

EPILOG = """\
examples:
  aadbench fit --plugins resnet34,gmm --dataset folder --data-root ~/press3 --out press3.aadmodel
      one model per machine of the folder, on every normal recording
  aadbench fit --plugins resnet34,gmm --seed 0 --out check.aadmodel
      on the training clips of seed 0's split: scores equal what `aadbench run` stored for seed 0
  aadbench fit --best --db aadbench.sqlite --dataset folder --data-root ~/press3 --out press3.aadmodel
      per task, the pipeline with the best mean AUC stored in the database
  aadbench fit --plugins resnet34,gmm --validation ~/press3-labelled --out press3.aadmodel
      the F1-best threshold on labelled clips (normal/ and anomalous/ subfolders)

then: aadbench score press3.aadmodel new-recording.wav   (see `aadbench score --help`)

A model folder holds a JSON manifest per task (components and their resolved parameters, the
audio policy, the standardiser, the threshold and how it was chosen, a summary of the training
data) and arrays in formats that run no code when read (npz without pickle, safetensors, skops).
Extractor weights are referenced by their SHA-256, or copied in with --embed-weights.
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser("fit", help="fit a pipeline per task on normal recordings and save it as a model",
                       description="Fit one extractor + detector pipeline per task (machine type and ID) on its "
                                   "normal training clips and write a model that `aadbench score` and "
                                   "aadbench.load_model() use on new recordings.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="the model folder to write (conventionally NAME.aadmodel)")
    p.add_argument("--plugins", action="append", default=[], metavar="NAMES",
                   help="one extractor and one detector, e.g. resnet34,gmm")
    p.add_argument("--dataset", default=None, help="dataset name (default: synthetic)")
    p.add_argument("--data-root", default=None, help="the dataset's folder")
    p.add_argument("--extractor", action="append", default=[], metavar="NAME", help="the extractor")
    p.add_argument("--detector", action="append", default=[], metavar="NAME", help="the detector")
    p.add_argument("--machines", default=None, help="only these machine types, e.g. fan,pump")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME.PARAM=VALUE",
                   help="set a component or protocol parameter (repeatable)")
    p.add_argument("--seed", type=int, default=None,
                   help="train on the paper's split for this seed (as `aadbench run` did), not on every normal clip")
    p.add_argument("--threshold-quantile", type=float, default=0.9,
                   help="decision threshold: this quantile of a gamma law fitted to the training clip scores "
                        "(default 0.9, as the DCASE baselines)")
    p.add_argument("--validation", default=None, metavar="DIR",
                   help="labelled clips (DIR/normal, DIR/anomalous, or DIR/<type>/<id>/...): the threshold "
                        "with the best F1 on them instead")
    p.add_argument("--embed-weights", action="store_true",
                   help="copy the extractor's checkpoint into the model (for machines that cannot download)")
    p.add_argument("--best", action="store_true",
                   help="per task, the pipeline with the best mean AUC stored in --db (says which)")
    p.add_argument("--db", default=None, help="results database for --best")
    p.add_argument("--weights", default=None, help="auto (default), imagenet, none or a checkpoint path")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.add_argument("--device", default=None, help="auto (GPU when present; the default), cpu, cuda or cuda:N")
    p.add_argument("--skip-bad-files", action="store_true", help="leave unreadable test files out")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first task that cannot be fitted")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    _add_speed_options(p)
    p.set_defaults(handler=fit, seeds=1, recompute=False)


def fit(args: argparse.Namespace) -> int:
    from ..harness.model import FitOptions, fit_models
    from ..harness.planner import plan_run
    from ..harness.registry import get_registry

    registry = get_registry(args.settings.registry)
    options = FitOptions(out=args.out, seed=args.seed, threshold_quantile=args.threshold_quantile,
                         validation=args.validation, embed_weights=args.embed_weights, cache=cache_options(args),
                         progress=not args.no_progress,
                         command="aadbench " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    if args.best:
        return _fit_best(args, registry, options)
    if args.db:
        raise ConfigError("--db goes with --best")
    plan = plan_run(request_from_args(args), registry)
    report = fit_models(plan, registry, options)
    return _finish(report, args.out)


def _finish(report: Any, out: str) -> int:
    n = len(report.fitted)
    print(f"\n{plural(n, 'task model')} written to {out}" + (f", {len(report.failed)} failed" if report.failed else ""))
    if n:
        print(f"score recordings with: aadbench score {shlex.quote(out)} FILE_OR_DIR ...")
    return 1 if report.failed or not n else 0


def _fit_best(args: argparse.Namespace, registry: Any, options: Any) -> int:
    import dataclasses

    from ..harness.model import FitReport, fit_models
    from ..harness.model.best import best_pipelines
    from ..harness.planner import plan_run

    if not args.db:
        raise ConfigError("--best needs --db RESULTS.sqlite (the database `aadbench run` wrote)")
    if args.plugins or args.extractor or args.detector:
        raise ConfigError("--best chooses the pipeline itself: drop --plugins, --extractor and --detector")
    from ..harness.planner import DEFAULT_DATASET

    base = request_from_args(args)
    choices = best_pipelines(args.db, args.dataset or DEFAULT_DATASET,
                             _names([args.machines]) if args.machines else None)
    total = FitReport()
    for task, choice in choices.items():
        print(f"{task}: {choice.describe()}")
        params = {**parse_assignments(args.assignments), choice.detector: dict(choice.detector_config)}
        request: RunRequest = dataclasses.replace(base, plugins=(choice.extractor, choice.detector), params=params,
                                                  machines=(task.split("/")[0],))
        task_plan = plan_run(request, registry)
        report = fit_models(task_plan, registry, dataclasses.replace(options, reason=choice.describe()),
                            only=(task,))
        total.fitted += report.fitted
        total.failed += report.failed
    return _finish(total, args.out)
