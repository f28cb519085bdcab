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


_KINDS = ((bool, "true or false", "true or false values"), (int, "an integer", "integers"),
          (float, "a number", "numbers"), (str, "text", ""))


def _kind(default: Any, text: bool = True) -> str:
    """What a value for ``default`` must be, with an example (``--set`` text if ``text``, else a typed value)."""
    if isinstance(default, bool):
        return "true or false (also yes/no, on/off, 1/0)" if text else "true or false"
    for cls, one, _ in _KINDS:
        if isinstance(default, cls):
            return f"{one} like {default!r}"
    if isinstance(default, (list, tuple)):
        items = next((many for cls, _, many in _KINDS if default and isinstance(default[0], cls)), "")
        what = ("a comma-separated list" if text else "a list") + (f" of {items}" if items else "")
        if not default:
            return what
        return f"{what} like {','.join(str(v) for v in default)}" if text else f"{what} like {list(default)!r}"
    return f"a value like {default!r}"


def convert(value: Any, default: Any, where: str) -> Any:
    """``value`` as the type of ``default``: text is parsed, typed values are checked."""
    text = isinstance(value, str)
    try:
        return _parse(value, default) if text else _check(value, default)
    except (ValueError, TypeError) as exc:
        detail = f" ({exc})" if str(exc) else ""
        raise ParameterError(f"{where}={value!r}: expected {_kind(default, text)}{detail}") from None


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
