"""The example plugin passes aadbench's conformance checks."""
from aadbench_example.detect import ZScore
from aadbench_example.features import BandEnergy

from aadbench.testing import check_detector, check_extractor


def test_band_energy_conforms():
    facts = check_extractor(BandEnergy)
    assert facts["dim"] == 32


def test_the_registered_record_conforms_with_its_identity_function():
    import aadbench_example

    (spec,) = aadbench_example.register_extractors()
    assert check_extractor(spec, {"n_bands": 16})["dim"] == 16


def test_zscore_conforms():
    check_detector(ZScore)
