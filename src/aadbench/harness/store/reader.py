"""The results store's read API: read-only, safe while a run writes (the store uses WAL).

Used by the leaderboard and the exports; it never creates, locks out or changes the file,
and reads databases of every schema version (columns a version lacks read as ``None``).
A column is named as in the schema, or ``json_column.key`` for one value inside a JSON
column (``dataset_config.snr``), read with SQLite's ``json_extract`` so that 100k rows load
in well under a second.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import StoreNotFoundError, plural
from .schema import JSON_COLUMNS, RESULT_COLUMNS, RUN_COLUMNS

#: the most ``?`` placeholders one query carries
_CHUNK = 500


@dataclass(frozen=True)
class DbState:
    """What a reader finds: ``status`` is 'missing', 'unreadable', 'empty' or 'ok'."""

    path: Path
    status: str
    message: str
    n_results: int = 0


def _expression(column: str, have: set[str]) -> str:
    if column in RESULT_COLUMNS:
        return column if column in have else "NULL"  # a column an older schema lacks
    base, dot, key = column.partition(".")
    if dot and base in JSON_COLUMNS and key.replace("_", "").isalnum():
        return f"CASE WHEN json_valid({base}) THEN json_extract({base}, '$.{key}') END"
    raise ValueError(f"no result column {column!r}; columns: {', '.join(RESULT_COLUMNS)} "
                     f"(or json_column.key for {', '.join(JSON_COLUMNS)})")


class ResultsReader:
    """A read-only view of one results database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreNotFoundError(f"results database {self.path} does not exist; run `aadbench run` first")
        self.conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultsReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @staticmethod
    def state_of(path: str | Path) -> DbState:
        """Whether ``path`` holds results to show, with a message saying what to do otherwise."""
        path = Path(path)
        if not path.exists():
            return DbState(path, "missing", f"No results database at `{path}`. Run a benchmark first, e.g. "
                                            f"`aadbench run --plugins resnet34,gmm --db {path}`, or pass `--db PATH`.")
        try:
            with ResultsReader(path) as reader:
                tables = reader._tables()
                if not {"runs", "results"} <= tables:
                    return DbState(path, "unreadable", f"`{path}` is not an aadbench results database "
                                                       "(no runs/results tables).")
                n = reader.count()
        except sqlite3.DatabaseError as exc:
            return DbState(path, "unreadable", f"Cannot read `{path}`: {exc}.")
        if n == 0:
            return DbState(path, "empty", f"`{path}` holds no results yet. Start a run with `aadbench run ... "
                                          f"--db {path}`; finished jobs appear here as they are stored.")
        return DbState(path, "ok", f"{plural(n, 'result')} in `{path}`", n)

    def _tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def signature(self) -> tuple[tuple[int, int] | None, ...]:
        """Changes whenever the database or its WAL file changes: a cache key for readers."""
        return signature(self.path)

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM results").fetchone()[0])

    def results(self, columns: Sequence[str] = RESULT_COLUMNS, keys: Sequence[str] | None = None
                ) -> list[tuple[Any, ...]]:
        """Result rows as tuples of ``columns`` (every job, or those of ``keys``)."""
        have = set(self._columns("results"))
        select = "SELECT " + ", ".join(_expression(c, have) for c in columns) + " FROM results"
        if keys is None:
            return self.conn.execute(select).fetchall()
        return [row for chunk, marks in _chunks(keys)
                for row in self.conn.execute(f"{select} WHERE job_key IN ({marks})", chunk).fetchall()]

    def result_dicts(self, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        return [dict(zip(RESULT_COLUMNS, row)) for row in self.results(RESULT_COLUMNS, keys)]

    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first (columns a schema version lacks are ``None``)."""
        have = set(self._columns("runs"))
        select = ", ".join(c if c in have else f"NULL AS {c}" for c in RUN_COLUMNS)
        rows = self.conn.execute(f"SELECT {select} FROM runs ORDER BY started_at").fetchall()
        return [dict(zip(RUN_COLUMNS, row)) for row in rows]

    def details(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """The JSON columns (as text) and the error of the given jobs."""
        cols = ("job_key", *JSON_COLUMNS, "error")
        return [dict(zip(cols, row)) for row in self.results(cols, keys)]

    def clip_scores(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        """Per-clip scores of the given jobs, ordered by clip."""
        cols = ("job_key", "clip", "label", "domain", "score")
        out: list[dict[str, Any]] = []
        for chunk, marks in _chunks(keys):
            rows = self.conn.execute(f"SELECT {', '.join(cols)} FROM clip_scores WHERE job_key IN ({marks}) "
                                     f"ORDER BY clip", chunk).fetchall()
            out += [dict(zip(cols, row)) for row in rows]
        return out


def _chunks(keys: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i: i + _CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def signature(path: str | Path) -> tuple[tuple[int, int] | None, ...]:
    """(mtime, size) of the database and its WAL file; changes whenever either changes."""
    sig = []
    for p in (Path(path), Path(f"{path}-wal")):
        st = p.stat() if p.exists() else None
        sig.append((st.st_mtime_ns, st.st_size) if st else None)
    return tuple(sig)
