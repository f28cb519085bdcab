"""The paper's frontend against librosa and matplotlib."""
import librosa
import matplotlib
import numpy as np
import pytest
import torch

from aadbench.frontend import IMAGENET_MEAN, IMAGENET_STD, FrontendConfig
from aadbench.frontend.mel import MelFrontend
from aadbench.testing import tiny_waves

#: float32 STFT in torch vs librosa's float32 numpy: measured max 4e-6 dB on noise
MEL_DB_TOLERANCE = 1e-3


@pytest.mark.parametrize("seconds", [2.0, 10.0])
def test_log_mel_matches_librosa(seconds):
    y = tiny_waves(1, seconds=seconds)[0]
    ours = MelFrontend().mel_db(torch.from_numpy(y)).numpy()
    ref = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=16000, n_fft=1024, hop_length=256, n_mels=64, power=2.0),
        ref=1.0, amin=1e-10, top_db=None)
    assert ours.shape == ref.shape == (64, 1 + len(y) // 256)
    assert np.abs(ours - ref).max() < MEL_DB_TOLERANCE


def test_ten_second_clip_gives_18_patches_of_64_by_64():
    fe = MelFrontend()
    patches = fe.clip_patches(np.zeros(160000, np.float32) + tiny_waves(1, seconds=10.0)[0])
    assert patches.shape == (18, 64, 64) == (fe.n_patches(160000), 64, 64)
    assert float(patches.min()) >= 0.0 and float(patches.max()) <= 1.0


def test_patches_hop_32_frames():
    fe = MelFrontend()
    mel = torch.arange(64 * 200, dtype=torch.float32).reshape(64, 200)
    p = fe.patches(mel)
    assert p.shape == (5, 64, 64)
    assert torch.equal(p[1], mel[:, 32:96]) and torch.equal(p[4], mel[:, 128:192])


def test_short_clip_is_repeated_to_one_patch():
    fe = MelFrontend()
    assert fe.clip_patches(tiny_waves(1, seconds=0.5)[0]).shape == (1, 64, 64)


def test_per_patch_minmax_scaling_spans_zero_to_one():
    fe = MelFrontend()
    p = fe.clip_patches(tiny_waves(1, seconds=3.0)[0])
    assert torch.allclose(p.amin(dim=(1, 2)), torch.zeros(p.shape[0]))
    assert torch.allclose(p.amax(dim=(1, 2)), torch.ones(p.shape[0]), atol=1e-5)


def test_images_use_viridis_then_resize_then_imagenet_normalisation():
    fe = MelFrontend()
    unit = torch.full((1, 64, 64), 0.3)
    img = fe.images(unit)
    assert img.shape == (1, 3, 224, 224)
    rgb = np.array(matplotlib.colormaps["viridis"](0.3)[:3])
    expected = (rgb - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    np.testing.assert_allclose(img[0, :, 100, 100].numpy(), expected, atol=1e-5)


def test_low_frequencies_are_drawn_at_the_bottom():
    fe = MelFrontend()
    unit = torch.zeros(1, 64, 64)
    unit[0, 0, :] = 1.0  # lowest mel band bright
    img = fe.images(unit)
    assert img[0, 0, -1, 0] != img[0, 0, 0, 0]
    bottom_is_yellow = img[0, 0, -1, 100] > img[0, 0, 0, 100]  # viridis(1) has more red than viridis(0)
    assert bottom_is_yellow


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="scaling"):
        FrontendConfig(scaling="global")
    with pytest.raises(ValueError, match="colour map"):
        MelFrontend(FrontendConfig(colormap="no-such-map"))
