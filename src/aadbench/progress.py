"""Progress bars (tqdm), quiet when not wanted or not on a terminal (public API for plugin authors)."""
from __future__ import annotations

import sys
from typing import Any


def bar(*, total: int, desc: str, unit: str = "it", enabled: bool = True, **kwargs: Any) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False, file=sys.stderr,
                dynamic_ncols=True, **kwargs)
