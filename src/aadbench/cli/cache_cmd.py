"""``aadbench cache info|clear``: the on-disk feature cache."""
from __future__ import annotations

import argparse
import json

from ..errors import plural


def add_parser(sub) -> None:
    p = sub.add_parser("cache", help="show or clear the feature cache",
                       description="Extracted features are cached per clip and extractor configuration, so a "
                                   "rerun with other detectors or seeds extracts nothing. The cache lives in "
                                   "$AADBENCH_CACHE or ~/.cache/aadbench/features unless --cache-dir says otherwise.",
                       epilog="examples:\n  aadbench cache info\n  aadbench cache clear --extractor resnet34",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="cache_action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="entries and size per extractor configuration")
    info.add_argument("--json", action="store_true", help="print JSON")
    clear = actions.add_parser("clear", help="remove cached features")
    clear.add_argument("--extractor", default=None, help="only this extractor name (or configuration hash)")
    for q in (info, clear):
        q.add_argument("--cache-dir", default=None, help="the cache folder (default $AADBENCH_CACHE or "
                                                         "~/.cache/aadbench/features)")
        q.set_defaults(handler=run)


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def run(args: argparse.Namespace) -> int:
    from ..harness.cache import FeatureCache

    cache = FeatureCache(args.cache_dir)
    if args.cache_action == "clear":
        entries, size = cache.clear(args.extractor)
        print(f"removed {plural(entries, 'entry', 'entries')} ({_size(size)}) from {cache.root}")
        return 0
    rows = cache.info()
    if args.json:
        print(json.dumps({"root": str(cache.root), "extractors": rows,
                          "entries": sum(r["entries"] for r in rows), "bytes": sum(r["bytes"] for r in rows)}))
        return 0
    print(f"feature cache: {cache.root}")
    if not rows:
        print("(empty)")
        return 0
    width = max(len(r["extractor"]) for r in rows)
    for r in rows:
        print(f"  {r['extractor']:<{width}}  {r['hash']}  {r['weights'] or '-':<8} {r['dtype'] or '-':<9} "
              f"{r['entries']:>7} {'clip' if r['entries'] == 1 else 'clips':<5}  {_size(r['bytes']):>10}")
    print(f"  total: {plural(sum(r['entries'] for r in rows), 'clip')}, {_size(sum(r['bytes'] for r in rows))}")
    return 0
