"""timm models over the paper's images: pooled features, layer taps, weights offline and from a cache."""
import logging

import numpy as np
import pytest
import torch

from aadbench import weights as w
from aadbench.plugins import timm_models
from aadbench.plugins.image_cnns.extractor import TorchvisionCNN, build_network_unwrapped
from aadbench.plugins.timm_models import hub
from aadbench.plugins.timm_models.extractor import Renormalise, TimmExtractor
from aadbench.testing import check_extractor, tiny_waves

CPU = {"weights": "none", "device": "cpu"}
(SPEC,) = timm_models.register_extractors()


@pytest.fixture(autouse=True)
def _private_caches(tmp_path, monkeypatch):
    """Empty torch and Hugging Face caches of this test's own."""
    from huggingface_hub import constants

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf_hub"))
    return tmp_path / "hf_hub"


def test_registration():
    assert SPEC.name == "timm" and SPEC.domain == "image" and SPEC.defaults["model"] == "resnet18"
    assert {"layer", "weights", "device", "batch_size", "scaling", "colormap"} <= set(SPEC.defaults)


def test_pooled_features_and_conformance():
    facts = check_extractor(SPEC, {**CPU, "model": "test_resnet"})
    assert facts["dim"] == 96 and facts["segments"] == [2, 2, 6]


def test_a_vision_transformer_layer_is_averaged_over_its_tokens_at_the_models_input_size():
    extractor = TimmExtractor(model="test_vit", layer="blocks.0", **CPU)
    assert extractor.extract(tiny_waves(1, 2.0))[0].shape == (2, 64)
    identity = extractor.identity()
    assert identity["frontend"]["image_size"] == 160 and identity["normalisation"]["mean"] == [0.5, 0.5, 0.5]


def test_layer_selection_is_globally_pooled_and_recorded():
    extractor = TimmExtractor(model="resnet18", layer="layer3", **CPU)
    assert extractor.extract(tiny_waves(1, 3.0))[0].shape == (4, 256)
    assert extractor.identity()["layer"] == "layer3" and extractor.identity()["arch"] == "timm:resnet18"


def test_torchvision_resnet34_at_layer3_gives_256_pooled_features():
    extractor = TorchvisionCNN("resnet34", layer="layer3", **CPU)
    feats = extractor.extract(tiny_waves(1, 3.0))[0]
    assert feats.shape == (4, 256) and extractor.identity()["layer"] == "layer3"
    assert "layer" not in TorchvisionCNN("resnet18", **CPU).identity()  # the paper's layer keeps its cache key
    with torch.inference_mode():
        images = extractor.frontend.images(extractor.frontend.clip_patches(tiny_waves(1, 3.0)[0]))
        net = build_network_unwrapped("resnet34").eval()  # the same seeded random weights, no hook
        x = net.maxpool(net.relu(net.bn1(net.conv1(images))))
        expected = net.layer3(net.layer2(net.layer1(x))).mean(dim=(2, 3))
    np.testing.assert_allclose(feats, expected.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [lambda: TimmExtractor(model="resnet18", layer="layer9", **CPU),
                                  lambda: TorchvisionCNN("resnet34", layer="layer9", **CPU)])
def test_an_unknown_layer_lists_the_valid_names(make):
    with pytest.raises(ValueError, match="no layer 'layer9'; valid layer names: conv1, .*layer3"):
        make()


def test_an_unknown_model_suggests_close_names():
    with pytest.raises(ValueError, match="did you mean 'resnet18'"):
        TimmExtractor(model="resnt18", **CPU)


def _no_download(create):
    def guarded(model, *, pretrained, **kwargs):
        assert not pretrained, "offline, yet timm was asked for pretrained weights"
        return create(model, pretrained=pretrained, **kwargs)
    return guarded


def test_pretrained_offline_fails_without_the_hub_naming_the_model_and_the_cache(_private_caches, monkeypatch):
    monkeypatch.setattr(hub, "create", _no_download(hub.create))
    with pytest.raises(w.WeightsUnavailableError) as info:
        TimmExtractor(model="resnet18", weights="pretrained", device="cpu", offline=True)
    message = str(info.value)
    assert "'resnet18'" in message and str(_private_caches) in message and "timm/resnet18.a1_in1k" in message


def test_auto_offline_falls_back_to_random_loudly(caplog):
    with caplog.at_level(logging.WARNING):
        identity = TimmExtractor(model="resnet18", weights="auto", device="cpu", offline=True).identity()
    assert "RANDOM WEIGHTS" in caplog.text and identity["weights"]["pretrained"] is False


def _place_in_hf_cache(cache, repo_id, state):
    from safetensors.torch import save_file

    repo = cache / f"models--{repo_id.replace('/', '--')}"
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(snapshot / "model.safetensors"))


def test_weights_in_the_hub_cache_load_offline_through_timm(_private_caches):
    source = hub.create("resnet18", pretrained=False, init_seed=1)
    source.reset_classifier(1000)
    state = source.state_dict()
    _place_in_hf_cache(_private_caches, "timm/resnet18.a1_in1k", state)
    extractor = TimmExtractor(model="resnet18", weights="pretrained", device="cpu")
    identity = extractor.identity()["weights"]
    assert identity["pretrained"] is True and identity["file"] == "model.safetensors"
    assert "timm/resnet18.a1_in1k" in identity["source"]
    loaded = extractor.net.state_dict()
    assert torch.equal(loaded["conv1.weight"], state["conv1.weight"]) and "fc.weight" not in loaded


def test_a_local_checkpoint_path_is_accepted(tmp_path):
    source = hub.create("resnet18", pretrained=False, init_seed=2)
    torch.save(source.state_dict(), tmp_path / "mine.pth")
    extractor = TimmExtractor(model="resnet18", weights=str(tmp_path / "mine.pth"), device="cpu")
    assert extractor.identity()["weights"]["kind"] == "file"
    name = "layer1.0.conv1.weight"
    assert torch.equal(extractor.net.state_dict()[name], source.state_dict()[name])


def test_models_with_other_normalisation_are_fed_their_own():
    net = Renormalise(torch.nn.Identity(), (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    pixels = torch.rand(1, 3, 4, 4)
    imagenet = (pixels - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor(
        [0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    torch.testing.assert_close(net(imagenet), (pixels - 0.5) / 0.5)


def test_without_a_network_the_hub_is_not_asked(monkeypatch, caplog):
    """No offline flag and no network: the probe answers in seconds and timm's hub retries never start."""
    monkeypatch.setattr(w, "reachable", lambda url, timeout=3.0: False)
    monkeypatch.setattr(hub, "create", _no_download(hub.create))
    with caplog.at_level(logging.WARNING):
        extractor = TimmExtractor(model="resnet18", weights="auto", device="cpu")
    assert "no network" in caplog.text and extractor.identity()["weights"]["pretrained"] is False
