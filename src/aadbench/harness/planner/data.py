"""What a stored result was computed from: each task's clip manifest and its digest.

A manifest maps every clip key of a task to its fingerprint (path, size and modification time
for files; under ``--cache-key content`` the SHA-256 of the file), its label, split and domain.
Its digest, with the bad-file policy, is stored beside every result: a stored job counts as
done only for the data it was computed from, so adding, removing, replacing or relabelling a
recording recomputes exactly the tasks it belongs to.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...components import Clip, Dataset, Task
from ...errors import plural
from ..identity import job_key

_FILE_HASHES: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class TaskData:
    """One task's manifest and digest."""

    task: str
    digest: str
    manifest: Mapping[str, list[Any]]


def fingerprint(dataset: Dataset, clip: Clip, *, content: bool) -> str:
    """The dataset's fingerprint of the clip, or under ``content`` the SHA-256 of its file."""
    if content and clip.path:
        try:
            return "sha256:" + _file_sha256(clip.path)
        except OSError as exc:  # reading it will name the problem
            return f"error:{exc.errno}"
    return dataset.fingerprint(clip)


def _file_sha256(path: str) -> str:
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    if key not in _FILE_HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _FILE_HASHES[key] = digest.hexdigest()
    return _FILE_HASHES[key]


def task_data(dataset: Dataset, task: Task, *, skip_bad_files: bool, content: bool) -> TaskData:
    manifest = {c.key: [fingerprint(dataset, c, content=content), c.label, c.split, c.domain] for c in task.clips}
    return TaskData(task.name, job_key(clips=manifest, skip_bad_files=skip_bad_files), manifest)


def describe_change(old: Mapping[str, list[Any]] | None, new: Mapping[str, list[Any]]) -> str:
    """``5 clips added, 1 replaced`` (or, without the old manifest, ``its data changed``)."""
    if old is None:
        return "its data or the bad-file policy changed"
    added = len(set(new) - set(old))
    removed = len(set(old) - set(new))
    common = set(new) & set(old)
    replaced = sum(new[k][0] != old[k][0] for k in common)
    relabelled = sum(list(new[k][1:]) != list(old[k][1:]) for k in common)
    changes = ((added, "added"), (removed, "removed"), (replaced, "replaced"), (relabelled, "relabelled"))
    parts = [f"{plural(n, 'clip')} {what}" for n, what in changes if n]
    return ", ".join(parts) or "the bad-file policy changed"
