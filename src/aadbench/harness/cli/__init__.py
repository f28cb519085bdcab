"""The ``aadbench`` command line."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from ..registry import ENV_STRICT
from . import (bench_cmd, cache_cmd, datasets_cmd, export_cmd, leaderboard_cmd, list_cmd, plugins_cmd, run_cmd,
               synth_cmd, weights_cmd)

COMMANDS = (run_cmd, list_cmd, synth_cmd, datasets_cmd, weights_cmd, cache_cmd, leaderboard_cmd, export_cmd,
            plugins_cmd, bench_cmd)

DESCRIPTION = """\
aadbench: unsupervised acoustic anomaly detection benchmark for machine sounds.

Learn what a healthy machine sounds like from normal recordings only, then flag clips that
sound wrong. Reproduces Mueller et al., ICAART 2021 (image-transfer CNN features + classic
detectors) and extends it through plugins.

quick start (no data needed, bundled synthetic machine sounds):
  aadbench list                              every dataset, extractor and detector
  aadbench run --plugins resnet34,gmm        the paper's pipeline, AUC per machine
  aadbench synth ./synthetic-mimii           write the synthetic data as MIMII files
  aadbench leaderboard                       browse the results (Streamlit)
"""


class CliError(Exception):
    """An error the user can fix; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aadbench", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    from ... import __version__

    parser.add_argument("--version", action="version", version=f"aadbench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    parser.add_argument("--strict-plugins", action="store_true",
                        help="fail when an installed plugin cannot be loaded (default: report and skip it)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.strict_plugins:
        os.environ[ENV_STRICT] = "1"
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("interrupted: finished jobs are stored; run the same command again to continue", file=sys.stderr)
        return 130
    except Exception as exc:  # a clear message instead of a traceback, unless -v
        if args.verbose:
            raise
        from ..registry import PluginError, UnknownComponentError
        from ..params import ParameterError
        from ..weights import WeightsUnavailableError

        known = (CliError, PluginError, UnknownComponentError, ParameterError, ValueError, FileNotFoundError,
                 WeightsUnavailableError)
        if isinstance(exc, known):
            print(f"aadbench: error: {exc}", file=sys.stderr)
            return 2
        print(f"aadbench: error: {type(exc).__name__}: {exc} (run with -v for the traceback)", file=sys.stderr)
        return 1
