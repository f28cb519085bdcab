"""A run's configuration in the form of an experiment file (``aadbench run --config``): from a plan
as stored with every run (``RunPlan.as_dict``), so a stored run can be written back as YAML and
rerun (``aadbench run --print-config``, the leaderboard's run details)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def file_config(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The file form of a stored plan: dataset, plugins (not those added automatically), seeds,
    machines, device, and every component's parameters and the protocol under ``set``."""
    dataset = stored["dataset"]
    components = [*stored.get("extractors", []), *stored.get("detectors", [])]
    out: dict[str, Any] = {"dataset": dataset["label"],
                           "plugins": [c["label"] for c in components if not c.get("auto", False)],
                           "seeds": len(stored.get("seeds") or [])}
    if stored.get("machines"):
        out["machines"] = list(stored["machines"])
    out["device"] = stored.get("device", "auto")
    if stored.get("skip_bad_files"):
        out["skip_bad_files"] = True
    out["set"] = {c["label"]: _plain(dict(c["params"])) for c in [dataset, *components]}
    out["set"]["protocol"] = {k: v for k, v in (stored.get("protocol") or {}).items() if v is not None}
    return out


def to_yaml(config: Mapping[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=False))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
