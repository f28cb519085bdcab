"""The run's configuration: names resolved, required extractors added, every parameter converted."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import ConfigError, ParameterError
from ..grid import Component, RunPlan, RunRequest
from ..names import ParsedName, parse_name
from ..params import apply
from ..protocol import ProtocolConfig
from ..registry import Registry

DEFAULT_DATASET = "synthetic"
PROTOCOL = "protocol"

def plan_run(request: RunRequest, registry: Registry) -> RunPlan:
    """Resolve and check everything the user asked for; fail before any work."""
    parsed = _parse(request, registry)
    datasets = parsed["dataset"]
    if len(datasets) > 1:
        raise ConfigError(f"one dataset per run, got {', '.join(p.label for p in datasets)}")
    dataset = datasets[0] if datasets else parse_name(DEFAULT_DATASET, registry, "dataset")
    auto = _required(parsed["detector"], parsed["extractor"], registry)
    extractors = parsed["extractor"] + auto
    raw = {label: dict(values) for label, values in request.params.items()}
    protocol = _protocol(raw.pop(PROTOCOL, {}))
    if request.data_root is not None:
        spec = registry.get("dataset", dataset.name)
        if "data_root" not in spec.defaults:
            raise ConfigError(f"dataset {dataset.label!r} has no data_root parameter; drop --data-root")
        raw.setdefault(dataset.label, {}).setdefault("data_root", request.data_root)
    if request.weights is not None:
        for ext in extractors:
            if "weights" in registry.get("extractor", ext.name).defaults:
                raw.setdefault(ext.label, {}).setdefault("weights", request.weights)
    everything = [dataset, *extractors, *parsed["detector"]]
    unknown = sorted(set(raw) - {p.label for p in everything})
    if unknown:
        raise ParameterError(f"--set {unknown[0]}.…: {unknown[0]!r} is not part of this run (its components: "
                             f"{', '.join(p.label for p in everything)}, {PROTOCOL})")
    auto_labels = {p.label for p in auto}
    plan = RunPlan(
        dataset=_component(dataset, registry, raw),
        extractors=tuple(_component(p, registry, raw, auto=p.label in auto_labels) for p in extractors),
        detectors=tuple(_component(p, registry, raw) for p in parsed["detector"]),
        seeds=tuple(range(_seeds(request.seeds))),
        machines=tuple(request.machines) if request.machines else None,
        device=request.device, protocol=protocol, fail_fast=request.fail_fast,
        skip_bad_files=request.skip_bad_files, offline=request.offline, recompute=request.recompute)
    _check_choices(plan, registry)
    return plan


def _parse(request: RunRequest, registry: Registry) -> dict[str, list[ParsedName]]:
    out: dict[str, list[ParsedName]] = {"dataset": [], "extractor": [], "detector": []}
    given = [(text, None) for text in request.plugins] + [(text, "extractor") for text in request.extractors]
    given += [(text, "detector") for text in request.detectors]
    if request.dataset:
        given.append((request.dataset, "dataset"))
    for text, kind in given:
        parsed = parse_name(text, registry, kind)
        if parsed.params and parsed.kind == "dataset":
            raise ConfigError(f"{text!r}: datasets take no ':' or '@' arguments")
        if parsed.label not in {p.label for p in out[parsed.kind]}:
            out[parsed.kind].append(parsed)
    return out


def _required(detectors: Sequence[ParsedName], extractors: Sequence[ParsedName], registry: Registry
              ) -> list[ParsedName]:
    """The extractors that the detectors require and the user did not name."""
    chosen = {p.label for p in extractors}
    added: list[ParsedName] = []
    for det in detectors:
        need = getattr(registry.get("detector", det.name), "requires", None)
        if need is not None and need not in chosen:
            added.append(parse_name(need, registry, "extractor"))
            chosen.add(need)
    return added


def _component(parsed: ParsedName, registry: Registry, raw: Mapping[str, Mapping[str, Any]], *,
               auto: bool = False) -> Component:
    spec = registry.get(parsed.kind, parsed.name)
    given = apply(spec.label if parsed.label == spec.name else f"{spec.kind} {parsed.label!r}",
                  spec.defaults, raw.get(parsed.label, {}))
    overrides = {**parsed.params, **given}
    return Component(parsed.kind, parsed.label, spec.name, {**spec.defaults, **overrides}, overrides, auto)


def _protocol(values: Mapping[str, Any]) -> ProtocolConfig:
    defaults = {f.name: f.default for f in dataclasses.fields(ProtocolConfig)}
    converted = apply(PROTOCOL, {**defaults, "n_test": 0}, values)  # n_test 0: the paper's rule
    if converted.get("n_test") == 0:
        converted["n_test"] = None
    try:
        return ProtocolConfig(**{**defaults, **converted})
    except ValueError as exc:
        raise ParameterError(f"{PROTOCOL}: {exc}") from None


def _seeds(n: int) -> int:
    if int(n) < 1:
        raise ConfigError(f"--seeds must be at least 1, not {n}")
    return int(n)


def _check_choices(plan: RunPlan, registry: Registry) -> None:
    if not plan.detectors:
        raise ConfigError("no detector chosen: name one with --plugins or --detector (see `aadbench list`)")
    free = [d.label for d in plan.detectors if getattr(registry.get("detector", d.name), "requires", None) is None]
    if free and not [e for e in plan.extractors if not e.auto]:
        raise ConfigError(f"no extractor chosen for {', '.join(free)}: name one with --plugins or --extractor "
                          f"(see `aadbench list`)")


