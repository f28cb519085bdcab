"""Any timm model over the paper's mel-spectrogram images (``timm:<model name>`` on the command line)."""
from __future__ import annotations

from ... import hookimpl
from ...frontend import FRONTEND_PARAMS
from ...specs import ExtractorSpec

DEFAULTS = {
    "model": "resnet18",      # any name `timm.list_models()` knows, with or without a .tag
    "weights": "auto",        # auto | pretrained | imagenet | none | path to a checkpoint
    "device": "auto",         # auto | cpu | cuda | cuda:N
    "batch_size": 64,         # patches per forward pass
    "layer": "",              # "" = timm's pooled features; else a module name, globally average-pooled
    "dtype": "float32",       # float32 | bfloat16
    "channels_last": False,
    "scaling": "patch-minmax",
    "colormap": "viridis",
    "interpolation": "bilinear",
    "offline": False,         # never download weights (the harness sets it for --offline runs)
    **FRONTEND_PARAMS,        # n_fft, hop_length, n_mels, patch_frames, patch_hop: the paper's values
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name="timm",
            factory="aadbench.plugins.timm_models.extractor:TimmExtractor",
            description="Any timm model's pooled features (or a layer's) on viridis mel patches; "
                        "weights through timm's Hugging Face hub loading.",
            defaults=DEFAULTS,
            name_param="model",
            identity="aadbench.plugins.timm_models.identity:identity",
            domain="image",
            licence="per model (see its model card on the Hugging Face hub); most timm weights are trained on "
                    "ImageNet, whose terms restrict commercial use",
            non_commercial=True,
            unkeyed_defaults=dict(FRONTEND_PARAMS),  # results stored before they were parameters keep their keys
        ),
    ]
