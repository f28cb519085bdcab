"""``aadbench leaderboard``: browse the results store in a Streamlit app."""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

from ..harness.store import DEFAULT_DB


def add_parser(sub) -> None:
    p = sub.add_parser(
        "leaderboard", help="browse the stored results in a web app (Streamlit)",
        description="Start a Streamlit app over the results database: the table in the layout of "
                    "Mueller et al. (2021) with mean ± std over seeds, the paper's Table 1 side by side, "
                    "timings, ROC curves, run details and downloads. It reads the database read-only, so "
                    "it can stay open while `aadbench run` writes.",
        epilog="example: aadbench leaderboard --db results.sqlite --port 8501",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=DEFAULT_DB, help=f"results database (default: {DEFAULT_DB})")
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default: 8501)")
    p.add_argument("--address", default="localhost",
                   help="address to listen on (default: localhost; 0.0.0.0 to reach it from other machines)")
    p.set_defaults(handler=run)


def streamlit_command(db: str | Path, port: int, address: str = "localhost") -> list[str]:
    from ..leaderboard import APP_PATH

    return [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
            "--", "--db", str(Path(db).expanduser().resolve())]


def run(args: argparse.Namespace) -> int:
    from . import CliError

    if importlib.util.find_spec("streamlit") is None:
        raise CliError("the leaderboard needs streamlit: pip install 'aadbench[leaderboard]'")
    from ..leaderboard.data import db_state

    state = db_state(args.db)
    if state.status != "ok":
        print(f"note: {state.message.replace('`', '')} The app starts anyway and says so.", file=sys.stderr)
    print(f"leaderboard of {args.db} on http://{args.address}:{args.port}/ (Ctrl+C to stop)", flush=True)
    server = subprocess.Popen(streamlit_command(args.db, args.port, args.address))
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:  # Ctrl+C, SIGTERM (as SystemExit) or an error here: the server goes too
        stop(server)


def stop(process: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """Terminate a child process, killing it if it does not end within ``grace_s``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
