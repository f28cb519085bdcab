"""The results database's schema: runs, one row per job, per-clip scores.

Version 2 adds the job counts of each run (``n_jobs``, ``n_computed``, ``n_stored``,
``n_failed``), so a run that found everything stored is shown as such, not as empty.
Version 3 adds the digest of the data each result was computed from (``results.data_digest``,
with the clip manifests in ``task_manifests``), the claims that keep two runners off the same
job (``claims``) and each run's process and heartbeat (``runs.pid``, ``runs.heartbeat``).
Older databases are upgraded when opened for writing, and read as they are.
"""
from __future__ import annotations

SCHEMA_VERSION = 3
DEFAULT_DB = "aadbench.sqlite"

#: version 3's tables (created by new databases and by the upgrade from 2)
MANIFESTS_AND_CLAIMS = """
CREATE TABLE IF NOT EXISTS task_manifests (
    digest TEXT PRIMARY KEY, task TEXT NOT NULL, clips TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    job_key TEXT PRIMARY KEY, run_id TEXT NOT NULL, claimed_at TEXT NOT NULL
);
"""

TABLES = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
    command TEXT, config TEXT NOT NULL, versions TEXT NOT NULL, host TEXT, device TEXT,
    n_jobs INTEGER, n_computed INTEGER, n_stored INTEGER, n_failed INTEGER, pid INTEGER, heartbeat TEXT
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
    device TEXT, metrics TEXT, created_at TEXT NOT NULL, data_digest TEXT
);
CREATE INDEX IF NOT EXISTS results_cell ON results(dataset, extractor, detector, machine_type, machine_id);
CREATE TABLE IF NOT EXISTS clip_scores (
    job_key TEXT NOT NULL REFERENCES results(job_key) ON DELETE CASCADE,
    clip TEXT NOT NULL, label INTEGER NOT NULL, domain TEXT, score REAL NOT NULL,
    PRIMARY KEY (job_key, clip)
);
""" + MANIFESTS_AND_CLAIMS

#: schema version -> the statements that bring a database of that version to the next
UPGRADES = {
    1: ["ALTER TABLE runs ADD COLUMN n_jobs INTEGER", "ALTER TABLE runs ADD COLUMN n_computed INTEGER",
        "ALTER TABLE runs ADD COLUMN n_stored INTEGER", "ALTER TABLE runs ADD COLUMN n_failed INTEGER"],
    2: ["ALTER TABLE results ADD COLUMN data_digest TEXT", "ALTER TABLE runs ADD COLUMN pid INTEGER",
        "ALTER TABLE runs ADD COLUMN heartbeat TEXT",
        *[s.strip() for s in MANIFESTS_AND_CLAIMS.split(";") if s.strip()]],
}

RUN_COLUMNS = ("run_id", "started_at", "finished_at", "status", "command", "config", "versions", "host", "device",
               "n_jobs", "n_computed", "n_stored", "n_failed", "pid", "heartbeat")

RESULT_COLUMNS = (
    "job_key", "run_id", "dataset", "dataset_config", "machine_type", "machine_id", "extractor",
    "extractor_config", "weights", "pretrained", "detector", "detector_config", "seed", "protocol",
    "status", "error", "auc", "pauc", "n_train", "n_test_normal", "n_test_anomalous", "n_scored",
    "n_train_segments", "extract_s", "n_extracted_clips", "fit_s", "score_s", "device", "metrics", "created_at",
    "data_digest",
)
#: result columns holding JSON text
JSON_COLUMNS = ("dataset_config", "extractor_config", "detector_config", "protocol", "metrics")
