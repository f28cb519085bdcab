"""Typed records that plugins return from the ``register_*`` hooks.

A record names a component and says how to build it. Its ``factory`` is either a
callable or a ``"package.module:Attribute"`` string that is imported only when the
component is used, so listing components never imports torch or scikit-learn.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Mapping

#: Pretraining domains an extractor can declare.
DOMAINS = ("image", "environmental", "music", "none")


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def import_factory(ref: str) -> Callable[..., Any]:
    """Import ``"package.module:Attr"`` and return the attribute."""
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"factory {ref!r} must look like 'package.module:Attribute'")
    module = importlib.import_module(module_name)
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError as exc:
        raise ImportError(f"factory {ref!r}: {module_name} has no attribute {attr!r}") from exc
    return obj


@dataclass(frozen=True)
class ComponentSpec:
    """What every component record has.

    ``defaults`` lists every parameter the factory accepts with its default value;
    ``--set name.param=value`` on the command line is checked and converted against it.
    """

    kind: ClassVar[str] = "component"

    name: str
    factory: str | Callable[..., Any]
    description: str
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() or c in ",=" for c in self.name):
            raise ValueError(f"component name {self.name!r} must be non-empty, without spaces, ',' or '='")
        object.__setattr__(self, "defaults", _frozen(self.defaults))
        first_line = (self.description or "").strip().splitlines()
        if not first_line:
            raise ValueError(f"component {self.name!r} needs a one-line description")

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0]

    def load(self) -> Callable[..., Any]:
        """The factory itself, importing it if it was given as a string."""
        return import_factory(self.factory) if isinstance(self.factory, str) else self.factory

    def create(self, **params: Any) -> Any:
        """Build the component from its defaults updated with ``params``."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise TypeError(
                f"{self.kind} {self.name!r} has no parameter(s) {', '.join(unknown)}; "
                f"its parameters are: {', '.join(sorted(self.defaults)) or '(none)'}"
            )
        return self.load()(**{**self.defaults, **params})

    def info(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``aadbench list --json``)."""
        return {"kind": self.kind, "name": self.name, "description": self.summary,
                "defaults": dict(self.defaults)}


@dataclass(frozen=True)
class DatasetSpec(ComponentSpec):
    """A dataset: its factory returns an :class:`aadbench.Dataset`."""

    kind: ClassVar[str] = "dataset"


@dataclass(frozen=True)
class ExtractorSpec(ComponentSpec):
    """A feature extractor: its factory returns an :class:`aadbench.Extractor`.

    ``domain`` is what its weights were pretrained on (one of :data:`DOMAINS`) and
    ``licence`` the licence of those weights; ``non_commercial`` flags weights that may
    not be used commercially; ``weights`` lists the checkpoint files it may download.
    """

    kind: ClassVar[str] = "extractor"

    domain: str = "none"
    licence: str = ""
    non_commercial: bool = False
    #: the checkpoints it may download (:class:`aadbench.harness.weights.WeightsFile`), for `aadbench weights`
    weights: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.domain not in DOMAINS:
            raise ValueError(f"extractor {self.name!r}: domain {self.domain!r} is not one of {DOMAINS}")
        object.__setattr__(self, "weights", tuple(self.weights))

    def info(self) -> dict[str, Any]:
        return {**super().info(), "domain": self.domain, "licence": self.licence,
                "non_commercial": self.non_commercial, "weights": [w.info() for w in self.weights]}


@dataclass(frozen=True)
class DetectorSpec(ComponentSpec):
    """An anomaly detector: its factory returns an :class:`aadbench.Detector`.

    ``requires`` names the extractor whose features the detector needs (end-to-end
    models such as autoencoders need the raw patches of ``mel-patches``); ``None``
    means it works on any extractor's features.
    """

    kind: ClassVar[str] = "detector"

    requires: str | None = None

    def info(self) -> dict[str, Any]:
        return {**super().info(), "requires": self.requires}


SPEC_TYPES: dict[str, type[ComponentSpec]] = {
    "dataset": DatasetSpec, "extractor": ExtractorSpec, "detector": DetectorSpec,
}
