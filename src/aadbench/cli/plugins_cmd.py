"""``aadbench plugins``: installed plugin distributions, their hooks and components."""
from __future__ import annotations

import argparse
import json

from ..harness.registry import ENV_DISABLE, ENV_NO_ENTRY_POINTS, ENV_ONLY, get_registry


def add_parser(sub) -> None:
    p = sub.add_parser(
        "plugins", help="list plugin distributions, the hooks they implement and what they provide",
        description="Every loaded plugin (bundled and from the 'aadbench' entry-point group) with its "
                    "distribution, version, hooks and components, and every plugin that failed to load.",
        epilog=f"environment: {ENV_DISABLE}=name1,name2 skips plugins by entry-point or distribution name; "
               f"{ENV_ONLY}=name1,name2 loads only those installed plugins; "
               f"{ENV_NO_ENTRY_POINTS}=1 loads the bundled plugins only.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    registry = get_registry(args.settings.registry)
    if args.json:
        print(json.dumps({
            "plugins": [vars(p) for p in registry.plugins],
            "broken": [vars(b) for b in registry.broken],
        }, indent=2))
        return 0
    for p in registry.plugins:
        print(f"{p.name}  ({p.distribution} {p.version})")
        print(f"  hooks: {', '.join(p.hooks) or '-'}")
        print(f"  provides: {', '.join(p.components) or '-'}")
    for b in registry.broken:
        print(f"BROKEN {b.name}  ({b.distribution}): {b.error}")
    return 0
