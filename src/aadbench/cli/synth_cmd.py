"""``aadbench synth``: write the synthetic dataset as MIMII-layout WAV files."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError, plural
from ..harness.params import apply, parse_assignments
from ..harness.registry import get_registry


def add_parser(sub) -> None:
    p = sub.add_parser(
        "synth", help="write the bundled synthetic dataset to disk (MIMII layout)",
        description="Write <type>/id_XX/{normal,abnormal}/NNNNNNNN.wav (16 kHz, 16-bit) with the same "
                    "audio that `--dataset synthetic` generates, e.g. to try the mimii reader or other tools.",
        epilog="example: aadbench synth ./synthetic-mimii --set synthetic.n_normal=100 --machines fan,valve",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out_dir", help="folder to write into (created if missing)")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="synthetic.PARAM=VALUE",
                   help="a parameter of the synthetic dataset (see `aadbench list --json`)")
    p.add_argument("--machines", default=None, help="machine types, e.g. fan,pump (default: all four)")
    p.add_argument("--subtype", choices=("PCM_16", "FLOAT"), default="PCM_16",
                   help="sample format: PCM_16 as MIMII (default) or FLOAT (bit-exact copies of the generated audio)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..datasets.synthetic.writer import write_mimii_tree

    spec = get_registry(args.settings.registry).get("dataset", "synthetic")
    raw = parse_assignments(args.assignments)
    other = sorted(set(raw) - {"synthetic"})
    if other:
        raise ConfigError(f"synth takes only synthetic.PARAM=VALUE, not {', '.join(other)}")
    params = apply("synthetic", spec.defaults, raw.get("synthetic", {}))
    if args.machines:
        params["machines"] = args.machines
    dataset = spec.create(**params)
    out = Path(args.out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder; pass a folder (new or existing)")
    n = write_mimii_tree(dataset, out, progress=not args.no_progress, subtype=args.subtype)
    print(f"wrote {plural(n, 'clip')} to {out} ({plural(len(dataset.machines), 'machine type')} x "
          f"{plural(len(dataset.ids), 'id')})")
    return 0
