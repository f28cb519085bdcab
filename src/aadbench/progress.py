"""Progress bars (tqdm), quiet when not wanted or not on a terminal (public API for plugin authors).

A bar draws only when standard error is a terminal, so logs and pipes get no carriage-return
updates; ``aadbench --progress`` (:func:`force`) draws them anyway.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_FORCED = False


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


def bar(*, total: int, desc: str, unit: str = "it", enabled: bool = True, **kwargs: Any) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not (enabled and on_terminal()), leave=False,
                file=sys.stderr, dynamic_ncols=True, **kwargs)
