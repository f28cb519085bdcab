"""An audio network extractor's identity from its parameters (no torch import, no network built)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import weights as weights_api
from ...errors import ConfigError
from .catalog import NETS


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    """What :meth:`~.extractor.AudioNetExtractor.identity` reports (``device`` aside)."""
    arch = str(params["arch"])
    if arch not in NETS:
        raise ConfigError(f"unknown audio network {arch!r}; one of {', '.join(NETS)}")
    spec = NETS[arch]
    weights = weights_api.identity(spec.weights, str(params.get("weights", "auto")), what=arch, fetch=fetch,
                                   offline=bool(params.get("offline")))
    return {"arch": arch, "dim": spec.dim, "weights": weights, "weights_label": weights_api.label(weights),
            "window_s": float(params["window_s"]), "hop_s": float(params["hop_s"]),
            "sample_rate": int(params["sample_rate"]), "net_sample_rate": spec.sample_rate,
            "frontend": dict(spec.frontend)}
