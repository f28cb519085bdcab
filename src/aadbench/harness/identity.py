"""What an extractor's features depend on, and the keys derived from it.

An extractor's identity comes from its record's ``identity`` function (no network is built,
no weights are loaded); for an extractor without one, from building it. The *features
identity* (``features_id``) is the extractor's name, its parameters and its identity,
without the settings that do not change features: cache folders and job keys hang on it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ..errors import AadbenchError, ComponentError
from ..specs import ExtractorSpec, load_ref

#: extractor parameters that do not change features (left out of job keys and cache keys)
NON_SEMANTIC = ("device", "batch_size", "compile", "offline")
#: detector parameters that do not change results (left out of job keys)
DETECTOR_NON_SEMANTIC = ("device", "progress", "offline")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def job_key(**parts: Any) -> str:
    """A stable hash of everything that defines a job's result."""
    return hashlib.sha256(canonical_json(parts).encode()).hexdigest()[:32]


def fill(params: Mapping[str, Any], defaults: Mapping[str, Any], overrides: Mapping[str, Any], **run: Any
         ) -> dict[str, Any]:
    """``params`` with the run's values (``device``, ``random_state``, ``offline``, ``progress``)
    filled in where the component has such a parameter and the user did not set it."""
    out = dict(params)
    for name, value in run.items():
        if value is not None and name in defaults and name not in overrides:
            out[name] = value
    return out


def extractor_identity(spec: ExtractorSpec, params: Mapping[str, Any], *, fetch: bool) -> dict[str, Any]:
    """The identity the built extractor reports, ``device`` left out.

    From ``spec.identity`` when the record has one (no network is built; ``fetch=False``
    touches no network connection either); otherwise the extractor is built and asked.
    """
    if spec.identity is None:
        identity = spec.create(**params).identity()
    else:
        try:
            identity = load_ref(spec.identity)({**params, **spec.fixed}, fetch)
        except AadbenchError:
            raise
        except (TypeError, ValueError, OSError) as exc:
            raise ComponentError(f"{spec.label}: {exc}") from exc
    if not isinstance(identity, Mapping):
        raise TypeError(f"{spec.label}: its identity must be a dict, not {type(identity).__name__}")
    return {k: v for k, v in identity.items() if k != "device"}


def keyed(params: Mapping[str, Any], unkeyed: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` without those that hold their ``unkeyed`` value (added after results were stored)."""
    return {k: v for k, v in params.items() if not (k in unkeyed and v == unkeyed[k])}


def features_id(spec: ExtractorSpec, params: Mapping[str, Any], identity: Mapping[str, Any]) -> dict[str, Any]:
    """The extractor's name, parameters and identity, without the non-semantic settings."""
    merged = {**keyed(params, spec.unkeyed_defaults), **identity}
    return {"name": spec.name, **{k: v for k, v in merged.items() if k not in NON_SEMANTIC}}


def semantic(identity: Mapping[str, Any]) -> dict[str, Any]:
    """An identity as it enters ``features_id`` (what two builds of one extractor must share)."""
    return {k: v for k, v in identity.items() if k not in NON_SEMANTIC}


def detector_key(*, dataset: str, dataset_config: Mapping[str, Any], task: str, features: Mapping[str, Any],
                 detector: str, detector_params: Mapping[str, Any], seed: int, protocol: Mapping[str, Any],
                 unkeyed: Mapping[str, Any] | None = None) -> str:
    """The key of one detector job (stable across versions: stored results are found by it)."""
    params = {k: v for k, v in keyed(detector_params, unkeyed or {}).items() if k not in DETECTOR_NON_SEMANTIC}
    return job_key(dataset=dataset, dataset_config=dataset_config, task=task, features=features,
                   detector=detector, detector_params=params, seed=seed, protocol=protocol)
