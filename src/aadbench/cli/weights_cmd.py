"""``aadbench weights list|fetch|verify``: every extractor's pretrained checkpoints."""
from __future__ import annotations

import argparse
import json
from typing import Any

from .. import weights as w
from ..harness.registry import get_registry

EPILOG = """\
examples:
  aadbench weights list                       where every extractor's weights come from, cached or not
  aadbench weights fetch panns-cnn14,resnet34 download them into the torch hub cache (needs internet)
  aadbench weights verify                     check size and SHA-256 of every cached file
  aadbench weights fetch musicnn-pons         Pons et al.'s musicnn weights, from the musicnn wheel on the
                                              package index (pip download --no-deps; TensorFlow not needed)
  aadbench weights fetch musicnn-pons --from musicnn-0.1.0-py3-none-any.whl    from a wheel handed over

Files live in the torch hub cache ($TORCH_HOME/hub/checkpoints); copy that folder to a machine
without internet, or pass a file with --set NAME.weights=/path/to/file. With AADBENCH_OFFLINE=1
nothing touches the network.
"""


def add_parser(sub) -> None:
    p = sub.add_parser("weights", help="list, download and check the extractors' pretrained weights",
                       description="Where each extractor's pretrained weights come from, their licence, "
                                   "whether they are cached, their size and checksum.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("list", "fetch", "verify"), help="what to do")
    p.add_argument("names", nargs="*", metavar="NAMES", help="extractor names, comma-separated (default: all)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--check", action="store_true", help="list: also hash the cached files (as verify does)")
    p.add_argument("--from", dest="source", default=None, metavar="FILE",
                   help="fetch: make the files from this file instead of downloading it (musicnn-pons: the "
                        "musicnn-0.1.0 wheel, from `pip download --no-deps musicnn==0.1.0`)")
    p.set_defaults(handler=run)


def _selected(args: argparse.Namespace) -> list[Any]:
    registry = get_registry(args.settings.registry)
    names: list[str] = args.names
    wanted = [n.strip() for v in names for n in v.split(",") if n.strip()]
    if wanted:
        return [registry.get("extractor", n) for n in dict.fromkeys(wanted)]
    return [e.spec for e in registry.entries("extractor")]


def _base(spec: Any) -> dict[str, Any]:
    return {"extractor": spec.name, "domain": spec.domain, "licence": spec.licence,
            "non_commercial": bool(spec.non_commercial)}


def rows(specs: list[Any], *, hash_files: bool) -> list[dict[str, Any]]:
    """One row per (extractor, file); a row without ``file`` for extractors that fetch their own."""
    out = []
    for spec in specs:
        files = getattr(spec, "weights", ())
        if not files:
            note = ("weights resolved by the extractor itself (timm, hf: the model's Hugging Face hub repository)"
                    if "weights" in spec.defaults else "no pretrained weights: nothing to download")
            cache = str(w.hf_hub_cache()) if "weights" in spec.defaults else None
            out.append({**_base(spec), "file": None, "note": note, "cache": cache})
        for wf in files:
            state = w.verify(wf, hash_file=hash_files)
            out.append({**_base(spec), "licence": wf.licence or spec.licence,
                        "non_commercial": bool(wf.non_commercial or spec.non_commercial),
                        "url": wf.url, "source": wf.source, "expected_sha256": wf.sha256,
                        "expected_size": wf.size, **state})
    return out


def _size(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} MB"


def _checksum(row: dict[str, Any]) -> str:
    expected = row["expected_sha256"]
    declared = f"sha256 {expected[:8]}" if expected else "no checksum declared"
    status = row["checksum"]
    if status in ("missing", "unchecked"):
        return f"{declared} (not checked)" if status == "unchecked" else declared
    return {"ok": f"{declared}: ok", "mismatch": f"{declared}: MISMATCH",
            "unknown": f"no checksum declared (sha256 {str(row['sha256'])[:8]})"}[status]


def print_rows(out: list[dict[str, Any]], offline: bool) -> None:
    for row in out:
        flag = " [NON-COMMERCIAL]" if row["non_commercial"] else ""
        if row["file"] is None:
            print(f"{row['extractor']} [{row['domain']}]  {row['note']}")
            print(f"  licence: {row['licence'] or '-'}{flag}")
            if row["note"].startswith("weights resolved"):
                print(f"  cache:   {row['cache']}")
            continue
        present = "yes" if row["present"] else "no"
        print(f"{row['extractor']} [{row['domain']}]  present: {present}  size: {_size(row['size'])}  "
              f"checksum: {_checksum(row)}")
        print(f"  licence: {row['licence'] or '-'}{flag}")
        print(f"  file:    {row['path']}")
        print(f"  from:    {row['url']}")
    print(f"\ntorch hub cache: {w.hub_dir() / 'checkpoints'} (TORCH_HOME moves it); "
          f"offline ({w.ENV_OFFLINE}=1): {'yes' if offline else 'no'}")


def _fetch(specs: list[Any], offline: bool, source: str | None = None) -> tuple[list[dict[str, Any]], int]:
    results, failed = [], 0
    for spec in specs:
        for wf in getattr(spec, "weights", ()):
            try:
                path = w.fetch(wf, what=spec.name, offline=offline, source=source if wf.converter else None)
                results.append({"extractor": spec.name, "file": wf.filename, "path": str(path), "ok": True})
            except Exception as exc:  # network, checksum, offline: report and go on
                failed += 1
                results.append({"extractor": spec.name, "file": wf.filename, "ok": False,
                                "error": f"{type(exc).__name__}: {exc}"})
    return results, failed


def run(args: argparse.Namespace) -> int:
    specs = _selected(args)
    if args.action == "fetch":
        results, failed = _fetch(specs, args.settings.offline, args.source)
        if args.json:
            print(json.dumps(results, indent=2))
        for r in ([] if args.json else results):
            print(f"{r['extractor']}: {r['path']}" if r["ok"] else f"{r['extractor']}: FAILED {r['error']}")
        if not results and not args.json:
            print("nothing to fetch: none of these extractors declares a weights file")
        return 1 if failed else 0
    out = rows(specs, hash_files=args.action == "verify" or args.check)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print_rows(out, args.settings.offline)
    if args.action == "verify":
        bad = [r for r in out if r["file"] is not None and r["checksum"] in ("missing", "mismatch")]
        return 1 if bad else 0
    return 0
