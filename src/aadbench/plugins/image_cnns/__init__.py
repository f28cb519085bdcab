"""ImageNet CNNs from torchvision over the paper's mel-spectrogram images (one row each in ``catalog``)."""
from __future__ import annotations

from ... import hookimpl
from ...frontend import FRONTEND_PARAMS
from ...specs import ExtractorSpec
from .catalog import CNNS, LICENCE

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
    "offline": False,         # never download weights (the harness sets it for --offline runs)
    **FRONTEND_PARAMS,        # n_fft, hop_length, n_mels, patch_frames, patch_hop: the paper's values
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name=name,
            factory="aadbench.plugins.image_cnns.extractor:TorchvisionCNN",
            description=f"{cnn.summary} ImageNet weights (torchvision) on viridis mel patches.",
            defaults=COMMON_DEFAULTS,
            fixed={"arch": cnn.arch},
            domain="image",
            licence=LICENCE,
            non_commercial=True,
            weights=(cnn.weights,),
            identity="aadbench.plugins.image_cnns.identity:identity",
            unkeyed_defaults=dict(FRONTEND_PARAMS),  # results stored before they were parameters keep their keys
        )
        for name, cnn in CNNS.items()
    ]
