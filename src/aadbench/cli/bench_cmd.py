"""``aadbench bench``: extraction speed against a naive pipeline, cached reruns, detectors, memory."""
from __future__ import annotations

import argparse
import json
import sys

from ..errors import ConfigError

PARTS = ("extraction", "cache", "jobs", "detectors", "memory")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench", help="measure extraction speed, cached reruns, detector times and peak memory",
        description="Measures, in one run on this machine: extraction clips/s of aadbench (float32, and bfloat16 "
                    "with channels_last) against a naive per-file pipeline (on a GPU: against the network alone), "
                    "the frontend's share of extraction time, a 5-detector grid's first run against its fully "
                    "cached rerun, a detector-heavy grid with --jobs against --jobs 1, detector fit and score "
                    "seconds at the paper's scale (15k x 512 training rows, some at 15k x 4096, 5.4k scored), "
                    "and the peak memory of a 1000-clip ResNet task. The full mode takes about 30 minutes on 2 "
                    "cores; other work on the machine distorts the numbers.",
        epilog="examples:\n  aadbench bench --quick\n  aadbench bench --json > bench.json\n"
               "  aadbench bench --only extraction,detectors\n"
               "  aadbench bench --device cuda --only extraction,detectors",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes (well under a minute): checks that it works, "
                                                        "the numbers mean little")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts (default: {','.join(PARTS)})")
    p.add_argument("--workdir", default=None, help="folder for the temporary files (default: the system's)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda: the GPU path, with its backends")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from . import bench

    parts = tuple(x.strip() for x in args.only.split(",") if x.strip())
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ConfigError(f"--only {','.join(unknown)}: the parts are {', '.join(PARTS)}")
    scale = bench.QUICK if args.quick else bench.FULL
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if not args.json else (lambda s: None)
    result = bench.run_bench(scale, parts, log=log, workdir=args.workdir, device=args.device).as_dict()
    if args.json:
        print(json.dumps(result, default=float))
    else:
        print(bench.format_table(result))
    return 0
