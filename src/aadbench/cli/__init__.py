"""The ``aadbench`` command line: every command, on top of the engine.

Errors the user can fix (:class:`aadbench.errors.AadbenchError`) are printed as one line
with exit code 2; anything else names its type, with exit code 1 (``-v`` shows the traceback).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext

from ..errors import AadbenchError
from . import (
    bench_cmd,
    cache_cmd,
    datasets_cmd,
    export_cmd,
    fit_cmd,
    leaderboard_cmd,
    list_cmd,
    plugins_cmd,
    run_cmd,
    score_cmd,
    synth_cmd,
    weights_cmd,
)
from .settings import read_settings

COMMANDS = (run_cmd, fit_cmd, score_cmd, list_cmd, synth_cmd, datasets_cmd, weights_cmd, cache_cmd, leaderboard_cmd,
            export_cmd, plugins_cmd, bench_cmd)

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
  aadbench fit --plugins resnet34,gmm --out m.aadmodel    fit once, then
  aadbench score m.aadmodel recordings/      score new recordings

environment: AADBENCH_OFFLINE=1 (as --offline), AADBENCH_CACHE (feature cache folder),
AADBENCH_PLUGINS / AADBENCH_DISABLE_PLUGINS / AADBENCH_NO_ENTRY_POINTS (which installed
plugins load, see `aadbench plugins --help`), AADBENCH_STRICT_PLUGINS=1 (as --strict-plugins).
"""


class CliError(AadbenchError):
    """An error the user can fix; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aadbench", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"aadbench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug messages")
    parser.add_argument("--progress", action="store_true",
                        help="draw progress bars even when standard error is not a terminal (default: only there)")
    parser.add_argument("--strict-plugins", action="store_true",
                        help="fail when an installed plugin cannot be loaded (default: report and skip it)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def print_error(exc: BaseException) -> None:
    """``aadbench: error: <first line>``, further lines indented below it."""
    first, *rest = (str(exc) or type(exc).__name__).splitlines()
    print(f"aadbench: error: {first}", file=sys.stderr)
    for line in rest:
        print(f"  {line}", file=sys.stderr)


@contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """SIGTERM ends a command as Ctrl+C does: ``finally`` blocks run, so child processes (the
    leaderboard's server, a local Dask cluster) are stopped and a run is marked interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    args.settings = read_settings(strict_plugins=args.strict_plugins)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    from ..progress import force

    try:
        with _terminate_on_sigterm(), (force() if args.progress else nullcontext()):  # a caller's force() holds
            code = int(args.handler(args) or 0)
            sys.stdout.flush()  # a closed pipe shows here, not in a message at exit
            return code
    except BrokenPipeError:  # `aadbench list --json | head`: the reader is gone, end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted: finished jobs are stored; run the same command again to continue", file=sys.stderr)
        return 130
    except AadbenchError as exc:
        if args.verbose:
            raise
        print_error(exc)
        return 2
    except Exception as exc:  # a bug, or a failure nobody foresaw: name it
        if args.verbose:
            raise
        print(f"aadbench: error: {type(exc).__name__}: {exc} (run with -v for the traceback)", file=sys.stderr)
        return 1
