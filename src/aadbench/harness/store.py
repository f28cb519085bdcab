"""The results store: SQLite, one row per finished job, committed atomically.

No pickle anywhere: configurations are JSON text, scores are plain columns. WAL mode
lets the leaderboard read while a run writes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

SCHEMA_VERSION = 1
DEFAULT_DB = "aadbench.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    command TEXT, config TEXT NOT NULL, versions TEXT NOT NULL, host TEXT, device TEXT
);
CREATE TABLE IF NOT EXISTS results (
    job_key TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(run_id),
    dataset TEXT NOT NULL, dataset_config TEXT NOT NULL,
    machine_type TEXT NOT NULL, machine_id TEXT NOT NULL,
    extractor TEXT NOT NULL, extractor_config TEXT NOT NULL, weights TEXT NOT NULL, pretrained INTEGER NOT NULL,
    detector TEXT NOT NULL, detector_config TEXT NOT NULL, seed INTEGER NOT NULL, protocol TEXT NOT NULL,
    status TEXT NOT NULL, error TEXT,
    auc REAL, pauc REAL, n_train INTEGER, n_test_normal INTEGER, n_test_anomalous INTEGER, n_scored INTEGER,
    n_train_segments INTEGER, extract_s REAL, n_extracted_clips INTEGER, fit_s REAL, score_s REAL,
    device TEXT, metrics TEXT, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_cell ON results(dataset, extractor, detector, machine_type, machine_id);
CREATE TABLE IF NOT EXISTS clip_scores (
    job_key TEXT NOT NULL REFERENCES results(job_key) ON DELETE CASCADE,
    clip TEXT NOT NULL, label INTEGER NOT NULL, domain TEXT, score REAL NOT NULL,
    PRIMARY KEY (job_key, clip)
);
"""

RESULT_COLUMNS = (
    "job_key", "run_id", "dataset", "dataset_config", "machine_type", "machine_id", "extractor",
    "extractor_config", "weights", "pretrained", "detector", "detector_config", "seed", "protocol",
    "status", "error", "auc", "pauc", "n_train", "n_test_normal", "n_test_anomalous", "n_scored",
    "n_train_segments", "extract_s", "n_extracted_clips", "fit_s", "score_s", "device", "metrics", "created_at",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def job_key(**parts: Any) -> str:
    """A stable hash of everything that defines a job's result."""
    return hashlib.sha256(canonical_json(parts).encode()).hexdigest()[:32]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class ClipScore:
    clip: str
    label: int
    score: float
    domain: str = "source"


@dataclass
class JobResult:
    """Everything stored for one (task, extractor, detector, seed) job."""

    values: dict[str, Any]
    clip_scores: list[ClipScore] = field(default_factory=list)


class ResultStore:
    """A SQLite file of runs, results and per-clip scores."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"results database {self.path} does not exist; run `aadbench run` first")
            self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        else:
            if self.path.parent and not self.path.parent.exists():
                raise FileNotFoundError(f"folder {self.path.parent} for the results database does not exist")
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        self.conn.row_factory = sqlite3.Row

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} was written by a newer aadbench (schema {version}); upgrade aadbench")
        with self.conn:
            self.conn.executescript(_SCHEMA)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "ResultStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self.conn:
            yield self.conn

    def start_run(self, run_id: str, *, command: str, config: dict, versions: dict, host: str, device: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO runs(run_id, started_at, status, command, config, versions, host, device) "
                      "VALUES (?,?,?,?,?,?,?,?)", (run_id, now(), "running", command, canonical_json(config),
                                                   canonical_json(versions), host, device))

    def finish_run(self, run_id: str, status: str) -> None:
        with self._tx() as c:
            c.execute("UPDATE runs SET finished_at=?, status=? WHERE run_id=?", (now(), status, run_id))

    def done_keys(self, keys: Sequence[str]) -> set[str]:
        """The keys among ``keys`` that already have a successful result."""
        found: set[str] = set()
        keys = list(keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i: i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT job_key FROM results WHERE status='ok' AND job_key IN ({marks})", chunk).fetchall()
            found.update(r[0] for r in rows)
        return found

    def save(self, result: JobResult) -> None:
        """Store one job and its clip scores in one transaction (replacing a failed try)."""
        values = {**result.values, "created_at": now()}
        for key in ("dataset_config", "extractor_config", "detector_config", "protocol", "metrics"):
            if not isinstance(values.get(key), (str, type(None))):
                values[key] = canonical_json(values[key])
        cols = [c for c in RESULT_COLUMNS if c in values]
        with self._tx() as c:
            c.execute("DELETE FROM clip_scores WHERE job_key=?", (values["job_key"],))
            c.execute(f"INSERT OR REPLACE INTO results({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                      [values[k] for k in cols])
            c.executemany("INSERT INTO clip_scores(job_key, clip, label, domain, score) VALUES (?,?,?,?,?)",
                          [(values["job_key"], s.clip, s.label, s.domain, s.score) for s in result.clip_scores])

    def results(self, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        if keys is None:
            rows = self.conn.execute("SELECT * FROM results").fetchall()
            return [dict(r) for r in rows]
        out: list[dict[str, Any]] = []
        keys = list(keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i: i + 500]
            rows = self.conn.execute(
                f"SELECT * FROM results WHERE job_key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            out.extend(dict(r) for r in rows)
        return out

    def clip_scores(self, key: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT clip, label, domain, score FROM clip_scores WHERE job_key=? ORDER BY clip",
                                 (key,)).fetchall()
        return [dict(r) for r in rows]

    def runs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM runs ORDER BY started_at").fetchall()]

