"""Progress bars (tqdm), quiet when not wanted or not on a terminal (public API for plugin authors).

A bar draws only when standard error is a terminal, so logs and pipes get no carriage-return
updates; ``aadbench --progress`` (:func:`force`) draws them anyway. A bar's ``bar_format`` may
name tqdm's fields and ``{left}``, the units still to go (``GRID_FORMAT`` reads
``grid: 12/40 jobs done, 28 left, ETA 03:10``).
"""
from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from functools import cache
from typing import Any

_FORCED = False

#: the overall bar of a run's grid: jobs settled, jobs still to go and tqdm's estimate of the time left
GRID_FORMAT = "{desc}: {n_fmt}/{total_fmt} jobs done, {left} left, ETA {remaining}"


@contextmanager
def force(enabled: bool = True) -> Iterator[None]:
    """Draw bars even when standard error is not a terminal (for the duration)."""
    global _FORCED
    previous, _FORCED = _FORCED, bool(enabled)
    try:
        yield
    finally:
        _FORCED = previous


def on_terminal() -> bool:
    try:
        return _FORCED or sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return _FORCED


@cache
def _bar_class() -> Any:
    from tqdm.auto import tqdm

    class Bar(tqdm):  # type: ignore[type-arg]
        """tqdm's bar, with ``{left}`` (the total less the units done) for a ``bar_format``."""

        @property
        def format_dict(self) -> MutableMapping[str, Any]:
            fields = super().format_dict
            total, n = fields.get("total"), fields.get("n") or 0
            fields["left"] = "?" if total is None else max(0, total - n)
            return fields

    return Bar


def bar(*, total: int, desc: str, unit: str = "it", enabled: bool = True, **kwargs: Any) -> Any:
    """A progress bar on standard error, drawn only when :func:`on_terminal` (and ``enabled``).

    It clears itself when closed unless ``leave=True``; ``position``, ``bar_format`` and tqdm's other
    options pass through (``bar_format`` may also name ``{left}``).
    """
    kwargs.setdefault("leave", False)
    return _bar_class()(total=total, desc=desc, unit=unit, disable=not (enabled and on_terminal()),
                        file=sys.stderr, dynamic_ncols=True, **kwargs)
