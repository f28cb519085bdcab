"""Conformance checks and tiny data for plugin authors (and aadbench's own tests).

In a plugin's tests::

    from aadbench.testing import check_detector, check_extractor

    def test_my_detector():
        check_detector(MyDetector)          # a class, a factory or a DetectorSpec

    def test_my_extractor():
        check_extractor(lambda: MyExtractor(weights="none"))

Each check raises ``AssertionError`` with a message that says what a plugin must do.
"""
from .checks import check_dataset, check_detector, check_extractor
from .data import blobs, tiny_synthetic, tiny_waves

__all__ = ["blobs", "check_dataset", "check_detector", "check_extractor", "tiny_synthetic", "tiny_waves"]
