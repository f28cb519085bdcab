"""The raw 64x64 log-mel patches (dB), flattened, for end-to-end detectors such as the DCAEs."""
from __future__ import annotations

from ... import hookimpl
from ...specs import ExtractorSpec


@hookimpl
def register_extractors() -> list[ExtractorSpec]:
    return [
        ExtractorSpec(
            name="mel-patches",
            factory="aadbench.plugins.mel_patches.extractor:MelPatches",
            description="64x64 log-mel patches in dB (64 mels x 64 frames every 32), flattened to 4096-d; "
                        "no colour map, no network.",
            defaults={"device": "cpu"},
            identity="aadbench.plugins.mel_patches.identity:identity",
            domain="none",
            licence="n/a (no weights)",
        )
    ]
