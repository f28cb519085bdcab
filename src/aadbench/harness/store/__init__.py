"""The results store: SQLite, one row per finished job, committed atomically.

:class:`ResultStore` writes (the run's coordinator alone); :class:`ResultsReader` is the
read API, read-only and safe while a run writes (WAL), used by the leaderboard and exports.
No pickle anywhere: configurations are JSON text, scores are plain columns.
"""
from .reader import DbState, ResultsReader
from .schema import DEFAULT_DB, RESULT_COLUMNS, SCHEMA_VERSION
from .writer import ResultStore, RunCounts, now

__all__ = ["DEFAULT_DB", "RESULT_COLUMNS", "SCHEMA_VERSION", "DbState", "ResultStore", "ResultsReader",
           "RunCounts", "now"]
