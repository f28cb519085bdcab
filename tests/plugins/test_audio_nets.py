"""PANNs CNN14 and Musicnn: architectures, windows, sample rates, checkpoints and offline behaviour."""
import logging
import subprocess
import sys

import numpy as np
import pytest
import torch

from aadbench import weights as w
from aadbench.plugins import audio_nets
from aadbench.plugins.audio_nets import catalog, musicnn, panns
from aadbench.plugins.audio_nets import extractor as ext
from aadbench.plugins.audio_nets.catalog import NETS
from aadbench.plugins.audio_nets.windows import frame, n_windows
from aadbench.testing import check_extractor, tiny_waves

SPECS = {s.name: s for s in audio_nets.register_extractors()}
DIMS = {"panns-cnn14": 2048, "musicnn-mtat": 200}
CPU = {"weights": "none", "device": "cpu"}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


def test_registration_is_light_and_declares_domains_and_licences():
    assert SPECS["panns-cnn14"].domain == "environmental" and not SPECS["panns-cnn14"].non_commercial
    assert SPECS["musicnn-mtat"].domain == "music" and SPECS["musicnn-mtat"].non_commercial
    assert "CC BY 4.0" in SPECS["panns-cnn14"].licence and "CC BY-NC-SA" in SPECS["musicnn-mtat"].licence
    for spec in SPECS.values():
        assert {"weights", "device", "batch_size", "window_s", "hop_s", "sample_rate"} <= set(spec.defaults)
    code = "import sys, aadbench.plugins.audio_nets as a; a.register_extractors(); assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("seconds,count", [(0.5, 1), (2.0, 1), (2.5, 1), (5.0, 4), (10.0, 9)])
def test_two_second_windows_every_second(seconds, count):
    wave = np.arange(int(seconds * 16000), dtype=np.float32)
    windows = frame(wave, 32000, 16000)
    assert windows.shape == (count, 32000) and n_windows(wave.size, 32000, 16000) == count
    assert windows[-1, 0] == (count - 1) * 16000
    if seconds < 2:  # one window, zero-padded at the end
        assert np.array_equal(windows[0, : wave.size], wave) and not windows[0, wave.size:].any()


def test_musicnn_windows_count_for_2_5_10_s_clips():
    extractor = ext.AudioNetExtractor("musicnn-mtat", **CPU)
    waves = [np.zeros(int(s * 16000), np.float32) for s in (2.0, 5.0, 10.0)]
    assert [extractor.windows(x).shape[0] for x in waves] == [1, 4, 9]
    feats = extractor.extract(tiny_waves(1, 2.0) + tiny_waves(1, 5.0))
    assert [f.shape for f in feats] == [(1, 200), (4, 200)]
    assert all(f.dtype == np.float32 for f in feats)


def test_panns_shape_and_a_short_clip_is_one_zero_padded_window():
    extractor = ext.AudioNetExtractor("panns-cnn14", **CPU)
    short = tiny_waves(1, 0.75)[0]
    padded = np.pad(short, (0, 32000 - short.size))
    a, b, c = extractor.extract([short, padded, tiny_waves(1, 3.0)[0]])
    assert a.shape == (1, 2048) and c.shape == (2, 2048)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_conformance(name):
    facts = check_extractor(SPECS[name], CPU)
    assert facts["dim"] == DIMS[name] and facts["segments"] == [1, 1, 3]


def test_identity_records_windows_rates_frontend_and_random_weights():
    identity = ext.AudioNetExtractor("musicnn-mtat", **CPU, window_s=3.0, hop_s=0.5).identity()
    assert identity["weights"]["pretrained"] is False and identity["weights_label"] == "random"
    assert (identity["window_s"], identity["hop_s"], identity["sample_rate"]) == (3.0, 0.5, 16000)
    assert identity["frontend"]["n_mels"] == 96 and identity["frontend"]["htk"] is True


def test_clips_at_another_rate_are_resampled_to_16k():
    from aadbench.audio import resample

    wave32 = tiny_waves(1, 5.0, sample_rate=32000)[0]
    native = ext.AudioNetExtractor("musicnn-mtat", **CPU)
    at32 = ext.AudioNetExtractor("musicnn-mtat", **CPU, sample_rate=32000)
    assert at32.sample_rate == 32000 and at32.identity()["net_sample_rate"] == 16000
    got, ref = at32.extract([wave32])[0], native.extract([resample(wave32, 32000, 16000)])[0]
    assert got.shape == ref.shape == (4, 200)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    panns32 = ext.AudioNetExtractor.__new__(ext.AudioNetExtractor)  # windows only: no network pass
    panns32.sample_rate, panns32.net_rate, panns32.win, panns32.hop = 32000, 16000, 32000, 16000
    assert panns32.windows(wave32).shape == (4, 32000)


def test_too_short_windows_are_refused():
    with pytest.raises(ValueError, match="at least 0.32 s"):
        ext.AudioNetExtractor("panns-cnn14", **CPU, window_s=0.1)


@pytest.mark.parametrize("arch", ["panns-cnn14", "musicnn-mtat"])
def test_pretrained_offline_fails_without_the_network_naming_the_file(arch, monkeypatch):
    wf = NETS[arch].weights
    monkeypatch.setattr(w, "download", lambda wf: pytest.fail(f"offline, yet {wf.url} was downloaded"))
    with pytest.raises(w.WeightsUnavailableError) as info:
        ext.AudioNetExtractor(arch, weights="pretrained", device="cpu", offline=True)
    assert wf.filename in str(info.value) and str(w.cache_path(wf)) in str(info.value)


def test_auto_offline_falls_back_to_random_loudly(caplog):
    with caplog.at_level(logging.WARNING):
        identity = ext.AudioNetExtractor("musicnn-mtat", weights="auto", device="cpu", offline=True).identity()
    assert "RANDOM WEIGHTS" in caplog.text and "musicnn_mtat_won2020.pth" in caplog.text
    assert identity["weights"]["pretrained"] is False


def _official_panns(net):
    """The layout of Cnn14_16k_mAP=0.438.pth: torchlibrosa tensors in ``model``, a sampler with numpy."""
    state = dict(net.state_dict())
    state["spectrogram_extractor.stft.conv_real.weight"] = torch.randn(257, 1, 512)
    state["spectrogram_extractor.stft.conv_imag.weight"] = torch.randn(257, 1, 512)
    state["logmel_extractor.melW"] = torch.randn(257, 64)
    sampler = {"indexes_per_class": [np.arange(5), np.arange(3)], "queue": [1, 2],
               "random_state": np.random.RandomState(0).get_state()}
    return {"iteration": 3, "model": state, "sampler": sampler}


def _official_musicnn(net):
    """The layout of best_model.pth: a plain state dict with torchaudio's MelSpectrogram buffers."""
    return {**net.state_dict(), "spec.spectrogram.window": torch.hann_window(512),
            "spec.mel_scale.fb": torch.rand(257, 96)}


@pytest.mark.parametrize("arch,layout", [("panns-cnn14", _official_panns), ("musicnn-mtat", _official_musicnn)])
def test_a_checkpoint_in_the_cache_loads_through_the_real_path(arch, layout):
    source = ext.build_network(arch, init_seed=1).eval()
    path = w.cache_path(NETS[arch].weights)
    path.parent.mkdir(parents=True)
    torch.save(layout(source), path)
    extractor = ext.AudioNetExtractor(arch, weights="pretrained", device="cpu", offline=True)
    assert extractor.identity()["weights"] == {
        "kind": "pretrained", "source": NETS[arch].weights.source, "file": path.name, "pretrained": True}
    wave = tiny_waves(1, 2.0)[0]
    with torch.inference_mode():
        expected = source(torch.from_numpy(wave)[None]).numpy()
    np.testing.assert_allclose(extractor.extract([wave])[0], expected, rtol=1e-4, atol=1e-5)
    path.unlink()


def test_a_local_checkpoint_path_is_accepted(tmp_path):
    source = ext.build_network("musicnn-mtat", init_seed=2)
    path = tmp_path / "mine.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}, path)
    identity = ext.AudioNetExtractor("musicnn-mtat", weights=str(path), device="cpu").identity()["weights"]
    assert identity["kind"] == "file" and identity["file"] == "mine.pth" and len(identity["sha256"]) == 64


def test_a_checkpoint_that_does_not_fit_names_the_keys(tmp_path):
    state = ext.build_network("musicnn-mtat").state_dict()
    del state["dense1.weight"]
    state["extra.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="missing dense1.weight, unexpected extra.weight"):
        ext.AudioNetExtractor("musicnn-mtat", weights=str(tmp_path / "bad.pth"), device="cpu")


class _Payload:
    pass


def test_a_checkpoint_with_arbitrary_objects_is_refused(tmp_path):
    torch.save({"model": ext.build_network("musicnn-mtat").state_dict(), "x": _Payload()}, tmp_path / "evil.pth")
    with pytest.raises(w.WeightsUnavailableError, match="cannot be loaded safely"):
        ext.AudioNetExtractor("musicnn-mtat", weights=str(tmp_path / "evil.pth"), device="cpu")


def test_state_dict_names_follow_the_official_architectures():
    keys = set(ext.build_network("panns-cnn14").state_dict())
    assert {"bn0.running_mean", "conv_block1.conv1.weight", "conv_block6.bn2.num_batches_tracked",
            "fc1.weight", "fc_audioset.bias"} <= keys and len(keys) == 81
    assert ext.build_network("panns-cnn14").state_dict()["conv_block6.conv2.weight"].shape == (2048, 2048, 3, 3)
    keys = set(ext.build_network("musicnn-mtat").state_dict())
    assert {"spec_bn.weight", "layers.0.conv.weight", "layers.4.bn.running_var", "layer1.conv.weight",
            "layer3.bn.bias", "dense1.weight", "bn.running_mean", "dense2.bias"} <= keys
    net = ext.build_network("musicnn-mtat")
    assert net.layers[0].conv.weight.shape == (204, 1, 67, 7) and net.dense1.weight.shape == (200, 1506)
    assert panns.IGNORED_PREFIXES and musicnn.IGNORED_PREFIXES == ("spec.",)
    assert catalog.PANNS_CNN14_16K.filename == "Cnn14_16k_mAP=0.438.pth"


def test_panns_frontend_matches_librosa():
    import librosa

    wave = tiny_waves(1, 2.0)[0]
    ref = librosa.power_to_db(librosa.feature.melspectrogram(
        y=wave, sr=16000, n_fft=512, hop_length=160, n_mels=64, fmin=50, fmax=8000, pad_mode="reflect"),
        ref=1.0, amin=1e-10, top_db=None)
    got = ext.build_network("panns-cnn14").frontend(torch.from_numpy(wave)[None])[0].numpy()
    assert got.shape == ref.shape == (64, 201)
    np.testing.assert_allclose(got, ref, atol=1e-2)
