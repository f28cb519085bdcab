"""The mel-patches extractor's identity, without torch."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...frontend import FrontendConfig

#: the frontend settings that shape the patches (scaling, colour map and image size are unused)
SETTINGS = ("sample_rate", "n_fft", "hop_length", "n_mels", "patch_frames", "patch_hop")


def frontend_identity(config: FrontendConfig) -> dict[str, Any]:
    frontend = {k: v for k, v in config.as_dict().items() if k in SETTINGS}
    return {**frontend, "values": "dB (power_to_db, ref 1, amin 1e-10)", "layout": "mels x frames, row-major"}


def identity(params: Mapping[str, Any], fetch: bool) -> dict[str, Any]:
    config = FrontendConfig()
    return {"frontend": frontend_identity(config), "dim": config.n_mels * config.patch_frames}
