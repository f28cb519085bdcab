"""``aadbench export``: the leaderboard's tables as CSV, Markdown or LaTeX."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ConfigError, StoreNotFoundError, plural
from ..harness.store.schema import DEFAULT_DB

FORMATS = ("csv", "md", "latex", "json", "html", "dcase-submission", "stats")
TABLES = ("main", "paper", "timing", "intervals")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="write the leaderboard as CSV, Markdown, LaTeX, JSON or one HTML page",
        description="Write the tables of `aadbench leaderboard` from the command line. main: rows "
                    "extractor x detector (x weights), columns machine type x ID, mean ± std over seeds in "
                    "percent, per-type and overall averages, rank, best in bold and second best in italics "
                    "(underlined in LaTeX); one table per dataset. paper: MIMII 6 dB runs with ImageNet "
                    "weights beside Mueller et al. (2021) Table 1. timing: seconds per extractor, detector "
                    "and device. intervals: the bootstrap 95% interval of every AUC (pipeline x machine, seed means). "
                    "html: the whole board as one self-contained page (every table and interactive chart, "
                    "no network needed to view it) to publish as it is.",
        epilog="examples:\n  aadbench export --format md --db results.sqlite --dataset 'mimii 6 dB' > table.md\n"
               "  aadbench export --format html -o board.html\n      the leaderboard as one page to open or publish\n"
               "  aadbench export --format dcase-submission --out submission/ --extractors beats --detectors "
               "domain-knn --seeds 0\n      the challenge's anomaly_score_*.csv and decision_result_*.csv files "
               "of one pipeline and seed",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default: md)")
    p.add_argument("--db", default=DEFAULT_DB, help=f"results database (default: {DEFAULT_DB})")
    p.add_argument("--metric", choices=("auc", "pauc", "auc_source", "auc_target", "official"), default="auc",
                   help="cell values of the main table; auc_source / auc_target: each domain's AUC and official: "
                        "the DCASE score (DCASE 2021+ datasets)")
    p.add_argument("--table", choices=TABLES, default="main", help="which table (default: main)")
    p.add_argument("--dataset", default=None,
                   help="one dataset, as the leaderboard names it: 'mimii 6 dB', 'dcase 2021', 'synthetic' "
                        "(default: every dataset in the database)")
    for column, label in (("run_id", "runs"), ("extractor", "extractors"), ("detector", "detectors"),
                          ("weights", "weights"), ("seed", "seeds")):
        p.add_argument(f"--{label}", dest=column, default=None, metavar="A,B",
                       help=f"keep only these {label} (comma-separated)")
    p.add_argument("--output", "-o", default=None, help="write to this file instead of standard output")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="dcase-submission: the folder the files go to; stats: where the critical-difference "
                        "diagrams go (PNG)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..leaderboard import data

    state = data.db_state(args.db)
    if state.status == "missing":
        raise StoreNotFoundError(f"results database {args.db} does not exist; run `aadbench run` first")
    if state.status == "unreadable":
        raise ConfigError(state.message.replace("`", ""))
    frame = data.load_results(args.db) if state.status == "ok" else None
    if args.format == "dcase-submission":
        return _submission(frame, args)
    if args.format == "stats":
        return _stats(frame, args)
    if args.format == "json":
        return _json(frame, args)
    if args.format == "html":
        return _html(frame, args)
    if args.out:
        raise ConfigError("--out goes with --format dcase-submission or stats; tables go to --output or standard "
                          "output")
    if frame is None:
        print(f"note: {args.db} holds no results yet", file=sys.stderr)
        text = "" if args.format == "csv" else "(no results)\n"
    else:
        text = render(frame, args)
        if text.strip() in ("", "(no results match)"):
            print(f"no results match these choices in {args.db} (dataset {args.dataset or 'any'}, metric "
                  f"{args.metric}); `aadbench export --help` lists the filters", file=sys.stderr)
            return 1
    return _emit(text, args)


def _emit(text: str, args: argparse.Namespace) -> int:
    """``text`` to ``--output`` (saying so on stderr) or to standard output."""
    if args.output:
        Path(args.output).expanduser().write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _submission(frame, args: argparse.Namespace) -> int:
    from ..leaderboard import data
    from ..leaderboard.submission import write_submission

    if not args.out:
        raise ConfigError("--format dcase-submission needs --out DIR")
    if frame is None:
        raise ConfigError(f"{args.db} holds no results yet")
    written = write_submission(args.db, data.filter_results(frame, _selections(args)), args.out)
    print(f"wrote {plural(len(written.files), 'file')} for {written.pipeline}, seed {written.seed}, to {args.out}",
          file=sys.stderr)
    return 0


def _html(frame, args: argparse.Namespace) -> int:
    """The board of the jobs in view as one self-contained page."""
    from ..leaderboard import data, html_page

    if not args.output and _on_terminal():
        raise ConfigError("--format html writes a whole page (about 1 MB with its chart libraries): give a file, "
                          "e.g. -o board.html, or redirect standard output")
    frame = _in_view(frame, args)
    if frame is None:
        return 1
    return _emit(html_page.render(frame, data.load_runs(args.db), source=str(args.db)), args)


def _in_view(frame, args: argparse.Namespace):
    """The results the filters and ``--dataset`` keep; None (said on stderr) where none match."""
    from ..leaderboard import data

    if frame is None:
        raise ConfigError(f"{args.db} holds no results yet")
    frame = data.filter_results(frame, _selections(args))
    if args.dataset:
        frame = frame[frame["dataset_label"] == args.dataset]
    if frame.empty:
        print(f"no results match these choices in {args.db}", file=sys.stderr)
        return None
    return frame


def _on_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _json(frame, args: argparse.Namespace) -> int:
    """Runs, results and aggregates of the jobs in view as one JSON document."""
    import json

    from ..leaderboard import results_json

    frame = _in_view(frame, args)
    if frame is None:
        return 1
    return _emit(json.dumps(results_json.document(args.db, frame["job_key"].tolist()), indent=1, default=str)
                 + "\n", args)


def _stats(frame, args: argparse.Namespace) -> int:
    """Friedman, Nemenyi and Wilcoxon over the pipelines in view, per dataset; CD diagrams into --out."""
    from ..leaderboard import data, stats

    if frame is None:
        raise ConfigError(f"{args.db} holds no results yet")
    frame = data.filter_results(frame, _selections(args))
    labels = [args.dataset] if args.dataset else data.options(frame, "dataset_label")
    parts = []
    for label in labels:
        comp = stats.compare(frame[frame["dataset_label"] == label])
        if not comp.enough:
            continue
        parts.append(stats.to_markdown(label, comp))
        if args.out:
            Path(args.out).expanduser().mkdir(parents=True, exist_ok=True)
            name = "".join(ch if ch.isalnum() else "_" for ch in label)
            image = stats.cd_diagram(comp, str(Path(args.out).expanduser() / f"cd-{name}.png"))
            print(f"wrote {image}", file=sys.stderr)
    if not parts:
        print("no dataset in view has 2 pipelines or more on 2 machines or more: nothing to compare",
              file=sys.stderr)
        return 1
    return _emit("\n".join(parts), args)


def _selections(args: argparse.Namespace) -> dict[str, list]:
    out: dict[str, list] = {}
    for column in ("run_id", "extractor", "detector", "weights", "seed"):
        raw = getattr(args, column, None)
        if raw:
            values = [v.strip() for v in str(raw).split(",") if v.strip()]
            out[column] = [int(v) for v in values] if column == "seed" else values
    return out


def render(frame, args: argparse.Namespace) -> str:
    """The chosen table of the filtered frame in the chosen format."""
    from ..leaderboard import data, tables

    frame = data.filter_results(frame, _selections(args))
    if args.table == "paper":
        return _flat(tables.paper_comparison(frame), args.format)
    labels = data.options(frame, "dataset_label")
    if args.dataset:
        if args.dataset not in labels:
            raise ConfigError(f"--dataset {args.dataset!r}: the database has {', '.join(map(repr, labels)) or 'none'}")
        labels = [args.dataset]
    if args.table == "timing":
        return _flat(tables.timing_table(frame[frame["dataset_label"].isin(labels)]), args.format)
    if args.table == "intervals":
        parts = [tables.interval_table(frame[frame["dataset_label"] == label]) for label in labels]
        found = [(label, p) for label, p in zip(labels, parts) if not p.empty]
        return "".join(f"{label}: bootstrap 95% intervals of the AUC (%)\n" + _flat(p.reset_index(), args.format)
                       + "\n" for label, p in found)
    return _main_tables(frame, labels, args)


def _main_tables(frame, labels: list[str], args: argparse.Namespace) -> str:
    from ..leaderboard import data, tables

    boards = []
    for label in labels:
        scoped = frame[frame["dataset_label"] == label]
        if args.metric not in tables.available_metrics(scoped):
            if args.dataset:
                raise ConfigError(f"--metric {args.metric}: {label} has no {tables.METRICS[args.metric]}")
            continue
        if args.metric == "official":
            scoped = data.with_metrics(args.db, scoped)
        boards.append((label, tables.leaderboard(scoped, args.metric, title=f"{label}: {tables.METRICS[args.metric]}")))
    if args.format == "csv":
        import pandas as pd

        parts = [tables.long_frame(b).assign(dataset=label, metric=args.metric) for label, b in boards]
        return pd.concat(parts, ignore_index=True).to_csv(index=False, float_format="%.3f") if parts else ""
    render_one = tables.to_markdown if args.format == "md" else tables.to_latex
    return "\n".join(render_one(b) for _, b in boards) or "(no results match)\n"


def _flat(frame, fmt: str) -> str:
    from ..leaderboard import tables

    if fmt == "csv":
        return frame.to_csv(index=False, float_format="%.3f")
    return tables.frame_to_markdown(frame) if fmt == "md" else tables.frame_to_latex(frame)
