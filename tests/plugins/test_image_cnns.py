"""The torchvision extractors: the paper's layers, dimensions and weight handling."""
import logging

import numpy as np
import pytest
import torch

from aadbench import weights as w
from aadbench.plugins.image_cnns import extractor as ext
from aadbench.plugins.image_cnns.catalog import CNNS
from aadbench.testing import tiny_waves

PAPER_DIMS = {"alexnet": 4096, "resnet18": 512, "resnet34": 512, "squeezenet1_0": 2048, "squeezenet1_1": 2048}


@pytest.mark.parametrize("arch,dim", PAPER_DIMS.items())
def test_feature_dimension_is_the_papers(arch, dim):
    feats = ext.TorchvisionCNN(arch, weights="none", device="cpu").extract(tiny_waves(1, seconds=3.0))
    # 3 s at 16 kHz -> 188 frames -> 4 patches of 64 frames every 32
    assert feats[0].shape == (4, dim)


def test_random_weights_are_recorded_as_not_pretrained():
    identity = ext.TorchvisionCNN("resnet18", weights="none", device="cpu").identity()
    assert identity["weights"]["pretrained"] is False
    assert identity["weights_label"] == "random"


def test_imagenet_offline_fails_fast_naming_the_file():
    with pytest.raises(w.WeightsUnavailableError) as info:
        ext.TorchvisionCNN("resnet34", weights="imagenet", device="cpu", offline=True)
    message = str(info.value)
    assert "resnet34-b627a593.pth" in message and str(w.cache_path(CNNS["resnet34"].weights).parent) in message


def test_auto_without_weights_warns_loudly_and_uses_random(caplog):
    with caplog.at_level(logging.WARNING):
        extractor = ext.TorchvisionCNN("resnet18", weights="auto", device="cpu", offline=True)
    assert "RANDOM WEIGHTS" in caplog.text
    assert extractor.identity()["weights"]["pretrained"] is False


def _write_checkpoint(path, arch, scale):
    net = ext.build_network_unwrapped(arch, init_seed=1)
    state = {k: (v * scale if v.is_floating_point() else v) for k, v in net.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return state


def test_cached_imagenet_file_is_loaded_through_the_torchvision_path():
    """A checkpoint placed where torchvision caches it is used and recorded as ImageNet."""
    path = w.cache_path(CNNS["resnet18"].weights)
    _write_checkpoint(path, "resnet18", 1.0)
    try:
        cached = ext.TorchvisionCNN("resnet18", weights="imagenet", device="cpu", offline=True)
        identity = cached.identity()["weights"]
        assert identity == {"kind": "imagenet", "source": "torchvision:ResNet18_Weights.IMAGENET1K_V1",
                            "file": "resnet18-f37072fd.pth", "pretrained": True}
        random = ext.TorchvisionCNN("resnet18", weights="none", device="cpu")
        wave = tiny_waves(1)
        assert not np.allclose(cached.extract(wave)[0], random.extract(wave)[0])
    finally:
        path.unlink()


def test_local_checkpoint_path_is_accepted_and_hashed(tmp_path):
    path = tmp_path / "my-resnet18.pth"
    _write_checkpoint(path, "resnet18", 1.0)
    identity = ext.TorchvisionCNN("resnet18", weights=str(path), device="cpu").identity()
    assert identity["weights"]["kind"] == "file" and len(identity["weights"]["sha256"]) == 64
    assert identity["weights_label"].startswith("file:my-resnet18.pth@")


def test_missing_local_checkpoint_names_the_path(tmp_path):
    with pytest.raises(w.WeightsUnavailableError, match="nope.pth"):
        ext.TorchvisionCNN("resnet18", weights=str(tmp_path / "nope.pth"), device="cpu")


def test_squeezenet_features_are_the_2x2_pooled_final_map():
    net = ext.build_network("squeezenet1_0", None).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        fmap = net.features(x)
        got = net(x)
    assert got.shape == (2, 2048) and fmap.shape[1:] == (512, 13, 13)
    assert torch.allclose(got, torch.nn.functional.adaptive_avg_pool2d(fmap, 2).flatten(1))


def test_bfloat16_channels_last_stays_close_to_float32():
    waves = tiny_waves(1)
    ref = ext.TorchvisionCNN("resnet18", weights="none", device="cpu").extract(waves)[0]
    fast = ext.TorchvisionCNN("resnet18", weights="none", device="cpu", dtype="bfloat16",
                              channels_last=True).extract(waves)[0]
    corr = np.corrcoef(ref.ravel(), fast.ravel())[0, 1]
    assert corr > 0.99


def test_the_frontend_settings_are_parameters_and_the_defaults_keep_the_keys(registry):
    """--set resnet18.hop_length=512 (the "2 s patches" reading of the paper) changes the features and
    their key; the paper's values leave the identity and the key as they were before they were parameters."""
    from aadbench.harness.identity import extractor_identity, features_id

    spec = registry.get("extractor", "squeezenet1_1")
    base = {**spec.defaults, "weights": "none", "device": "cpu"}
    long = {**base, "hop_length": 512}
    default_id = features_id(spec, base, extractor_identity(spec, base, fetch=False))
    assert not {"n_fft", "hop_length", "n_mels", "patch_frames", "patch_hop"} & set(default_id)
    long_id = features_id(spec, long, extractor_identity(spec, long, fetch=False))
    assert long_id["hop_length"] == 512 and long_id["frontend"]["hop_length"] == 512 and long_id != default_id
    wave = np.random.default_rng(0).standard_normal(16000 * 10).astype(np.float32) * 0.1
    short_patches = spec.create(**base).extract([wave])[0]
    long_extractor = spec.create(**long)
    assert long_extractor.identity()["frontend"]["hop_length"] == 512
    assert short_patches.shape[0] == 18 and long_extractor.extract([wave])[0].shape[0] == 8  # 313 frames
