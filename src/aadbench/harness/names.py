"""Component names with arguments: ``<family>:<value>`` and ``<extractor>@<layer>``.

``timm:convnext_tiny`` is the ``timm`` extractor with ``model=convnext_tiny``: the
parameter a ``:`` argument sets is the record's ``name_param``. ``resnet34@layer3`` is
``resnet34`` with ``layer=layer3`` (extractors with a ``layer`` parameter). The full text
stays the label under which results are stored, so each variant is its own row in every table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, article
from .registry import Registry

LAYER_PARAM = "layer"


@dataclass(frozen=True)
class ParsedName:
    label: str              # what the user wrote; the name results are stored under
    name: str               # the registered component
    kind: str               # dataset, extractor or detector
    params: dict[str, Any] = field(default_factory=dict)  # the parameters the label sets


def parse_name(text: str, registry: Registry, kind: str | None = None) -> ParsedName:
    """Split ``text`` into the registered name and the parameters its suffixes set.

    ``kind`` restricts the lookup (``--extractor``, ``--detector``); ``None`` finds the
    name across kinds.
    """
    label = text.strip()
    base, at, layer = label.partition("@")
    params: dict[str, Any] = {}
    prefix, colon, value = base.partition(":")
    found_kind, spec = (kind, registry.get(kind, prefix)) if kind else registry.resolve(prefix)
    if colon:
        if spec.name_param is None:
            raise ConfigError(f"{label!r}: {spec.label} takes no ':' argument")
        if not value:
            raise ConfigError(f"{label!r}: give {article(spec.name_param)} after '{prefix}:', e.g. {prefix}:resnet18")
        params[spec.name_param] = value
    if at:
        if not layer:
            raise ConfigError(f"{label!r}: give a layer after '@', e.g. resnet34@layer3")
        if found_kind != "extractor":
            raise ConfigError(f"{label!r}: only extractors take '@layer'; {prefix!r} is {article(found_kind)}")
        if LAYER_PARAM not in spec.defaults:
            raise ConfigError(f"{label!r}: extractor {prefix!r} has no layer selection")
        params[LAYER_PARAM] = layer
    return ParsedName(label, spec.name, found_kind, params)
