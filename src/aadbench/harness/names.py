"""Component names with arguments: ``timm:<model>`` and ``<extractor>@<layer>``.

``timm:convnext_tiny`` is the ``timm`` extractor with ``model=convnext_tiny``;
``resnet34@layer3`` is ``resnet34`` with ``layer=layer3``. The full text stays the label
under which results are stored, so each variant is its own row in every table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .registry import Registry

#: the parameter that ``prefix:VALUE`` sets, per prefix component
PREFIX_PARAMS = {"timm": "model"}
LAYER_PARAM = "layer"


@dataclass(frozen=True)
class ParsedName:
    label: str              # what the user wrote; the name results are stored under
    name: str               # the registered component
    params: dict[str, Any]  # the parameters the label sets


def parse_name(text: str, registry: Registry) -> ParsedName:
    """Split ``text`` into the registered name and the parameters its suffixes set."""
    label = text.strip()
    base, at, layer = label.partition("@")
    params: dict[str, Any] = {}
    prefix, colon, value = base.partition(":")
    if colon and prefix in PREFIX_PARAMS and not registry.kinds_of(base):
        if not value:
            raise ValueError(f"{label!r}: give a model after '{prefix}:', e.g. {prefix}:resnet18")
        base, params[PREFIX_PARAMS[prefix]] = prefix, value
    if at:
        if not layer:
            raise ValueError(f"{label!r}: give a layer after '@', e.g. resnet34@layer3")
        if registry.kinds_of(base) and "extractor" not in registry.kinds_of(base):
            raise ValueError(f"{label!r}: only extractors take '@layer' (or ':' arguments); "
                             f"{base!r} is a {registry.kinds_of(base)[0]}")
        spec = registry.get("extractor", base)
        if LAYER_PARAM not in spec.defaults:
            raise ValueError(f"{label!r}: extractor {base!r} has no layer selection")
        params[LAYER_PARAM] = layer
    return ParsedName(label, base, params)
