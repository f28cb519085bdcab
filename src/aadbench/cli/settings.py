"""The user-facing environment variables, read once when a command starts.

Below the command line, options travel as parameters: nothing in the engine or the plugins
reads ``AADBENCH_*`` variables.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..harness.cache import default_dir
from ..harness.registry import RegistryOptions, options_from_env
from ..weights import env_offline


@dataclass(frozen=True)
class Settings:
    """What the environment says: which plugins load, offline mode, the feature cache folder."""

    registry: RegistryOptions = RegistryOptions()
    offline: bool = False
    cache_dir: Path = Path("~/.cache/aadbench/features").expanduser()


def read_settings(environ: Mapping[str, str] | None = None, *, strict_plugins: bool = False) -> Settings:
    env = os.environ if environ is None else environ
    return Settings(registry=options_from_env(env, strict=strict_plugins), offline=env_offline(env),
                    cache_dir=default_dir(env))
