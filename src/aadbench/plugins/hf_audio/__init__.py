"""Any audio encoder of Hugging Face ``transformers`` by its hub id or a local folder:
``hf:<model-id>`` (``hf:MIT/ast-finetuned-audioset-10-10-0.4593``, ``hf:facebook/wav2vec2-base``,
``hf:microsoft/wavlm-base-plus``, ``hf:laion/clap-htsat-unfused`` for CLAP's audio tower).

Its feature extractor is the frontend, ``layer`` picks a hidden state, each 2 s window (every
1 s) becomes the mean of that hidden state over time. ``transformers`` is imported only when
one is built.
"""
from __future__ import annotations

from ... import hookimpl
from ...specs import ExtractorSpec

DEFAULTS = {
    "model": "MIT/ast-finetuned-audioset-10-10-0.4593",  # a hub id (org/name) or a local folder
    "revision": "",       # a branch, tag or commit of the hub repository ("" = main)
    "weights": "auto",    # auto / pretrained: the repository's weights; none: random, from its config
    "layer": -1,          # hidden state: 0 = the embeddings, 1 .. N the layers, -1 the last
    "device": "auto",
    "batch_size": 8,      # windows per forward pass
    "window_s": 2.0,
    "hop_s": 1.0,
    "offline": False,     # never touch the network (also HF_HUB_OFFLINE=1)
}


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name="hf",
            factory="aadbench.plugins.hf_audio.extractor:HFAudioExtractor",
            description="Any Hugging Face transformers audio encoder (AST, wav2vec 2.0, HuBERT, WavLM, CLAP audio): "
                        "mean of a hidden layer over 2 s windows every 1 s.",
            defaults=DEFAULTS,
            name_param="model",
            identity="aadbench.plugins.hf_audio.extractor:identity",
            domain="various",
            licence="per model (see its model card on the Hugging Face hub)",
            non_commercial=False,
        ),
    ]
