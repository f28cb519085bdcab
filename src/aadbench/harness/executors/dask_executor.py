"""Dask distributed: extraction and detector jobs run on workers, results come back here.

Extraction jobs (task x extractor) are submitted first; every detector job of the task
depends on its extraction's future, so the features go from worker to worker and never
through the coordinator. Detector jobs have the higher priority, so a task's features are
used and released before more tasks are extracted. As each detector job completes
(:func:`dask.distributed.as_completed`) the coordinator, and only it, commits the result.

``address`` connects to a running scheduler (``tcp://host:8786``, or the path of a
scheduler file written by ``dask scheduler --scheduler-file``); without one a
:class:`~dask.distributed.LocalCluster` of ``n_workers`` single-threaded processes is
started and stopped with the run. With ``gpu_workers`` extraction jobs (and detector jobs
whose device is CUDA) ask for the worker resource ``GPU=1``: start GPU workers with
``dask worker ... --resources GPU=1``.
"""
from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import ExecutorError
from ..detection import describe_error
from ..grid import DetectorJob, Extraction, TaskWork
from ..protocol import ProtocolConfig
from .local import by_task
from .work import run_detector, run_extractions

if TYPE_CHECKING:
    from . import Sink

log = logging.getLogger(__name__)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError("--executor dask needs Dask distributed: pip install 'aadbench[dask]'") from None
    return distributed


class DaskExecutor:
    name = "dask"

    def __init__(self, *, address: str | None = None, n_workers: int = 2, gpu_workers: bool = False,
                 progress: bool = True) -> None:
        if int(n_workers) < 1:
            raise ExecutorError(f"--workers must be at least 1, not {n_workers}")
        self.address, self.n_workers, self.gpu_workers = address, int(n_workers), bool(gpu_workers)
        self.progress = progress  # workers draw no bars: the coordinator draws the grid's bar
        _import_distributed()

    def _client(self) -> tuple[Any, Any]:
        distributed = _import_distributed()
        if self.address and self.address.endswith(".json") and os.path.isfile(self.address):
            return distributed.Client(scheduler_file=self.address), None
        if self.address:
            return distributed.Client(self.address), None
        cluster = distributed.LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address=":0",
                                           resources={"GPU": 1} if self.gpu_workers else None)
        log.info("dask: started a local cluster of %d workers, dashboard %s", self.n_workers, cluster.dashboard_link)
        return distributed.Client(cluster), cluster

    def run(self, works: Sequence[TaskWork], protocol: ProtocolConfig, sink: Sink, *, fail_fast: bool) -> None:
        if not any(w.detectors for w in works):
            return
        distributed = _import_distributed()
        client, cluster = self._client()
        try:
            self._check_workers(client)
            futures = self._submit(client, works, protocol, sink)
            self._collect(client, distributed, futures, sink, fail_fast)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _check_workers(self, client: Any) -> None:
        workers = client.scheduler_info()["workers"]
        gpus = [w for w in workers.values() if (w.get("resources") or {}).get("GPU", 0) >= 1]
        log.info("dask: scheduler %s, %d workers (%d with GPU=1)", client.scheduler.address, len(workers), len(gpus))
        if self.gpu_workers and workers and not gpus:
            raise ExecutorError("extraction jobs need GPU workers (--gpu-workers, or --device cuda), but no worker of "
                             f"{client.scheduler.address} has the resource GPU=1: start them with "
                             "`dask worker ADDRESS --resources GPU=1`, or run with --device cpu")

    def _submit(self, client: Any, works: Sequence[TaskWork], protocol: ProtocolConfig, sink: Sink
                ) -> dict[Any, tuple[TaskWork, DetectorJob]]:
        run = uuid.uuid4().hex[:8]
        resources = {"GPU": 1} if self.gpu_workers else None
        futures: dict[Any, tuple[TaskWork, DetectorJob]] = {}
        for g, group in enumerate(by_task(works)):
            claimed = [w for w in (sink.claim(planned) for planned in group) if w is not None and w.detectors]
            if not claimed:
                continue
            # one worker decodes the task's clips once for all its extractors
            shared = client.submit(run_extractions, [w.extraction for w in claimed], key=f"extract-{run}-{g}",
                                   pure=False, resources=resources, priority=0)
            for i, work in enumerate(claimed):
                ext = client.submit(_pick, shared, i, key=f"extraction-{run}-{g}-{i}", pure=False, priority=1)
                for job in work.detectors:
                    on_gpu = self.gpu_workers and str(job.detector.params.get("device", "")).startswith("cuda")
                    future = client.submit(run_detector, ext, job, protocol, key=f"detect-{run}-{job.key}",
                                           pure=False, priority=2, resources={"GPU": 1} if on_gpu else None)
                    futures[future] = (work, job)
        return futures

    def _collect(self, client: Any, distributed: Any, futures: dict[Any, tuple[TaskWork, DetectorJob]],
                 sink: Sink, fail_fast: bool) -> None:
        for future in distributed.as_completed(list(futures)):  # the sink advances the grid's bar
            work, job = futures.pop(future)
            if future.status != "finished":
                exc = _exception(future)
                if fail_fast:
                    client.cancel(list(futures))
                    raise exc
                log.error("%s on %s (%s, seed %d) failed: %s", job.detector.label, work.extraction.task,
                          work.extraction.extractor.label, job.seed, describe_error(exc))
                sink.failed(work, job, exc, None)
            else:
                sink.ok(work, job, future.result())
            future.release()


def _pick(extractions: list[Extraction | BaseException], index: int) -> Extraction:
    """One extractor's result of a shared extraction (its failure, raised)."""
    result = extractions[index]
    if isinstance(result, BaseException):
        raise result
    return result


def _exception(future: Any) -> BaseException:
    try:
        return future.exception() or RuntimeError(f"dask job {future.key} {future.status}")
    except BaseException as exc:  # a cancelled future raises its CancelledError
        return exc
