"""Parameter values against a component's defaults: ``--set`` text and typed values alike.

A value given as text (``--set gmm.n_components=8``) is converted to the type of the
default; a typed value (from a configuration file) is checked against it. Unknown names
fail through :func:`aadbench.specs.check_parameters`, the one message format for them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ParameterError
from ..specs import check_parameters

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

__all__ = ["ParameterError", "apply", "convert", "parse_assignments"]


def parse_assignments(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """``["gmm.n_components=8"]`` -> ``{"gmm": {"n_components": "8"}}``."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        target, eq, value = item.partition("=")
        component, dot, param = target.strip().rpartition(".")
        if not eq or not dot or not component or not param:
            raise ParameterError(f"--set {item!r} must look like component.param=value, e.g. gmm.n_components=8")
        out.setdefault(component, {})[param] = value
    return out


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, (list, tuple)):
        return "a comma-separated list"
    if isinstance(default, str):
        return "text"
    return "a value"


def convert(value: Any, default: Any, where: str) -> Any:
    """``value`` as the type of ``default``: text is parsed, typed values are checked."""
    try:
        return _parse(value, default) if isinstance(value, str) else _check(value, default)
    except (ValueError, TypeError) as exc:
        detail = f" ({exc})" if str(exc) else ""
        raise ParameterError(f"{where}={value!r}: expected {_kind(default)} like {default!r}{detail}") from None


def _parse(value: str, default: Any) -> Any:
    text = value.strip()
    if isinstance(default, bool):
        low = text.lower()
        if low not in _TRUE | _FALSE:
            raise ValueError("")
        return low in _TRUE
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    if isinstance(default, (list, tuple)):
        items = [v.strip() for v in text.split(",") if v.strip()]
        if default and not isinstance(default[0], str):
            return [_parse(v, default[0]) for v in items]
        return items
    if isinstance(default, str):
        return text
    if text.lower() in ("none", "null"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _check(value: Any, default: Any) -> Any:
    if value is None or default is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError("")
        return value
    if isinstance(default, int) and not isinstance(value, bool) and isinstance(value, int):
        return value
    if isinstance(default, float) and not isinstance(value, bool) and isinstance(value, (int, float)):
        return float(value)
    if isinstance(default, (list, tuple)) and isinstance(value, (list, tuple)):
        return [_check(v, default[0]) for v in value] if default else list(value)
    if isinstance(default, str) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(default, (int, float, bool, str, list, tuple)):
        raise TypeError("")
    return value


def apply(what: str, defaults: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``raw`` against ``defaults`` and return the converted values.

    ``what`` names the target in messages (``detector 'gmm'``, ``protocol``).
    """
    check_parameters(what, list(raw), defaults)
    name = what.split()[-1].strip("'\"")
    return {key: convert(value, defaults[key], f"{name}.{key}") for key, value in raw.items()}
