"""Typed records that plugins return from the ``register_*`` hooks.

A record names a component and says how to build it. Its ``factory`` is either a
callable or a ``"package.module:Attribute"`` string that is imported only when the
component is used, so listing components never imports torch or scikit-learn.
:meth:`ComponentSpec.create` is the one way to build a component, for the harness and for
plugin tests alike.
"""
from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from .errors import AadbenchError, ComponentError, ParameterError
from .weights import WeightsFile

#: Pretraining domains an extractor can declare.
#: "various": the weights depend on the model chosen (hf:<model-id>: speech, AudioSet, music, ...)
DOMAINS = ("image", "environmental", "music", "various", "none")

#: what a factory or identity function may be given as
Ref = str | Callable[..., Any]


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def import_factory(ref: str) -> Callable[..., Any]:
    """Import ``"package.module:Attr"`` and return the attribute."""
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"factory {ref!r} must look like 'package.module:Attribute'")
    module = importlib.import_module(module_name)
    obj: Any = module
    try:
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError as exc:
        raise ImportError(f"factory {ref!r}: {module_name} has no attribute {attr!r}") from exc
    if not callable(obj):
        raise ImportError(f"factory {ref!r} is not callable")
    return obj  # type: ignore[no-any-return]


def load_ref(ref: Ref) -> Callable[..., Any]:
    """A callable given directly or as a ``"module:Attr"`` string."""
    return import_factory(ref) if isinstance(ref, str) else ref


def check_parameters(what: str, given: Mapping[str, Any] | list[str], defaults: Mapping[str, Any]) -> None:
    """Fail on names in ``given`` that ``defaults`` does not have, suggesting the closest one.

    The one message format for unknown parameters, wherever they are given (``--set``, a
    configuration file, a plugin test calling :meth:`ComponentSpec.create`).
    """
    unknown = sorted(set(given) - set(defaults))
    if not unknown:
        return
    name = unknown[0]
    close = difflib.get_close_matches(name, list(defaults), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    more = f" (nor {', '.join(repr(u) for u in unknown[1:])})" if len(unknown) > 1 else ""
    listing = ", ".join(f"{k}={v!r}" for k, v in sorted(defaults.items())) or "(none)"
    raise ParameterError(f"{what} has no parameter {name!r}{more}{hint} Its parameters: {listing}")


@dataclass(frozen=True)
class ComponentSpec:
    """What every component record has.

    ``defaults`` lists every parameter the factory accepts with its default value;
    ``--set name.param=value`` on the command line is checked and converted against it.
    ``unkeyed_defaults`` names parameters added after results were first stored, with the value
    that reproduces what was computed before: a job key leaves such a parameter out while it holds
    that value, so results stored before it existed are still found. ``fixed`` holds arguments the
    factory always receives and users cannot set (which member of a family of models the record is:
    ``{"arch": "resnet34"}``). ``name_param`` names the
    parameter that ``NAME:VALUE`` on the command line sets (``timm:convnext_tiny`` sets
    ``model``); ``None`` when the name takes no argument.
    """

    kind: ClassVar[str] = "component"

    name: str
    factory: Ref
    description: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    name_param: str | None = None
    unkeyed_defaults: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() or c in ",=:@" for c in self.name):
            raise ValueError(f"component name {self.name!r} must be non-empty, without spaces, ',', '=', ':' or '@'")
        object.__setattr__(self, "defaults", _frozen(self.defaults))
        object.__setattr__(self, "fixed", _frozen(self.fixed))
        object.__setattr__(self, "unkeyed_defaults", _frozen(self.unkeyed_defaults))
        first_line = (self.description or "").strip().splitlines()
        if not first_line:
            raise ValueError(f"component {self.name!r} needs a one-line description")
        if self.name_param is not None and self.name_param not in self.defaults:
            raise ValueError(f"component {self.name!r}: name_param {self.name_param!r} is not one of its defaults")
        stray = sorted(set(self.unkeyed_defaults) - set(self.defaults))
        if stray:
            raise ValueError(f"component {self.name!r}: unkeyed_defaults {', '.join(stray)} are not among its defaults")
        clash = sorted(set(self.fixed) & set(self.defaults))
        if clash:
            raise ValueError(f"component {self.name!r}: {', '.join(clash)} cannot be both fixed and a default")

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0]

    @property
    def label(self) -> str:
        """``kind 'name'``, for messages."""
        return f"{self.kind} {self.name!r}"

    def load(self) -> Callable[..., Any]:
        """The factory itself, importing it if it was given as a string."""
        return load_ref(self.factory)

    def check(self, params: Mapping[str, Any]) -> None:
        """Fail with :class:`~aadbench.errors.ParameterError` on parameters the component does not have."""
        check_parameters(self.label, list(params), self.defaults)

    def create(self, **params: Any) -> Any:
        """Build the component from its defaults updated with ``params``.

        Unknown parameters fail before the factory runs; a ``TypeError``, ``ValueError`` or
        ``OSError`` the factory raises is re-raised as :class:`~aadbench.errors.ComponentError`
        naming the component (the original is its cause).
        """
        self.check(params)
        try:
            return self.load()(**{**self.defaults, **params, **self.fixed})
        except AadbenchError:
            raise
        except (TypeError, ValueError, OSError) as exc:
            text = str(exc)
            raise ComponentError(text if text.startswith(f"{self.name}:") else f"{self.label}: {text}") from exc

    def info(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``aadbench list --json``)."""
        return {"kind": self.kind, "name": self.name, "description": self.summary,
                "defaults": dict(self.defaults), "name_param": self.name_param}


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

    ``identity`` (optional) computes the extractor's identity without building it:
    ``identity(params, fetch)`` gets the full parameters (defaults, the user's values and
    ``fixed``; ``device`` and ``offline`` filled by the harness) and returns what
    :meth:`aadbench.Extractor.identity` of the built extractor would return, ``device``
    left out. With ``fetch=False`` it must not touch the network (weights that are not
    cached count as what the extractor would do without them); with ``fetch=True`` it may
    download what the parameters ask for, unless ``params["offline"]``. Without it, the
    harness builds the extractor to learn its identity, also when nothing is left to compute.
    """

    kind: ClassVar[str] = "extractor"

    domain: str = "none"
    licence: str = ""
    non_commercial: bool = False
    weights: tuple[WeightsFile, ...] = ()
    identity: Ref | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.domain not in DOMAINS:
            raise ValueError(f"extractor {self.name!r}: domain {self.domain!r} is not one of {DOMAINS}")
        object.__setattr__(self, "weights", tuple(self.weights))
        bad = [w for w in self.weights if not isinstance(w, WeightsFile)]
        if bad:
            raise ValueError(f"extractor {self.name!r}: weights must be aadbench.WeightsFile records, not {bad[0]!r}")

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
