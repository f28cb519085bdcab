"""The mel-patches extractor: the frontend's dB patches, flattened, nothing else."""
import numpy as np
import torch

from aadbench.frontend import FrontendConfig
from aadbench.frontend.mel import MelFrontend
from aadbench.plugins import mel_patches
from aadbench.plugins.mel_patches.extractor import MelPatches
from aadbench.testing import check_extractor, tiny_waves


def test_passes_the_extractor_checks():
    facts = check_extractor(MelPatches, {"device": "cpu"})
    assert facts["dim"] == 4096


def test_rows_are_the_frontends_db_patches_flattened_row_major():
    waves = tiny_waves(2, seconds=3.0)
    feats = MelPatches(device="cpu").extract(waves)
    frontend = MelFrontend(FrontendConfig())
    for wave, got in zip(waves, feats):
        expected = frontend.patches(frontend.mel_db(torch.from_numpy(wave))).numpy()  # (P, mels, frames)
        # 3 s at 16 kHz -> 188 frames -> 4 patches of 64 frames every 32
        assert got.shape == (4, 4096) and got.dtype == np.float32
        np.testing.assert_array_equal(got, expected.reshape(4, -1))
        np.testing.assert_array_equal(got[1].reshape(64, 64)[:, :32], got[0].reshape(64, 64)[:, 32:])
    assert feats[0].min() < 0 < feats[0].max() or feats[0].max() > 1  # dB values, not scaled to [0, 1]


def test_identity_records_the_frontend_settings():
    identity = MelPatches(device="cpu").identity()
    assert identity["dim"] == 4096 and identity["device"] == "cpu"
    frontend = identity["frontend"]
    assert {k: frontend[k] for k in ("n_mels", "n_fft", "hop_length", "patch_frames", "patch_hop")} == {
        "n_mels": 64, "n_fft": 1024, "hop_length": 256, "patch_frames": 64, "patch_hop": 32}
    assert "colormap" not in frontend and "image_size" not in frontend


def test_registration():
    (spec,) = mel_patches.register_extractors()
    assert spec.name == "mel-patches" and spec.domain == "none" and dict(spec.defaults) == {"device": "cpu"}
    assert isinstance(spec.create(), MelPatches)
