"""``--set component.param=value``: parsing and conversion against a component's defaults."""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ParameterError(ValueError):
    """A ``--set`` entry that cannot be applied."""


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


def convert(value: str, default: Any, where: str) -> Any:
    """Convert the text ``value`` to the type of ``default``."""
    text = value.strip()
    try:
        if isinstance(default, bool):
            low = text.lower()
            if low not in _TRUE | _FALSE:
                raise ValueError("expected true or false")
            return low in _TRUE
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, (list, tuple)):
            items = [v.strip() for v in text.split(",") if v.strip()]
            if default and not isinstance(default[0], str):
                items = [convert(v, default[0], where) for v in items]
            return items
        if isinstance(default, str):
            return text
        if text.lower() in ("none", "null"):
            return None
        return _json_or_text(text)
    except ValueError as exc:
        raise ParameterError(f"{where}={value!r}: expected a {type(default).__name__} like {default!r} ({exc})") from None


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def apply(component: str, defaults: Mapping[str, Any], raw: Mapping[str, str]) -> dict[str, Any]:
    """Check ``raw`` against ``defaults`` and return the converted overrides."""
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise ParameterError(
            f"{component} has no parameter {', '.join(unknown)}; its parameters are: "
            f"{', '.join(f'{k}={v!r}' for k, v in sorted(defaults.items())) or '(none)'}")
    return {key: convert(text, defaults[key], f"{component}.{key}") for key, text in raw.items()}
