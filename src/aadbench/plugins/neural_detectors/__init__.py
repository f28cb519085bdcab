"""Neural detectors on any extractor's features: an MLP VAE and deep metric learning (Deep SVDD style)."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DetectorSpec

_MOD = "aadbench.plugins.neural_detectors"

_TRAINING = {"epochs": 50, "batch_size": 128, "random_state": 0, "device": "auto", "progress": True}


@hookimpl
def register_detectors() -> list[DetectorSpec]:
    return [
        DetectorSpec("vae", f"{_MOD}.vae:VAE",
                     "MLP variational autoencoder on the features; score = negative ELBO at the posterior mean.",
                     {"hidden": [512, 256], "latent": 32, "scoring": "elbo", "lr": 1e-3, "weight_decay": 0.0,
                      **_TRAINING}),
        DetectorSpec("dml", f"{_MOD}.dml:DML",
                     "Deep metric learning: bias-free MLP pulling normal features to a fixed centre "
                     "(Deep SVDD style); score = squared distance to the centre.",
                     {"hidden": [512, 256], "embedding": 64, "lr": 1e-4, "weight_decay": 1e-6, **_TRAINING}),
    ]
