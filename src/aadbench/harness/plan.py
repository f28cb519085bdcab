"""A run's plan: which components with which parameters, and the keys of its jobs."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from ..components import Task
from ..specs import ComponentSpec
from .protocol import ProtocolConfig
from .registry import Registry
from .store import job_key

#: extractor parameters that do not change features (left out of job keys and cache keys)
NON_SEMANTIC = ("device", "batch_size", "compile")


@dataclass
class Choice:
    """A component by name with the parameters the user overrode.

    ``name`` is what the user wrote and what results are stored under; ``base`` is the
    registered component when the name carries arguments (``timm:convnext_tiny`` -> ``timm``,
    ``resnet34@layer3`` -> ``resnet34``; see :mod:`.names`).
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    #: added by the harness because a detector requires it (not chosen by the user)
    auto: bool = False
    base: str | None = None

    @property
    def component(self) -> str:
        """The registered component's name."""
        return self.base or self.name


@dataclass
class RunConfig:
    dataset: Choice
    extractors: list[Choice]
    detectors: list[Choice]
    seeds: list[int] = field(default_factory=lambda: list(range(5)))
    machines: list[str] | None = None
    device: str = "auto"
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)
    fail_fast: bool = False
    skip_bad_files: bool = False

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["protocol"] = self.protocol.as_dict()
        return out


def full_params(spec: ComponentSpec, overrides: Mapping[str, Any], *, device: str | None = None,
                seed: int | None = None) -> dict[str, Any]:
    """Defaults + overrides; the run's device and seed fill ``device`` / ``random_state``
    where the component has them and the user did not set them."""
    params = {**spec.defaults, **overrides}
    if device is not None and "device" in spec.defaults and "device" not in overrides:
        params["device"] = device
    if seed is not None and "random_state" in spec.defaults and "random_state" not in overrides:
        params["random_state"] = seed
    return params


def create(spec: ComponentSpec, params: Mapping[str, Any]) -> Any:
    """Build a component, naming it in any error its factory raises."""
    try:
        return spec.load()(**params)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{spec.kind} {spec.name!r}: {exc}") from exc


def feature_identity(name: str, identity: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, **{k: v for k, v in identity.items() if k not in NON_SEMANTIC}}


def detector_key(dataset: str, dataset_config: Mapping[str, Any], task: Task, features: Mapping[str, Any],
                 detector: str, detector_params: Mapping[str, Any], seed: int, protocol: ProtocolConfig) -> str:
    params = {k: v for k, v in detector_params.items() if k not in ("device", "progress")}
    return job_key(dataset=dataset, dataset_config=dataset_config, task=task.name, features=features,
                   detector=detector, detector_params=params, seed=seed, protocol=protocol.as_dict())


def validate(config: RunConfig, registry: Registry) -> None:
    """Fail before any work on unknown names or parameters."""
    from .params import ParameterError

    registry.get("dataset", config.dataset.name)
    if not config.detectors:
        raise ValueError("no detector chosen: name one with --plugins or --detector (see `aadbench list`)")
    free = [d for d in config.detectors if registry.get("detector", d.name).requires is None]
    if free and not [e for e in config.extractors if not e.auto]:
        raise ValueError(f"no extractor chosen for {', '.join(d.name for d in free)}: name one with --plugins "
                         f"or --extractor (see `aadbench list`)")
    for kind, choices in (("extractor", config.extractors), ("detector", config.detectors)):
        for choice in choices:
            spec = registry.get(kind, choice.component)
            unknown = set(choice.params) - set(spec.defaults)
            if unknown:
                raise ParameterError(f"{kind} {choice.name} has no parameter {', '.join(sorted(unknown))}")
    if not config.seeds:
        raise ValueError("at least one seed is needed (--seeds N)")


def pairs_with(extractor: Choice, detector_requires: str | None) -> bool:
    """Whether a detector runs on this extractor's features.

    A detector that requires an extractor runs on that one only; the others run on every
    extractor the user chose (not on those the harness added for a requirement).
    """
    if detector_requires is not None:
        return detector_requires == extractor.name
    return not extractor.auto


def add_required(config: RunConfig, registry: Registry) -> None:
    """Add the extractors that the chosen detectors require and the user did not name."""
    chosen = {e.name for e in config.extractors}
    for det in config.detectors:
        need = registry.get("detector", det.name).requires
        if need is not None and need not in chosen:
            registry.get("extractor", need)
            config.extractors.append(Choice(need, {}, auto=True))
            chosen.add(need)
