"""``aadbench list``: every component with its kind, provider and description."""
from __future__ import annotations

import argparse
import json

from ..harness.registry import KINDS, get_registry


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list datasets, extractors and detectors",
                       description="List every registered component (bundled and from installed plugins) "
                                   "with its kind, provider and one-line description. Never loads a model.")
    p.add_argument("--kind", choices=KINDS, help="only this kind")
    p.add_argument("--json", action="store_true", help="machine-readable output, with parameters and defaults")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    registry = get_registry(args.settings.registry)
    entries = registry.entries(args.kind)
    if args.json:
        out = [{**e.spec.info(), "provider": e.provider} for e in entries]
        print(json.dumps(out, indent=2, default=str))
        return 0
    width = max((len(e.spec.name) for e in entries), default=4)
    for kind in (KINDS if args.kind is None else (args.kind,)):
        rows = [e for e in entries if e.spec.kind == kind]
        print(f"{kind}s:")
        for e in rows:
            extra = f" [{getattr(e.spec, 'domain', 'none')}]" if kind == "extractor" else ""
            print(f"  {e.spec.name:<{width}}  {e.spec.summary}{extra}  ({e.provider})")
        print()
    for b in registry.broken:
        print(f"broken plugin {b.name} from {b.distribution}: {b.error}")
    return 0
