"""``aadbench list``: every component with its kind, provider and description."""
from __future__ import annotations

import argparse
import json
import shutil

from ..harness.registry import KINDS, get_registry


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list datasets, extractors and detectors",
                       description="List every registered component (bundled and from installed plugins) "
                                   "with its kind, provider and one-line description, in columns that fit the "
                                   "terminal (--json: every field, with parameters and defaults). Never loads a "
                                   "model.")
    p.add_argument("--kind", choices=KINDS, help="only this kind")
    p.add_argument("--json", action="store_true", help="machine-readable output, with parameters and defaults")
    p.set_defaults(handler=run)


def _table(kind: str, rows: list) -> str:
    """Aligned columns that fit the terminal (COLUMNS, or 100 off a terminal); `--json` has everything."""
    total = max(80, shutil.get_terminal_size((100, 24)).columns)
    cells = [(e.spec.name, getattr(e.spec, "domain", "") if kind == "extractor" else "",
              e.provider.split(" (")[0], e.spec.summary) for e in rows]
    header = ("name", "domain" if kind == "extractor" else "", "provider", "description")
    widths = [max(len(c[i]) for c in [*cells, header]) for i in range(3)]
    lines = []
    for c in [header, *cells]:
        left = "  " + "  ".join(f"{v:<{w}}" for v, w in zip(c[:3], widths) if w) + "  "
        room = max(10, total - len(left))
        text = c[3] if len(c[3]) <= room else c[3][: room - 1] + "…"
        lines.append((left + text).rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    registry = get_registry(args.settings.registry)
    entries = registry.entries(args.kind)
    if args.json:
        out = [{**e.spec.info(), "provider": e.provider} for e in entries]
        print(json.dumps(out, indent=2, default=str))
        return 0
    for kind in (KINDS if args.kind is None else (args.kind,)):
        rows = [e for e in entries if e.spec.kind == kind]
        print(f"{kind}s:")
        print(_table(kind, rows))
        print()
    for b in registry.broken:
        print(f"broken plugin {b.name} from {b.distribution}: {b.error}")
    return 0
