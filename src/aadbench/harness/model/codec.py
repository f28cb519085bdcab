"""A detector's learned state to files that execute no code when read, and back.

The state (``Detector.state()``) becomes one JSON tree; numpy arrays go to an ``.npz`` read with
``allow_pickle=False``, torch tensors to a safetensors file, scikit-learn estimators to skops
files whose types are checked against a short trusted list before loading. An object of the
detector's own package (a torch mixture, say) is stored as its class name and its attributes;
only classes of aadbench or of the detector's package are rebuilt, by ``__new__`` and their
attributes (no ``__init__``, no ``__setstate__``, no pickle).
"""
from __future__ import annotations

import importlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import ModelError, article

#: the module prefixes whose types a skops file may hold
TRUSTED_SKOPS_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def packages_of(detector: Any) -> tuple[str, ...]:
    """The packages whose objects a detector's state may hold: aadbench, the detector's own, and
    those it names in ``state_packages`` (the PyOD wrapper: ``("pyod",)``)."""
    own = type(detector).__module__.split(".")[0]
    return tuple(dict.fromkeys(("aadbench", own, *getattr(detector, "state_packages", ()))))


@dataclass
class Encoded:
    """The JSON tree of a state and the binary parts it points to."""

    tree: Any = None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    tensors: dict[str, Any] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)


def encode(state: Mapping[str, Any], packages: tuple[str, ...] = ("aadbench",)) -> Encoded:
    out = Encoded()
    out.tree = _encode(dict(state), out, "state", packages)
    return out


def _encode(value: Any, out: Encoded, where: str, packages: tuple[str, ...]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else {"__float__": repr(f)}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise ModelError(f"{where}: an array of Python objects cannot be saved without pickle")
        name = f"a{len(out.arrays)}"
        out.arrays[name] = np.ascontiguousarray(value)
        return {"__array__": name}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, out, f"{where}[{i}]", packages) for i, v in enumerate(value)]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ModelError(f"{where}: only dicts with string keys can be saved")
        return {"__dict__": {k: _encode(v, out, f"{where}.{k}", packages) for k, v in value.items()}}
    module = type(value).__module__ or ""
    if module.startswith("torch"):
        return _encode_torch(value, out, where)
    if hasattr(value, "get_params") and (module.startswith("sklearn.") or module.split(".")[0] in packages):
        import skops.io

        name = f"e{len(out.blobs)}.skops"
        out.blobs[name] = skops.io.dumps(value)
        return {"__skops__": name}
    if module.split(".")[0] in packages and hasattr(value, "__dict__") and not callable(value):
        cls = type(value)
        return {"__object__": f"{cls.__module__}:{cls.__qualname__}",
                "state": _encode(dict(vars(value)), out, f"{where}<{cls.__name__}>", packages)}
    raise ModelError(f"{where}: cannot save a value of type {module}.{type(value).__qualname__} without pickle; "
                     f"the detector should define state() and restore() (see docs/plugin_hooks.md)")


def _encode_torch(value: Any, out: Encoded, where: str) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        name = f"t{len(out.tensors)}"
        out.tensors[name] = value.detach().cpu().contiguous()
        return {"__tensor__": name}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, torch.dtype):
        return {"__dtype__": str(value).replace("torch.", "")}
    raise ModelError(f"{where}: cannot save {article(type(value).__qualname__)} (a torch module?) without pickle; "
                     f"the detector should define state() and restore() (see docs/plugin_hooks.md)")


@dataclass
class Parts:
    """The binary parts of a stored state, read back."""

    arrays: Mapping[str, np.ndarray]
    tensors: Mapping[str, Any]
    blobs: Mapping[str, bytes]


def decode(tree: Any, parts: Parts, packages: tuple[str, ...] = ("aadbench",)) -> dict[str, Any]:
    state = _decode(tree, parts, packages)
    if not isinstance(state, dict):
        raise ModelError("the detector state is not a mapping")
    return state


def _decode(node: Any, parts: Parts, packages: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_decode(v, parts, packages) for v in node]
    if not isinstance(node, dict):
        return node
    if "__array__" in node:
        return _part(parts.arrays, node["__array__"], "array")
    if "__tensor__" in node:
        return _part(parts.tensors, node["__tensor__"], "tensor")
    if "__tuple__" in node:
        return tuple(_decode(v, parts, packages) for v in node["__tuple__"])
    if "__dict__" in node:
        return {k: _decode(v, parts, packages) for k, v in node["__dict__"].items()}
    if "__float__" in node:
        return float(node["__float__"])
    if "__device__" in node:
        import torch

        name = str(node["__device__"])
        return torch.device(name if not name.startswith("cuda") or torch.cuda.is_available() else "cpu")
    if "__dtype__" in node:
        import torch

        return getattr(torch, str(node["__dtype__"]))
    if "__skops__" in node:
        return _load_skops(_part(parts.blobs, node["__skops__"], "estimator"), node["__skops__"], packages)
    if "__object__" in node:
        return _rebuild(str(node["__object__"]), _decode(node["state"], parts, packages), packages)
    raise ModelError(f"unknown entry in the detector state: {sorted(node)}")


def _part(table: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in table:
        raise ModelError(f"the detector state names the {what} {name!r}, which the model does not hold")
    return table[name]


def _load_skops(data: bytes, name: str, packages: tuple[str, ...] = ()) -> Any:
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as exc:
        raise ModelError(f"{name}: not a readable skops file ({type(exc).__name__}: {exc})") from None
    trusted = TRUSTED_SKOPS_PREFIXES + tuple(f"{p}." for p in packages if p != "aadbench")
    refused = [t for t in untrusted if not t.startswith(trusted)]
    if refused:
        raise ModelError(f"{name}: holds types outside scikit-learn, numpy, scipy and the detector's package "
                         f"({', '.join(refused[:3])}); refused (a model file never runs code of other packages)")
    return skops.io.loads(data, trusted=list(untrusted))


def _rebuild(path: str, attributes: Any, packages: tuple[str, ...]) -> Any:
    module_name, _, qualname = path.partition(":")
    if module_name.split(".")[0] not in packages:
        raise ModelError(f"the detector state names the class {path}, outside {', '.join(packages)}; refused")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise ModelError(f"the class {path} of the detector state is not installed here") from None
    if not isinstance(obj, type) or not isinstance(attributes, dict):
        raise ModelError(f"{path} is not a class with attributes")
    instance: Any = object.__new__(obj)
    instance.__dict__.update(attributes)
    return instance


def arrays_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **dict(arrays))  # type: ignore[arg-type]
    return buffer.getvalue()


def read_arrays(data: bytes, name: str) -> dict[str, np.ndarray]:
    """An ``.npz`` read with pickle disabled: an object array (a pickle payload) is refused."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise ModelError(f"{name}: holds pickled objects; refused (a model file never unpickles)") from None
        raise ModelError(f"{name}: not a readable array file ({exc})") from None
    except Exception as exc:
        raise ModelError(f"{name}: not a readable array file ({type(exc).__name__}: {exc})") from None


def tensors_bytes(tensors: Mapping[str, Any]) -> bytes:
    from safetensors.torch import save

    return bytes(save(dict(tensors))) if tensors else b""


def read_tensors(data: bytes, name: str) -> dict[str, Any]:
    if not data:
        return {}
    from safetensors.torch import load

    try:
        return dict(load(data))
    except Exception as exc:
        raise ModelError(f"{name}: not a readable safetensors file ({type(exc).__name__}: {exc})") from None
