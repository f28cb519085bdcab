"""Load the results store into pandas, read-only (safe while a run writes: the store uses WAL).

The heavy JSON columns (configurations, per-domain metrics) are left out of the main frame;
the few values the leaderboard needs from them (MIMII's SNR, the DCASE year) are read with
SQLite's ``json_extract``, so 100k result rows load in well under a second.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..harness.store import DEFAULT_DB

DB_ENV = "AADBENCH_DB"

#: the filters of the app and of ``aadbench export``: frame column -> label
FILTERS = {"run_id": "Runs", "extractor": "Extractors", "detector": "Detectors", "weights": "Weights", "seed": "Seeds"}

_JSON = "CASE WHEN json_valid({col}) THEN json_extract({col}, '$.{key}') END"
#: the columns of the results frame; the JSON columns are left out (see load_details)
COLUMNS = {
    "job_key": "job_key", "run_id": "run_id", "dataset": "dataset",
    "snr": _JSON.format(col="dataset_config", key="snr"), "year": _JSON.format(col="dataset_config", key="year"),
    **{c: c for c in ("machine_type", "machine_id", "extractor", "weights", "pretrained", "detector", "seed",
                      "status", "error", "auc", "pauc", "n_scored", "extract_s", "n_extracted_clips", "fit_s",
                      "score_s", "device")},
}
RESULTS_SQL = "SELECT " + ", ".join(COLUMNS.values()) + " FROM results"


@dataclass
class DbState:
    """What the app can show: ``status`` is 'missing', 'unreadable', 'empty' or 'ok'."""

    path: Path
    status: str
    message: str
    n_results: int = 0


def resolve_db(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """``--db PATH`` among the script arguments, else ``$AADBENCH_DB``, else ./aadbench.sqlite."""
    argv = list(argv or [])
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            return Path(argv[i + 1]).expanduser()
        if arg.startswith("--db="):
            return Path(arg[5:]).expanduser()
    env = os.environ if env is None else env
    return Path(env.get(DB_ENV) or DEFAULT_DB).expanduser()


def connect(path: str | Path) -> sqlite3.Connection:
    """A read-only connection (``mode=ro``): never creates, locks out or changes the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"results database {path} does not exist")
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)


def db_state(path: str | Path) -> DbState:
    path = Path(path)
    if not path.exists():
        return DbState(path, "missing", f"No results database at `{path}`. Run a benchmark first, e.g. "
                                        f"`aadbench run --plugins resnet34,gmm --db {path}`, or pass `--db PATH`.")
    try:
        with _closing(connect(path)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"runs", "results"} <= tables:
                return DbState(path, "unreadable", f"`{path}` is not an aadbench results database "
                                                   "(no runs/results tables).")
            n = conn.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return DbState(path, "unreadable", f"Cannot read `{path}`: {exc}.")
    if n == 0:
        return DbState(path, "empty", f"`{path}` holds no results yet. Start a run with `aadbench run ... "
                                      f"--db {path}`; finished jobs appear here as they are stored.")
    return DbState(path, "ok", f"{n} results in `{path}`", n)


def db_signature(path: str | Path) -> tuple:
    """Changes whenever the database or its WAL file changes: a cache key for the app."""
    sig = []
    for p in (Path(path), Path(f"{path}-wal")):
        st = p.stat() if p.exists() else None
        sig.append((st.st_mtime_ns, st.st_size) if st else None)
    return tuple(sig)


class _closing:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: Any) -> None:
        self.conn.close()


def load_results(path: str | Path) -> pd.DataFrame:
    """Every result row (ok and failed), with ``snr``, ``year`` and a ``dataset_label``."""
    with _closing(connect(path)) as conn:
        rows = conn.execute(RESULTS_SQL).fetchall()
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for col in ("auc", "pauc", "extract_s", "fit_s", "score_s", "snr", "year"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce") if col in ("snr", "year") else frame[col].astype(float)
    frame["pretrained"] = frame["pretrained"].fillna(0).astype(int)
    frame["seed"] = frame["seed"].astype(int)
    keys = ["dataset", "snr", "year"]
    codes = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()  # numbered as first seen
    labels = np.array([dataset_label(*k) for k in frame[keys].drop_duplicates().itertuples(index=False)] + [""],
                      dtype=object)
    frame["dataset_label"] = pd.Series(labels[codes], index=frame.index, dtype=str)
    return frame


def _nan(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def dataset_label(dataset: str, snr: Any = None, year: Any = None) -> str:
    """'mimii 6 dB', 'dcase 2021', 'synthetic', ...: the unit one leaderboard table covers."""
    snr, year = _nan(snr), _nan(year)
    if dataset == "mimii" and snr is not None:
        return f"mimii {_fmt_num(snr)} dB"
    if dataset == "dcase" and year is not None:
        return f"dcase {_fmt_num(year)}"
    return str(dataset)


def _fmt_num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def load_runs(path: str | Path) -> pd.DataFrame:
    with _closing(connect(path)) as conn:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY started_at", conn)


def load_details(path: str | Path, keys: Sequence[str]) -> pd.DataFrame:
    """The JSON columns of the given jobs: configurations, protocol and metrics (as text)."""
    cols = "job_key, dataset_config, extractor_config, detector_config, protocol, metrics, error"
    return _select_in(path, f"SELECT {cols} FROM results WHERE job_key IN ({{marks}})", keys)


def load_clip_scores(path: str | Path, keys: Sequence[str]) -> pd.DataFrame:
    sql = "SELECT job_key, clip, label, domain, score FROM clip_scores WHERE job_key IN ({marks}) ORDER BY clip"
    return _select_in(path, sql, keys)


def _select_in(path: str | Path, sql: str, keys: Sequence[str]) -> pd.DataFrame:
    keys = list(dict.fromkeys(keys))
    parts = []
    with _closing(connect(path)) as conn:
        for i in range(0, max(len(keys), 1), 500):
            chunk = keys[i: i + 500]
            parts.append(pd.read_sql_query(sql.format(marks=",".join("?" * len(chunk))), conn, params=chunk))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def with_metrics(path: str | Path, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``metrics`` column of dicts (the per-domain entries of the official score)."""
    if frame.empty:
        return frame.assign(metrics=[])
    details = load_details(path, frame["job_key"].tolist())
    parsed = {k: _loads(m) for k, m in zip(details["job_key"], details["metrics"])}
    return frame.assign(metrics=[parsed.get(k, {}) for k in frame["job_key"]])


def _loads(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def options(frame: pd.DataFrame, column: str) -> list:
    if frame.empty or column not in frame:
        return []
    return sorted(frame[column].dropna().unique().tolist())


def filter_results(frame: pd.DataFrame, selections: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Keep the rows whose column value is among the selection; an empty selection keeps all."""
    mask = pd.Series(True, index=frame.index)
    for column, values in selections.items():
        if values:
            mask &= frame[column].isin(list(values))
    return frame[mask]


def default_dataset(frame: pd.DataFrame) -> str | None:
    """The dataset the app opens on: MIMII at 6 dB when present, else the one with most results."""
    ok = frame[frame["status"] == "ok"] if not frame.empty else frame
    if ok.empty:
        return None
    counts = ok["dataset_label"].value_counts()
    return "mimii 6 dB" if "mimii 6 dB" in counts.index else str(counts.index[0])
