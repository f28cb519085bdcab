"""Progress bars (tqdm), quiet when not wanted or not on a terminal."""
from __future__ import annotations

import sys
from typing import Any


def bar(*, total: int, desc: str, unit: str = "it", enabled: bool = True, **kwargs: Any):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False, file=sys.stderr,
                dynamic_ncols=True, **kwargs)
