"""Where a grid's jobs run: in this process (``local``) or on a Dask distributed cluster (``dask``).

An executor takes the grid's :class:`~..grid.TaskWork` items and hands every detector job's
outcome (or failure) back to the coordinator's sink, which alone writes the results store.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ...errors import ConfigError
from ..grid import DetectorJob, DetectorOutcome, ExtractionStats, TaskWork
from ..protocol import ProtocolConfig
from .work import Components

EXECUTORS = ("local", "dask")


class Sink(Protocol):
    """The coordinator's side, in the coordinator's process: ``claim`` before a work's jobs start
    (the part this run holds, or None), then ``ok`` or ``failed`` once per detector job."""

    def claim(self, work: TaskWork) -> TaskWork | None: ...

    def ok(self, work: TaskWork, job: DetectorJob, outcome: DetectorOutcome) -> None: ...

    def failed(self, work: TaskWork, job: DetectorJob, exc: BaseException,
               stats: ExtractionStats | None) -> None: ...


class Executor(Protocol):
    name: str

    def run(self, works: Sequence[TaskWork], protocol: ProtocolConfig, sink: Sink, *, fail_fast: bool) -> None: ...


def make_executor(name: str = "local", *, components: Components | None = None, progress: bool = True,
                  address: str | None = None, n_workers: int = 2, gpu_workers: bool = False, jobs: int = 1
                  ) -> Executor:
    if name == "local":
        from .local import LocalExecutor

        return LocalExecutor(components or Components(), progress=progress, jobs=jobs)
    if name == "dask":
        from .dask_executor import DaskExecutor

        return DaskExecutor(address=address, n_workers=n_workers, gpu_workers=gpu_workers, progress=progress)
    raise ConfigError(f"executor {name!r} is not one of {', '.join(EXECUTORS)}")
