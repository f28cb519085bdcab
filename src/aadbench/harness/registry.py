"""The plugin manager: bundled plugins, the ``aadbench`` entry-point group, lookups.

Nothing here imports a component's implementation: records carry lazy factories. Which
installed plugins load is said by :class:`RegistryOptions`; the command line builds them
from its flags and the ``AADBENCH_*PLUGINS`` environment variables (:func:`options_from_env`).
"""
from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy

from .. import hookspecs
from ..errors import DuplicateComponentError, PluginError, UnknownComponentError, article
from ..specs import SPEC_TYPES, ComponentSpec

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "aadbench"
KINDS = ("dataset", "extractor", "detector")
#: the bundled plugins, registered explicitly (by module name: imported when the registry loads)
BUNDLED_PLUGINS = (
    "aadbench.datasets.synthetic",
    "aadbench.datasets.mimii",
    "aadbench.datasets.dcase",
    "aadbench.datasets.folder",
    "aadbench.plugins.image_cnns",
    "aadbench.plugins.timm_models",
    "aadbench.plugins.audio_nets",
    "aadbench.plugins.mel_patches",
    "aadbench.plugins.beats",
    "aadbench.plugins.hf_audio",
    "aadbench.plugins.musicnn_pons",
    "aadbench.plugins.classic_detectors",
    "aadbench.plugins.distance_detectors",
    "aadbench.plugins.autoencoders",
    "aadbench.plugins.neural_detectors",
    "aadbench.plugins.pyod_detectors",
)
#: comma-separated entry-point or distribution names to skip
ENV_DISABLE = "AADBENCH_DISABLE_PLUGINS"
#: comma-separated entry-point or distribution names: load only these installed plugins
ENV_ONLY = "AADBENCH_PLUGINS"
#: set to 1 to load bundled plugins only
ENV_NO_ENTRY_POINTS = "AADBENCH_NO_ENTRY_POINTS"
#: set to 1 to make a plugin that fails to load fatal (as --strict-plugins)
ENV_STRICT = "AADBENCH_STRICT_PLUGINS"

__all__ = ["KINDS", "Registry", "RegistryOptions", "get_registry", "load_registry", "options_from_env"]


@dataclass(frozen=True)
class RegistryOptions:
    """Which installed plugins load: entry points at all, only / never these names, strictness."""

    entry_points: bool = True
    strict: bool = False
    disabled: frozenset[str] = frozenset()
    only: frozenset[str] = frozenset()


def _names(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def options_from_env(environ: Mapping[str, str] | None = None, *, strict: bool = False) -> RegistryOptions:
    """The options the ``AADBENCH_*`` variables ask for (read by the command line, once)."""
    env = os.environ if environ is None else environ

    def flag(name: str) -> bool:
        return env.get(name, "") not in ("", "0")

    return RegistryOptions(entry_points=not flag(ENV_NO_ENTRY_POINTS), strict=strict or flag(ENV_STRICT),
                           disabled=_names(env.get(ENV_DISABLE, "")), only=_names(env.get(ENV_ONLY, "")))


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

    def __init__(self, options: RegistryOptions | None = None) -> None:
        self.options = options or RegistryOptions()
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
            named = " and ".join(article(k) for k in kinds)
            raise UnknownComponentError(f"{name!r} names {named}; use --{kinds[0]} / --{kinds[1]} to say which")
        return kinds[0], self._by_kind[kinds[0]][name].spec


def _make_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("aadbench")
    pm.add_hookspecs(hookspecs)
    return pm


def _collect(pm: pluggy.PluginManager, plugin: Any, info: PluginInfo) -> list[ComponentSpec]:
    """Call the plugin's register hooks; every record they return, checked (nothing is added yet)."""
    found: list[ComponentSpec] = []
    for kind in KINDS:
        hook_name = f"register_{kind}s"
        impls = [i for i in getattr(pm.hook, hook_name).get_hookimpls() if i.plugin is plugin]
        for impl in impls:
            info.hooks.append(hook_name)
            for spec in impl.function() or []:
                if not isinstance(spec, SPEC_TYPES[kind]):
                    wanted = SPEC_TYPES[kind].__name__
                    raise PluginError(f"{hook_name} of {info.name} returned {spec!r}, not {article(wanted)}")
                found.append(spec)
    return found


def _provider_label(info: PluginInfo) -> str:
    if info.distribution == "aadbench":
        return f"aadbench ({info.name})"
    return f"{info.distribution} {info.version} (plugin {info.name})"


def _entry_point_candidates(options: RegistryOptions, registry: Registry) -> list[tuple[PluginInfo, Any, bool]]:
    out: list[tuple[PluginInfo, Any, bool]] = []
    if not options.entry_points:
        return out
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "?"
        names = {ep.name, dist}
        if names & options.disabled or (options.only and not names & options.only):
            continue
        info = PluginInfo(ep.name, dist, ep.dist.version if ep.dist else "?")
        try:
            out.append((info, ep.load(), False))
        except Exception as exc:  # a broken third-party plugin must not take aadbench down
            _broken(registry, info, exc, options.strict)
    return out


def load_registry(options: RegistryOptions | None = None, *, entry_points: bool | None = None,
                  strict: bool | None = None, extra: Iterable[tuple[str, Any]] = ()) -> Registry:
    """Build the registry from the bundled plugins, entry points and ``extra`` plugins.

    A third-party plugin that fails to import or register is logged and skipped whole
    (recorded in ``registry.broken``, none of its components registered) unless ``strict``;
    duplicate names always fail. ``entry_points`` and ``strict`` override ``options``.
    """
    options = options or RegistryOptions()
    if entry_points is not None or strict is not None:
        options = RegistryOptions(options.entry_points if entry_points is None else entry_points,
                                  options.strict if strict is None else strict, options.disabled, options.only)
    pm, registry = _make_manager(), Registry(options)
    version = _version("aadbench")
    candidates: list[tuple[PluginInfo, Any, bool]] = [
        (PluginInfo(module_name, "aadbench", version), importlib.import_module(module_name), True)
        for module_name in BUNDLED_PLUGINS
    ]
    candidates += [(PluginInfo(name, "(in-process)", "-"), obj, False) for name, obj in extra]
    candidates += _entry_point_candidates(options, registry)
    for info, plugin, bundled in candidates:
        try:
            pm.register(plugin, name=info.name)
            pm.check_pending()
            specs = _collect(pm, plugin, info)
            _add_all(registry, specs, _provider_label(info))
        except DuplicateComponentError:
            raise
        except Exception as exc:
            if bundled:
                raise
            if pm.is_registered(plugin):
                pm.unregister(plugin)
            _broken(registry, info, exc, options.strict)
            continue
        info.components = [f"{s.kind}:{s.name}" for s in specs]
        registry.plugins.append(info)
    return registry


def _add_all(registry: Registry, specs: Sequence[ComponentSpec], provider: str) -> None:
    """Add a plugin's records all or none: a clash leaves nothing of the plugin behind."""
    names = [(s.kind, s.name) for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PluginError(f"{provider} registers {twice[0][0]} {twice[0][1]!r} twice")
    for spec in specs:
        if spec.name in registry._by_kind[spec.kind]:
            registry.add(spec, provider)  # raises, naming both providers
    for spec in specs:
        registry.add(spec, provider)


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


_cache: dict[RegistryOptions, Registry] = {}


def get_registry(options: RegistryOptions | None = None) -> Registry:
    """The registry for ``options`` (default: bundled plugins and every entry point), loaded once per process."""
    options = options or RegistryOptions()
    if options not in _cache:
        _cache[options] = load_registry(options)
    return _cache[options]
