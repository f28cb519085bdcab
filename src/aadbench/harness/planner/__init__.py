"""The planner: from what the user asked to the jobs left to compute.

:func:`plan_run` (``config``) resolves names (``timm:<model>``, ``<extractor>@<layer>``), adds
the extractors that detectors require, converts and checks every parameter, and returns the
run's :class:`~..grid.RunPlan`. :func:`plan_grid` (``jobs``) computes every job's key from the
dataset, the extractors' identities (without building them where their record can say it) and
the detectors' parameters, and keeps the jobs the store does not hold for the data as it is now
(``data``: each task's clip manifest and its digest): a run with nothing left to compute builds
no network and touches no network connection.
"""
from .config import DEFAULT_DATASET, plan_run
from .jobs import Build, GridContext, plan_grid, select_tasks, weights_requests

__all__ = ["DEFAULT_DATASET", "Build", "GridContext", "plan_grid", "plan_run", "select_tasks", "weights_requests"]
