"""The results store's writer: the run's coordinator alone writes, one transaction per job."""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...errors import DataPathError, StoreError
from ..grid import ClipScore, ResultRow
from ..identity import canonical_json
from .schema import DEFAULT_DB, JSON_COLUMNS, RESULT_COLUMNS, SCHEMA_VERSION, TABLES, UPGRADES

log = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunCounts:
    """A run's jobs: in its grid, computed by it, found already stored, failed."""

    n_jobs: int = 0
    n_computed: int = 0
    n_stored: int = 0
    n_failed: int = 0


class ResultStore:
    """A SQLite file of runs, results and per-clip scores, opened for writing.

    Opening a database of an older schema upgrades it (with a message); one of a newer
    schema is refused.
    """

    def __init__(self, path: str | Path = DEFAULT_DB) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            raise DataPathError(f"folder {self.path.parent} for the results database does not exist")
        try:
            self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable results database ({exc}); pass another --db") from None
        self.conn.row_factory = sqlite3.Row

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer aadbench (schema {version}); upgrade aadbench")
        with self.conn:
            if version == 0:
                self.conn.executescript(TABLES)
            for old in range(version or SCHEMA_VERSION, SCHEMA_VERSION):
                for statement in UPGRADES[old]:
                    self.conn.execute(statement)
                log.info("upgraded the results database %s from schema %d to %d", self.path, old, old + 1)
            self.conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self.conn:
            yield self.conn

    def start_run(self, run_id: str, *, command: str, config: Mapping[str, Any], versions: Mapping[str, str],
                  host: str, device: str, n_jobs: int = 0, n_stored: int = 0) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO runs(run_id, started_at, status, command, config, versions, host, device, n_jobs, "
                      "n_computed, n_stored, n_failed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                      (run_id, now(), "running", command, canonical_json(config), canonical_json(versions), host,
                       device, n_jobs, 0, n_stored, 0))

    def finish_run(self, run_id: str, status: str, counts: RunCounts | None = None) -> None:
        with self._tx() as c:
            c.execute("UPDATE runs SET finished_at=?, status=? WHERE run_id=?", (now(), status, run_id))
            if counts is not None:
                c.execute("UPDATE runs SET n_jobs=?, n_computed=?, n_stored=?, n_failed=? WHERE run_id=?",
                          (counts.n_jobs, counts.n_computed, counts.n_stored, counts.n_failed, run_id))

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

    def save(self, row: ResultRow, clip_scores: Sequence[ClipScore] = ()) -> None:
        """Store one job and its clip scores in one transaction (replacing a failed try)."""
        values = {**row.values(), "created_at": row.created_at or now()}
        for key in JSON_COLUMNS:
            if values[key] is not None and not isinstance(values[key], str):
                values[key] = canonical_json(values[key])
        cols = list(RESULT_COLUMNS)
        with self._tx() as c:
            c.execute("DELETE FROM clip_scores WHERE job_key=?", (row.job_key,))
            c.execute(f"INSERT OR REPLACE INTO results({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                      [values[k] for k in cols])
            c.executemany("INSERT INTO clip_scores(job_key, clip, label, domain, score) VALUES (?,?,?,?,?)",
                          [(row.job_key, s.clip, s.label, s.domain, s.score) for s in clip_scores])

    def results(self, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Result rows as dicts (the writer's view; readers use :class:`ResultsReader`)."""
        if keys is None:
            return [dict(r) for r in self.conn.execute("SELECT * FROM results").fetchall()]
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
