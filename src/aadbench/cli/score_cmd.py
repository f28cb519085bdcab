"""``aadbench score``: score recordings with a model written by ``aadbench fit``."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError

EPILOG = """\
examples:
  aadbench score press3.aadmodel today/*.wav
      per file: anomaly score, threshold, decision (and any audio problem), as a table
  aadbench score press3.aadmodel today/ --csv > today.csv
  aadbench score press3.aadmodel today/ --json          one JSON object per line
  aadbench score machines.aadmodel --task fan/id_00 rec.wav
      a model of several tasks: name the one to use
  aadbench score press3.aadmodel --watch /var/spool/press3
      score each new file once as it arrives (its size unchanged over one poll); what was scored
      is kept in DIR/.aadbench-scored.jsonl, so a restarted watch goes on where it stopped

Files at another sample rate or channel count go through the model's audio policy (resampled,
the channel it was fitted on, cropped or padded to its clip length) and the note column says so.
A file that cannot be read is reported and the others are scored; the exit code is 1 then.
"""

AUDIO = (".wav", ".flac", ".ogg")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("score", help="score recordings with a fitted model (aadbench fit)",
                       description="Score audio files with a model written by `aadbench fit`: anomaly score, "
                                   "threshold and decision per file.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="the model folder (NAME.aadmodel)")
    p.add_argument("paths", nargs="*", metavar="FILE_OR_DIR", help="audio files, or folders of them")
    p.add_argument("--task", default=None, help="which task's model (machine_type/machine_id) where it holds several")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV on standard output")
    fmt.add_argument("--json", action="store_true", help="JSON lines on standard output")
    p.add_argument("--watch", default=None, metavar="DIR", help="score files as they arrive in DIR (Ctrl+C stops)")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between polls of --watch (default 2)")
    p.add_argument("--state", default=None,
                   help="--watch's record of scored files (default DIR/.aadbench-scored.jsonl)")
    p.add_argument("--device", default=None, help="cpu, cuda or auto (default: as fitted, the CPU without a GPU)")
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.set_defaults(handler=score)


def expand(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*") if p.suffix.lower() in AUDIO and not p.name.startswith("."))
            if not found:
                raise ConfigError(f"{text}: a folder with no .wav, .flac or .ogg file in it")
            out += found
        else:
            out.append(text)  # a missing or unreadable file is reported in its row
    return out


class Output:
    """Rows as an aligned table, CSV or JSON lines; flushed per row (a watch is read live)."""

    FIELDS = ("file", "score", "threshold", "anomalous", "problem", "note")

    def __init__(self, kind: str, stream: Any = None) -> None:
        self.kind, self.stream = kind, stream or sys.stdout
        self.writer = csv.writer(self.stream) if kind == "csv" else None
        self.started = False

    def header(self, width: int = 40) -> None:
        self.width = max(12, width)
        if self.kind == "csv" and self.writer is not None:
            self.writer.writerow(self.FIELDS)
        elif self.kind == "table":
            print(f"{'file':<{self.width}}  {'score':>12}  {'threshold':>12}  decision", file=self.stream)
        self.started = True

    def row(self, r: Any) -> None:
        d = r.as_dict()
        if self.kind == "json":
            print(json.dumps(d), file=self.stream)
        elif self.writer is not None:
            self.writer.writerow(["" if d[f] is None else d[f] for f in self.FIELDS])
        else:
            if r.score is None:
                line = f"{r.path:<{self.width}}  {'-':>12}  {r.threshold:>12.6g}  unreadable: {r.problem}"
            else:
                decision = "ANOMALOUS" if r.anomalous else "normal"
                note = f"  ({r.note})" if r.note else ""
                line = f"{r.path:<{self.width}}  {r.score:>12.6g}  {r.threshold:>12.6g}  {decision}{note}"
            print(line, file=self.stream)
        self.stream.flush()


def score(args: argparse.Namespace) -> int:
    from ..harness.model import Model

    if not args.paths and not args.watch:
        raise ConfigError("name audio files or folders to score, or --watch DIR")
    model = Model(args.model, device=args.device, offline=bool(args.offline or args.settings.offline))
    task = model.task(args.task)
    kind = "csv" if args.csv else "json" if args.json else "table"
    out = Output(kind)
    if kind == "table":
        print(f"model {model.path} · task {task.task} · {task.pipeline} · threshold {task.threshold:.6g} "
              f"({task.manifest['threshold']['method']})", file=sys.stderr)
    failed = 0
    if args.paths:
        files = expand(args.paths)
        out.header(max(len(f) for f in files))
        failed += _emit(task.score_files(files), out)
    if args.watch:
        from ..harness.model.watch import Watcher

        watcher = Watcher(task, args.watch, state=args.state, interval=args.interval)
        if not out.started:
            out.header(40)
        print(f"watching {watcher.folder} every {args.interval:g} s (Ctrl+C stops; scored files are recorded in "
              f"{watcher.state})", file=sys.stderr)
        try:
            watcher.run(out.row)
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
            return 0
    return 1 if failed else 0


def _emit(results: Iterable[Any], out: Output) -> int:
    failed = 0
    for r in results:
        out.row(r)
        failed += r.score is None
    return failed
