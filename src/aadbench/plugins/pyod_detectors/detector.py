"""A PyOD model as an aadbench detector: ``fit`` on the normal features, ``score`` = its
``decision_function`` (PyOD's outlier score: higher = more anomalous, as in aadbench)."""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from typing import Any

import numpy as np

from ...components import Detector
from ...errors import ConfigError
from ..classic_detectors.sklearn_models import as_float64

INSTALL = 'pip install "aadbench[pyod]" (or pip install pyod)'


def _pyod() -> Any:
    try:
        return importlib.import_module("pyod.models")
    except ImportError:
        raise ConfigError(f"pyod detectors need PyOD, which is not installed: {INSTALL}") from None


def available() -> list[str]:
    """The model names PyOD offers here (its ``pyod.models`` modules)."""
    models = _pyod()
    return sorted(m.name for m in pkgutil.iter_modules(models.__path__)
                  if not m.name.startswith("_") and m.name not in ("base", "base_dl", "sklearn_base", "combination",
                                                                    "thresholds", "gaal_base"))


def model_class(name: str) -> type:
    """``ecod`` -> ``pyod.models.ecod.ECOD`` (the module's class whose name matches, case and ``_`` aside)."""
    _pyod()
    wanted = name.strip().lower()
    try:
        module = importlib.import_module(f"pyod.models.{wanted}")
    except ImportError as exc:
        if wanted in available():  # the module exists but needs something else (torch_geometric, ...)
            raise ConfigError(f"pyod:{name} cannot be loaded here: {exc}") from None
        raise ConfigError(f"PyOD has no model {name!r}; one of: {', '.join(available())}") from None
    flat = wanted.replace("_", "")
    for attr, obj in vars(module).items():
        if isinstance(obj, type) and attr.lower() == flat and obj.__module__ == module.__name__:
            return obj
    raise ConfigError(f"pyod.models.{wanted} has no detector class named like {name!r}")


def parse_options(text: str, cls: type) -> dict[str, Any]:
    """``"n_neighbors=20,metric=cosine"`` -> keyword arguments, checked against the class's signature."""
    out: dict[str, Any] = {}
    accepted = [p for p in inspect.signature(cls).parameters if p not in ("args", "kwargs")]
    for part in filter(None, (p.strip() for p in str(text or "").split(","))):
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq or not key:
            raise ConfigError(f"pyod options: {part!r} is not NAME=VALUE (e.g. options=n_neighbors=20,metric=cosine)")
        if key not in accepted:
            raise ConfigError(f"pyod:{cls.__name__.lower()} has no option {key!r}; it takes {', '.join(accepted)}")
        try:
            out[key] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            out[key] = value.strip()
    return out


class PyODDetector(Detector):
    #: what a model file may rebuild for this detector (its estimator goes through skops)
    state_packages = ("pyod",)

    def __init__(self, model: str = "ecod", options: str = "", random_state: int = 0) -> None:
        self.model, self.options, self.random_state = str(model), str(options), int(random_state)
        self.cls = model_class(self.model)
        self.kwargs = parse_options(self.options, self.cls)
        # randomised models (IForest, LODA, ...) follow the run's seed unless the options set one
        if "random_state" in inspect.signature(self.cls).parameters:
            self.kwargs.setdefault("random_state", self.random_state)

    def fit(self, X: np.ndarray) -> PyODDetector:
        X = as_float64(X, f"pyod:{self.model}")
        try:
            self.model_ = self.cls(**self.kwargs).fit(X)
        except TypeError as exc:
            raise ConfigError(f"pyod:{self.model} with options {self.options!r}: {exc}") from None
        return self

    def score(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = np.asarray(self.model_.decision_function(as_float64(X, f"pyod:{self.model}")),
                                        dtype=np.float64).ravel()
        return scores
