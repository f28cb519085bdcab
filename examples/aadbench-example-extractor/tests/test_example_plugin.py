"""The example plugin passes aadbench's conformance checks."""
from aadbench_example.detect import ZScore
from aadbench_example.features import BandEnergy

from aadbench.testing import check_detector, check_extractor


def test_band_energy_conforms():
    facts = check_extractor(BandEnergy)
    assert facts["dim"] == 32


def test_zscore_conforms():
    check_detector(ZScore)
