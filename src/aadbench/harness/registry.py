"""The plugin manager: bundled plugins, the ``aadbench`` entry-point group, lookups.

Nothing here imports a component's implementation: records carry lazy factories.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

import pluggy

from .. import hookspecs
from ..specs import SPEC_TYPES, ComponentSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "aadbench"
KINDS = ("dataset", "extractor", "detector")
BUNDLED_PLUGINS = (
    "aadbench.datasets.synthetic",
    "aadbench.datasets.mimii",
    "aadbench.datasets.dcase",
    "aadbench.datasets.folder",
    "aadbench.plugins.image_cnns",
    "aadbench.plugins.timm_models",
    "aadbench.plugins.audio_nets",
    "aadbench.plugins.mel_patches",
    "aadbench.plugins.classic_detectors",
    "aadbench.plugins.distance_detectors",
    "aadbench.plugins.autoencoders",
    "aadbench.plugins.neural_detectors",
)
#: comma-separated entry-point or distribution names to skip
ENV_DISABLE = "AADBENCH_DISABLE_PLUGINS"
#: comma-separated entry-point or distribution names: load only these installed plugins
ENV_ONLY = "AADBENCH_PLUGINS"
#: set to 1 to load bundled plugins only
ENV_NO_ENTRY_POINTS = "AADBENCH_NO_ENTRY_POINTS"
#: set to 1 to make a plugin that fails to load fatal (as --strict-plugins)
ENV_STRICT = "AADBENCH_STRICT_PLUGINS"


class PluginError(Exception):
    """A plugin could not be loaded or declares something invalid."""


class UnknownComponentError(LookupError):
    """A component name that no plugin provides."""


class DuplicateComponentError(PluginError):
    """Two plugins provide a component of the same kind and name."""


@dataclass(frozen=True)
class Provided:
    spec: ComponentSpec
    provider: str


@dataclass
class PluginInfo:
    """One loaded plugin: where it came from and what it gave."""

    name: str
    distribution: str
    version: str
    hooks: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BrokenPlugin:
    name: str
    distribution: str
    error: str


class Registry:
    """Every component by kind and name, with the plugin that provides it."""

    def __init__(self) -> None:
        self._by_kind: dict[str, dict[str, Provided]] = {k: {} for k in KINDS}
        self.plugins: list[PluginInfo] = []
        self.broken: list[BrokenPlugin] = []

    def add(self, spec: ComponentSpec, provider: str) -> None:
        table = self._by_kind[spec.kind]
        if spec.name in table:
            raise DuplicateComponentError(
                f"{spec.kind} {spec.name!r} is provided twice: by {table[spec.name].provider} "
                f"and by {provider}; uninstall or disable one of them ({ENV_DISABLE}=NAME)"
            )
        table[spec.name] = Provided(spec, provider)

    def names(self, kind: str) -> list[str]:
        return sorted(self._by_kind[kind])

    def entries(self, kind: str | None = None) -> list[Provided]:
        kinds = KINDS if kind is None else (kind,)
        return [self._by_kind[k][n] for k in kinds for n in sorted(self._by_kind[k])]

    def get(self, kind: str, name: str) -> ComponentSpec:
        try:
            return self._by_kind[kind][name].spec
        except KeyError:
            raise UnknownComponentError(self._unknown_message(name, kind)) from None

    def provider(self, kind: str, name: str) -> str:
        self.get(kind, name)
        return self._by_kind[kind][name].provider

    def kinds_of(self, name: str) -> list[str]:
        return [k for k in KINDS if name in self._by_kind[k]]

    def _unknown_message(self, name: str, kind: str | None) -> str:
        kinds = KINDS if kind is None else (kind,)
        pool = [n for k in kinds for n in self._by_kind[k]]
        close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
        what = kind or "component"
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"no {what} named {name!r}{hint} (see `aadbench list`)"

    def resolve(self, name: str) -> tuple[str, ComponentSpec]:
        """Find a name across kinds; an ambiguous name must be given with its kind."""
        kinds = self.kinds_of(name)
        if not kinds:
            raise UnknownComponentError(self._unknown_message(name, None))
        if len(kinds) > 1:
            raise UnknownComponentError(
                f"{name!r} names a {' and a '.join(kinds)}; use --{kinds[0]} / --{kinds[1]} to say which"
            )
        return kinds[0], self._by_kind[kinds[0]][name].spec


def _make_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("aadbench")
    pm.add_hookspecs(hookspecs)
    return pm


def _env_names(var: str) -> set[str]:
    return {p.strip() for p in os.environ.get(var, "").split(",") if p.strip()}


def _entry_points() -> Iterable[md.EntryPoint]:
    if os.environ.get(ENV_NO_ENTRY_POINTS, "") not in ("", "0"):
        return []
    return md.entry_points(group=ENTRY_POINT_GROUP)


def _collect(pm: pluggy.PluginManager, plugin: Any, info: PluginInfo, registry: Registry) -> None:
    """Call the plugin's register hooks and add what they return."""
    for kind in KINDS:
        hook_name = f"register_{kind}s"
        impls = [i for i in getattr(pm.hook, hook_name).get_hookimpls() if i.plugin is plugin]
        for impl in impls:
            info.hooks.append(hook_name)
            records = impl.function() or []
            for spec in records:
                if not isinstance(spec, SPEC_TYPES[kind]):
                    raise PluginError(f"{hook_name} of {info.name} returned {spec!r}, not a {SPEC_TYPES[kind].__name__}")
                registry.add(spec, provider=_provider_label(info))
                info.components.append(f"{kind}:{spec.name}")


def _provider_label(info: PluginInfo) -> str:
    if info.distribution == "aadbench":
        return f"aadbench ({info.name})"
    return f"{info.distribution} {info.version} (plugin {info.name})"


def load_registry(*, entry_points: bool = True, strict: bool = False,
                  extra: Iterable[tuple[str, Any]] = ()) -> Registry:
    """Build the registry from the bundled plugins, entry points and ``extra`` plugins.

    A third-party plugin that fails to import or register is logged and skipped
    (recorded in ``registry.broken``) unless ``strict``; duplicate names always fail.
    """
    pm, registry = _make_manager(), Registry()
    version = _version("aadbench")
    candidates: list[tuple[PluginInfo, Any, bool]] = [
        (PluginInfo(module_name, "aadbench", version), importlib.import_module(module_name), True)
        for module_name in BUNDLED_PLUGINS
    ]
    candidates += [(PluginInfo(name, "(in-process)", "-"), obj, False) for name, obj in extra]
    disabled, only = _env_names(ENV_DISABLE), _env_names(ENV_ONLY)
    for ep in (_entry_points() if entry_points else []):
        dist = ep.dist.name if ep.dist else "?"
        if ep.name in disabled or dist in disabled or (only and not {ep.name, dist} & only):
            continue
        info = PluginInfo(ep.name, dist, ep.dist.version if ep.dist else "?")
        try:
            candidates.append((info, ep.load(), False))
        except Exception as exc:  # a broken third-party plugin must not take aadbench down
            _broken(registry, info, exc, strict)
    for info, plugin, bundled in candidates:
        try:
            pm.register(plugin, name=info.name)
            pm.check_pending()
            _collect(pm, plugin, info, registry)
        except DuplicateComponentError:
            raise
        except Exception as exc:
            if bundled:
                raise
            pm.unregister(plugin)
            _broken(registry, info, exc, strict)
            continue
        registry.plugins.append(info)
    return registry


def _broken(registry: Registry, info: PluginInfo, exc: Exception, strict: bool) -> None:
    message = f"{type(exc).__name__}: {exc}"
    if strict:
        raise PluginError(f"plugin {info.name!r} from {info.distribution} failed to load: {message}") from exc
    log.warning("skipping plugin %r from %s, it failed to load: %s", info.name, info.distribution, message)
    registry.broken.append(BrokenPlugin(info.name, info.distribution, message))


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "0+unknown"


_cache: dict[bool, Registry] = {}


def get_registry(strict: bool | None = None) -> Registry:
    """The process-wide registry (loaded once); ``strict`` defaults to $AADBENCH_STRICT_PLUGINS."""
    if strict is None:
        strict = os.environ.get(ENV_STRICT, "") not in ("", "0")
    if strict not in _cache:
        _cache[strict] = load_registry(strict=strict)
    return _cache[strict]
