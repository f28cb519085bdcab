"""``aadbench datasets check``: count and validate a dataset's clips before a run."""
from __future__ import annotations

import argparse
import json

from ..harness.params import ParameterError, apply, parse_assignments
from ..harness.registry import get_registry

EPILOG = """\
examples:
  aadbench datasets check --dataset mimii --data-root ~/data/mimii
  aadbench datasets check --dataset mimii --data-root ~/data/mimii --set mimii.snr=-6
  aadbench datasets check --dataset dcase --data-root ~/data/dcase2020/dev_data
  aadbench datasets check --dataset dcase --data-root ~/data/dcase2023/eval_data \\
      --set dcase.ground_truth=~/data/dcase2023_task2_evaluator/ground_truth_data
  aadbench datasets check --dataset folder --data-root ~/recordings/pump7 --json

Counts clips per task, split, label and domain, reads every file's header (sample rate,
channels, duration) and lists each unusable file with its reason: empty, truncated, Git LFS
pointer, not audio, NaN samples. Exit code 0 when no problem was found, 1 otherwise.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("datasets", help="inspect datasets on disk (datasets check)",
                       description="Inspect the datasets aadbench reads.")
    inner = p.add_subparsers(dest="datasets_command", metavar="SUBCOMMAND")
    c = inner.add_parser("check", help="count clips and find unusable files, without running a model",
                         description="Count a dataset's clips and check every file, without running a model.",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("--dataset", required=True, help="dataset name, e.g. mimii, dcase, folder")
    c.add_argument("--data-root", default=None, metavar="PATH", help="sets the dataset's data_root parameter")
    c.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME.PARAM=VALUE",
                   help="a parameter of the dataset (see `aadbench list --json`)")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.set_defaults(handler=run_check)
    p.set_defaults(handler=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_check(args: argparse.Namespace) -> int:
    from ..harness.dataset_check import check, format_check

    spec = get_registry(args.settings.registry).get("dataset", args.dataset)
    raw = parse_assignments(args.assignments)
    other = sorted(set(raw) - {args.dataset})
    if other:
        raise ParameterError(f"datasets check takes only {args.dataset}.PARAM=VALUE, not {', '.join(other)}")
    params = apply(args.dataset, spec.defaults, raw.get(args.dataset, {}))
    if args.data_root is not None:
        if "data_root" not in spec.defaults:
            raise ParameterError(f"dataset {args.dataset!r} has no data_root parameter; drop --data-root")
        params["data_root"] = args.data_root
    dataset = spec.create(**params)
    result = check(dataset, name=args.dataset, progress=not (args.no_progress or args.json))
    print(json.dumps(result, indent=2) if args.json else format_check(result))
    return 0 if result["ok"] else 1
