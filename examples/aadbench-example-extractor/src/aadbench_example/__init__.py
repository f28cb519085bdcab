"""An aadbench plugin: registration only, nothing heavy is imported here."""
import aadbench


@aadbench.hookimpl
def register_extractors():
    return [aadbench.ExtractorSpec(
        name="band-energy",
        factory="aadbench_example.features:BandEnergy",
        description="Log energy in linear frequency bands of 2 s windows every 1 s (numpy only).",
        defaults={"n_bands": 32, "window_s": 2.0, "hop_s": 1.0},
        domain="none",
        licence="MIT (no pretrained weights)",
        # optional: the identity without building the extractor, so reruns with nothing to do are instant
        identity="aadbench_example.features:identity",
    )]


@aadbench.hookimpl
def register_detectors():
    return [aadbench.DetectorSpec(
        name="zscore",
        factory="aadbench_example.detect:ZScore",
        description="Mean absolute z-score against the training features.",
        defaults={},
    )]
