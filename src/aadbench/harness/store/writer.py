"""The results store's writer: the run's coordinator alone writes, one transaction per job.

Runners of the same or overlapping grids share a database safely: a job is *claimed* (by the
run, whose process id, host and heartbeat are in ``runs``) before it is computed, so a second
runner skips it and picks up the rest; the claims of a run that stopped without finishing
expire (its process is gone on this host, or its heartbeat is older than :data:`CLAIM_TTL_S`),
and such a run is marked ``interrupted`` when the store is next opened.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...errors import DataPathError, StoreError
from .. import environment
from ..grid import ClipScore, ResultRow
from ..identity import canonical_json
from .schema import DEFAULT_DB, JSON_COLUMNS, RESULT_COLUMNS, SCHEMA_VERSION, TABLES, UPGRADES

log = logging.getLogger(__name__)

#: seconds between a running run's heartbeats
HEARTBEAT_S = 10.0
#: a run whose heartbeat is older than this is taken for dead (its claims expire)
CLAIM_TTL_S = 120.0


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

    def __init__(self, path: str | Path = DEFAULT_DB, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            raise DataPathError(f"folder {self.path.parent} for the results database does not exist")
        try:
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self._mark_stopped_runs()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable results database ({exc}); pass another --db") from None
        self.conn.row_factory = sqlite3.Row

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer aadbench (schema {version}); upgrade aadbench")
        if version == SCHEMA_VERSION:
            return
        with self._tx() as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]  # another process may have upgraded it
            if version == 0:
                for statement in TABLES.split(";"):
                    if statement.strip():
                        c.execute(statement)
            for old in range(version or SCHEMA_VERSION, SCHEMA_VERSION):
                for statement in UPGRADES[old]:
                    c.execute(statement)
                log.info("upgraded the results database %s from schema %d to %d", self.path, old, old + 1)
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``: writers queue instead of deadlocking)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _dead_runs(self, c: sqlite3.Connection) -> list[str]:
        """Runs still marked running whose process is gone (this host) or whose heartbeat went quiet."""
        here, dead = environment.host(), []
        for run_id, host, pid, heartbeat in c.execute(
                "SELECT run_id, host, pid, heartbeat FROM runs WHERE status='running'").fetchall():
            gone = host == here and pid is not None and not _alive(int(pid))
            if gone or heartbeat is None or _age_s(heartbeat) > CLAIM_TTL_S:
                dead.append(run_id)
        return dead

    def _mark_stopped_runs(self) -> None:
        with self._tx() as c:
            for run_id in self._dead_runs(c):
                c.execute("UPDATE runs SET status='interrupted', finished_at=coalesce(heartbeat, started_at) "
                          "WHERE run_id=?", (run_id,))
                c.execute("DELETE FROM claims WHERE run_id=?", (run_id,))
                log.info("run %s in %s stopped without finishing: marked interrupted", run_id, self.path)

    def start_run(self, run_id: str, *, command: str, config: Mapping[str, Any], versions: Mapping[str, str],
                  host: str, device: str, n_jobs: int = 0, n_stored: int = 0) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO runs(run_id, started_at, status, command, config, versions, host, device, n_jobs, "
                      "n_computed, n_stored, n_failed, pid, heartbeat) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (run_id, now(), "running", command, canonical_json(config), canonical_json(versions), host,
                       device, n_jobs, 0, n_stored, 0, os.getpid(), now()))

    def heartbeat(self, run_id: str, n_computed: int | None = None, n_failed: int | None = None) -> None:
        """The run is alive (and, when given, has computed and failed so many jobs so far)."""
        with self._tx() as c:
            c.execute("UPDATE runs SET heartbeat=?, n_computed=coalesce(?, n_computed), "
                      "n_failed=coalesce(?, n_failed) WHERE run_id=?", (now(), n_computed, n_failed, run_id))

    def finish_run(self, run_id: str, status: str, counts: RunCounts | None = None) -> None:
        with self._tx() as c:
            c.execute("UPDATE runs SET finished_at=?, status=? WHERE run_id=?", (now(), status, run_id))
            c.execute("DELETE FROM claims WHERE run_id=?", (run_id,))
            if counts is not None:
                c.execute("UPDATE runs SET n_jobs=?, n_computed=?, n_stored=?, n_failed=? WHERE run_id=?",
                          (counts.n_jobs, counts.n_computed, counts.n_stored, counts.n_failed, run_id))

    def stored(self, keys: Sequence[str]) -> dict[str, str | None]:
        """The keys among ``keys`` with a successful result, and the digest of the data it was computed
        from (``None`` for results stored before digests existed)."""
        found: dict[str, str | None] = {}
        keys = list(keys)
        for i in range(0, len(keys), 500):
            chunk = keys[i: i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT job_key, data_digest FROM results WHERE status='ok' AND job_key IN ({marks})", chunk)
            found.update((key, digest) for key, digest in rows.fetchall())
        return found

    def done_keys(self, keys: Sequence[str]) -> set[str]:
        """The keys among ``keys`` that already have a successful result (whatever data it came from)."""
        return set(self.stored(keys))

    def save_manifests(self, manifests: Mapping[str, tuple[str, Mapping[str, Any]]]) -> None:
        """``digest -> (task, manifest)``: the data results are computed from (kept once per digest)."""
        with self._tx() as c:
            c.executemany("INSERT OR IGNORE INTO task_manifests(digest, task, clips) VALUES (?,?,?)",
                          [(d, task, canonical_json(m)) for d, (task, m) in manifests.items()])

    def manifest(self, digest: str) -> dict[str, list[Any]] | None:
        row = self.conn.execute("SELECT clips FROM task_manifests WHERE digest=?", (digest,)).fetchone()
        return json.loads(row[0]) if row else None

    def claim(self, run_id: str, keys: Sequence[str], digest: str | None = None) -> list[str]:
        """Claim for ``run_id`` the keys no live run holds and (for ``digest``) none has stored yet."""
        with self._tx() as c:
            for dead in self._dead_runs(c):
                c.execute("DELETE FROM claims WHERE run_id=?", (dead,))
            taken: set[str] = set()
            for i in range(0, len(keys), 500):
                chunk = list(keys[i: i + 500])
                marks = ",".join("?" * len(chunk))
                taken.update(r[0] for r in c.execute(
                    f"SELECT job_key FROM claims WHERE run_id != ? AND job_key IN ({marks})", [run_id, *chunk]))
                if digest is not None:
                    taken.update(r[0] for r in c.execute(
                        f"SELECT job_key FROM results WHERE status='ok' AND data_digest=? AND job_key IN ({marks})",
                        [digest, *chunk]))
            mine = [k for k in keys if k not in taken]
            c.executemany("INSERT OR REPLACE INTO claims(job_key, run_id, claimed_at) VALUES (?,?,?)",
                          [(k, run_id, now()) for k in mine])
        return mine

    def save(self, row: ResultRow, clip_scores: Sequence[ClipScore] = ()) -> None:
        """Store one job and its clip scores in one transaction (replacing a failed try)."""
        values = {**row.values(), "created_at": row.created_at or now()}
        for key in JSON_COLUMNS:
            if values[key] is not None and not isinstance(values[key], str):
                values[key] = canonical_json(values[key])
        cols = list(RESULT_COLUMNS)
        with self._tx() as c:
            c.execute("DELETE FROM claims WHERE job_key=?", (row.job_key,))
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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _age_s(stamp: str) -> float:
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return float("inf")
    return (datetime.now(timezone.utc) - then).total_seconds()
