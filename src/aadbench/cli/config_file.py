"""Experiments as files: ``aadbench run --config exp.yaml`` and ``aadbench run ... --print-config``.

A configuration file holds what the command line would say (read with YAML's safe loader)::

    dataset: mimii
    data_root: ~/data/mimii
    plugins: [resnet34, gmm]
    seeds: 5
    machines: [fan, valve]
    device: auto
    set:
      gmm: {n_components: 80}
      protocol: {pooling: mean}

Options given on the command line win over the file; ``--set`` values are merged, the command
line's last. ``--print-config`` prints the fully resolved configuration (every component's
parameters) in this form, so that ``--config`` of it plans the same jobs.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..harness.store.experiment import file_config, to_yaml

#: file key -> (argparse destination, the default). The parser's default is None (False for flags,
#: which the command line can only turn on), so an option given on the command line, even at its
#: default value, wins over the file; what neither gives gets the default here.
FIELDS = {"dataset": ("dataset", None), "data_root": ("data_root", None), "seeds": ("seeds", 5),
          "machines": ("machines", None), "device": ("device", "auto"), "weights": ("weights", None),
          "skip_bad_files": ("skip_bad_files", False), "offline": ("offline", False)}
KNOWN = {*FIELDS, "plugins", "set"}


def load(path: str) -> dict[str, Any]:
    import yaml

    file = Path(path).expanduser()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config {path}: no such file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--config {path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"--config {path}: expected a mapping of settings (dataset:, plugins:, set:, ...)")
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise ConfigError(f"--config {path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(KNOWN))}")
    return data


def apply(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with the file's settings where the command line gave none, then the defaults."""
    data = load(args.config) if getattr(args, "config", None) else {}
    for key, (dest, default) in FIELDS.items():
        given = getattr(args, dest, None)
        if key in data and given in (None, False):
            value = data[key]
            setattr(args, dest, ",".join(map(str, value)) if key == "machines" and isinstance(value, list) else value)
        elif given is None:
            setattr(args, dest, default)
    if not data:
        args.file_params = getattr(args, "file_params", {})
        return args
    if "plugins" in data and not (args.plugins or args.extractor or args.detector):
        plugins = data["plugins"]
        args.plugins = [",".join(map(str, plugins))] if isinstance(plugins, list) else [str(plugins)]
    settings = data.get("set") or {}
    if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
        raise ConfigError(f"--config {args.config}: set: must map each component to its parameters")
    args.file_params = {label: dict(values) for label, values in settings.items()}
    return args


def resolved(plan: Any, request: Any) -> dict[str, Any]:
    """The plan as a configuration file: every component with all its parameters."""
    return file_config(plan.as_dict())


def dump(config: dict[str, Any]) -> str:
    return to_yaml(config)
