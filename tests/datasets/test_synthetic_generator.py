"""Tests of the synthetic MIMII-style clip generator."""
from __future__ import annotations

import numpy as np
import pytest

from aadbench.datasets.synthetic.generator import (
    ANOMALY_KINDS,
    MACHINE_TYPES,
    ClipInfo,
    generate_clip,
)

SHORT = {"duration": 2.0}


def _shape(x: np.ndarray) -> np.ndarray:
    """Level-free log spectral shape in 32 log-spaced bands (Welch-style average)."""
    frames = x[: len(x) // 1024 * 1024].reshape(-1, 1024) * np.hanning(1024)
    power = np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0)
    edges = np.unique(np.geomspace(2, 512, 33).astype(int))
    bands = np.log(np.add.reduceat(power, edges)[:-1] + 1e-12)
    return bands - bands.mean()


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
@pytest.mark.parametrize("label", [0, 1])
def test_deterministic(machine_type, label):
    a, info_a = generate_clip(machine_type, "id_02", label, 3, seed=5, **SHORT)
    b, info_b = generate_clip(machine_type, "id_02", label, 3, seed=5, **SHORT)
    np.testing.assert_array_equal(a, b)
    assert info_a == info_b


def test_independent_of_call_order_and_global_rng():
    first, _ = generate_clip("valve", "id_00", 1, 1, **SHORT)
    for machine_type in MACHINE_TYPES:
        generate_clip(machine_type, "id_04", 1, 7, seed=3, **SHORT)
    np.random.seed(1234)
    np.random.rand(10)
    again, _ = generate_clip("valve", "id_00", 1, 1, **SHORT)
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
def test_seeds_indices_and_labels_give_different_clips(machine_type):
    base, _ = generate_clip(machine_type, "id_00", 0, 0, seed=0, **SHORT)
    for kwargs in ({"seed": 1, "index": 0, "label": 0}, {"seed": 0, "index": 1, "label": 0},
                   {"seed": 0, "index": 0, "label": 1}):
        seed, index, label = kwargs["seed"], kwargs["index"], kwargs["label"]
        other, _ = generate_clip(machine_type, "id_00", label, index, seed=seed, **SHORT)
        assert not np.allclose(base, other), kwargs


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
def test_ids_differ_in_character(machine_type):
    """Each clip's spectral shape is nearest to its own ID's mean (leave-one-out)."""
    ids = ("id_00", "id_02", "id_04")
    shapes = {mid: np.array([_shape(generate_clip(machine_type, mid, 0, i)[0]) for i in range(3)])
              for mid in ids}
    for mid in ids:
        for i in range(3):
            dist = {}
            for other in ids:
                ref = np.delete(shapes[other], i, axis=0) if other == mid else shapes[other]
                dist[other] = np.mean(np.abs(shapes[mid][i] - ref.mean(axis=0)))
            nearest_other = min(d for o, d in dist.items() if o != mid)
            assert dist[mid] * 1.2 < nearest_other, (mid, i, dist)


def test_id_parameters_do_not_depend_on_seed():
    """Same ID under two seeds stays closer in character than two IDs under one seed."""
    shape = {(mid, seed): np.mean([_shape(generate_clip("fan", mid, 0, i, seed=seed)[0])
                                   for i in range(2)], axis=0)
             for mid in ("id_00", "id_06") for seed in (0, 9)}
    same_id = np.mean(np.abs(shape["id_00", 0] - shape["id_00", 9]))
    other_id = np.mean(np.abs(shape["id_00", 0] - shape["id_06", 0]))
    assert same_id * 1.5 < other_id


@pytest.mark.parametrize("duration", [10.0, 11.0])
@pytest.mark.parametrize("sample_rate", [16000, 22050])
def test_length_dtype_and_range(duration, sample_rate):
    for machine_type in MACHINE_TYPES:
        for label in (0, 1):
            x, _ = generate_clip(machine_type, "id_06", label, 2, duration=duration,
                                 sample_rate=sample_rate)
            assert x.dtype == np.float32
            assert x.shape == (round(duration * sample_rate),)
            assert np.all(np.isfinite(x))
            assert np.max(np.abs(x)) <= 1.0
            assert 0.45 <= np.max(np.abs(x)) <= 0.5 + 1e-6


@pytest.mark.parametrize("duration,sample_rate", [(0.3, 16000), (1.7, 44100), (2.0, 8000)])
def test_other_durations_and_rates(duration, sample_rate):
    for machine_type in MACHINE_TYPES:
        x, _ = generate_clip(machine_type, "id_99", 1, 0, duration=duration,
                             sample_rate=sample_rate)
        assert x.shape == (round(duration * sample_rate),)
        assert np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1.0


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
def test_snr_sets_the_noise_level(machine_type):
    """The part of a clip not explained by the noise-free clip follows snr_db."""
    clean, _ = generate_clip(machine_type, "id_00", 0, 4, snr_db=200.0, **SHORT)
    clean = clean.astype(np.float64)
    measured = []
    for snr_db in (-6.0, 0.0, 6.0, 12.0):
        x, _ = generate_clip(machine_type, "id_00", 0, 4, snr_db=snr_db, **SHORT)
        x = x.astype(np.float64)
        a = x @ clean / (clean @ clean)
        residual = x - a * clean
        measured.append(10 * np.log10(a * a * (clean @ clean) / (residual @ residual)))
    assert np.all(np.diff(measured) > 3.0), measured
    np.testing.assert_allclose(measured, [-6.0, 0.0, 6.0, 12.0], atol=1.5)


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
def test_every_anomaly_kind_is_produced(machine_type):
    infos = [generate_clip(machine_type, "id_02", 1, i, duration=0.5)[1] for i in range(30)]
    assert {info.anomaly for info in infos} == set(ANOMALY_KINDS[machine_type])
    severities = np.array([info.severity for info in infos])
    assert np.all((severities > 0) & (severities <= 1))
    assert severities.min() < 0.3 and severities.max() > 0.7  # subtle and obvious ones
    assert all(info.label == 1 and info.machine_type == machine_type for info in infos)


@pytest.mark.parametrize("machine_type", MACHINE_TYPES)
def test_normal_clips_have_no_anomaly(machine_type):
    for i in range(5):
        _, info = generate_clip(machine_type, "id_04", 0, i, duration=0.5)
        assert info == ClipInfo(machine_type, "id_04", 0, i, None, 0.0)


def test_anomaly_kinds_cover_the_documented_families():
    kinds = {k for v in ANOMALY_KINDS.values() for k in v}
    assert set(ANOMALY_KINDS) == set(MACHINE_TYPES)
    for family in ("speed_shift", "extra_harmonic", "rubbing", "grinding", "amplitude_modulation",
                   "speed_modulation", "resonance_change"):
        assert family in kinds
    assert any(k.startswith("missing_") for k in kinds)
    assert any(k.startswith("extra_") and k != "extra_harmonic" for k in kinds)


def test_bad_machine_type_raises():
    with pytest.raises(ValueError, match="blender") as err:
        generate_clip("blender", "id_00", 0, 0, **SHORT)
    for machine_type in MACHINE_TYPES:
        assert machine_type in str(err.value)


@pytest.mark.parametrize("bad_id", ["id_x", "00", "id-00", "fan_id_00", ""])
def test_bad_machine_id_raises(bad_id):
    with pytest.raises(ValueError, match=repr(bad_id)):
        generate_clip("fan", bad_id, 0, 0, **SHORT)


def test_bad_label_and_duration_raise():
    with pytest.raises(ValueError, match="label"):
        generate_clip("fan", "id_00", 2, 0, **SHORT)
    with pytest.raises(ValueError, match="duration"):
        generate_clip("fan", "id_00", 0, 0, duration=0.0)


def test_negative_seed_or_index_raise():
    with pytest.raises(ValueError, match="seed=-1"):
        generate_clip("fan", "id_00", 0, 0, seed=-1, **SHORT)
    with pytest.raises(ValueError, match="index=-2"):
        generate_clip("fan", "id_00", 0, -2, **SHORT)
