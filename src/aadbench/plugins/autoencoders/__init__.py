"""Convolutional autoencoders on the 64x64 log-mel patches: LeNet-DCAE, Small-DCAE, CAE-L2."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DetectorSpec

_MOD = "aadbench.plugins.autoencoders.detector"

#: the paper's DCAE training (PROTOCOL.md §1)
TRAINING = {"epochs": 80, "lr": 1e-4, "batch_size": 128, "random_state": 0, "device": "auto", "progress": True}


@hookimpl
def register_detectors() -> list[DetectorSpec]:
    return [
        DetectorSpec("lenet-dcae", f"{_MOD}:LeNetDCAE",
                     "LeNet-DCAE on mel patches (32/64/128 ch, kernel 5, BN, ELU, 128-d code); "
                     "score = reconstruction MSE.",
                     {**TRAINING, "channels": [32, 64, 128], "bottleneck": 128}, requires="mel-patches"),
        DetectorSpec("small-dcae", f"{_MOD}:SmallDCAE",
                     "Small-DCAE on mel patches (12/24/48 ch, kernel 4, ReLU, 128-d code); "
                     "score = reconstruction MSE.",
                     {**TRAINING, "channels": [12, 24, 48], "bottleneck": 128}, requires="mel-patches"),
        DetectorSpec("cae-l2", f"{_MOD}:CAEL2",
                     "Conv autoencoder with max pooling / upsampling and L2 weight penalty (DCASE 2020 "
                     "slider CAE); score = reconstruction MSE.",
                     {**TRAINING, "channels": [32, 16, 8], "l2": 1e-4}, requires="mel-patches"),
    ]
