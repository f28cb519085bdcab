"""The in-process executor: tasks one after another, each extracted once, its seeds split once."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from ..detection import Prepared, describe_error
from ..grid import DetectorJob, TaskWork
from ..protocol import ProtocolConfig
from . import Sink
from .work import Components, prepare_split, run_detector, run_extraction

log = logging.getLogger(__name__)


class LocalExecutor:
    name = "local"

    def __init__(self, components: Components, *, progress: bool = True) -> None:
        self.components, self.progress = components, progress

    def run(self, works: Sequence[TaskWork], protocol: ProtocolConfig, sink: Sink, *, fail_fast: bool) -> None:
        for planned in works:
            work = sink.claim(planned)
            if work is None:  # another run computes it
                continue
            ext = work.extraction
            try:
                extraction = run_extraction(ext, self.components, progress=self.progress)
            except Exception as exc:
                if fail_fast:
                    raise
                log.error("%s with %s: %s", ext.task, ext.extractor.label, describe_error(exc))
                for job in work.detectors:
                    sink.failed(work, job, exc, None)
                continue
            seeds: dict[int, list[DetectorJob]] = {}
            for job in work.detectors:
                seeds.setdefault(job.seed, []).append(job)
            for seed, detector_jobs in seeds.items():
                try:
                    prepared: Prepared = prepare_split(extraction, seed, protocol)
                except Exception as exc:
                    if fail_fast:
                        raise
                    for job in detector_jobs:
                        sink.failed(work, job, exc, extraction.stats)
                    continue
                for job in detector_jobs:
                    try:
                        outcome = run_detector(extraction, job, protocol, self.components, prepared)
                    except Exception as exc:
                        if fail_fast:
                            raise
                        sink.failed(work, job, exc, extraction.stats)
                        continue
                    sink.ok(work, job, outcome)
