"""ImageNet CNNs from torchvision over the paper's mel-spectrogram images."""
from __future__ import annotations

from ... import hookimpl
from ...harness.weights import spec_weights
from ...specs import ExtractorSpec
from .catalog import weights_for

#: parameters every image CNN extractor takes
COMMON_DEFAULTS = {
    "weights": "auto",        # auto | imagenet | none | path to a checkpoint
    "device": "auto",         # auto | cpu | cuda | cuda:N
    "batch_size": 64,         # patches per forward pass
    "dtype": "float32",       # float32 | bfloat16
    "channels_last": True,    # NHWC layout: ~1.3x faster CNNs on CPU, same features up to float rounding
    "scaling": "patch-minmax",
    "colormap": "viridis",
    "interpolation": "bilinear",
    "layer": "",              # "" = the paper's layer; else a module name (layer3), globally average-pooled
    "compile": False,         # torch.compile the network (slow first batches; not part of the features' key)
}

_MODELS = {
    "alexnet": "AlexNet, penultimate fully connected layer (4096-d).",
    "resnet18": "ResNet18, global average pooling (512-d).",
    "resnet34": "ResNet34, global average pooling (512-d).",
    "squeezenet": "SqueezeNet 1.0, final feature map average-pooled to 2x2 (2048-d).",
    "squeezenet1_1": "SqueezeNet 1.1, final feature map average-pooled to 2x2 (2048-d).",
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name=name,
            factory=f"aadbench.plugins.image_cnns.extractor:{name}",
            description=f"{summary} ImageNet weights (torchvision) on viridis mel patches.",
            defaults=COMMON_DEFAULTS,
            domain="image",
            licence="BSD-3-Clause (torchvision); trained on ImageNet, whose terms restrict commercial use",
            non_commercial=True,
            **spec_weights(weights_for(name)),
        )
        for name, summary in _MODELS.items()
    ]
