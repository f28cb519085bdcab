"""hf:<model>: any transformers audio encoder, tried on tiny random models saved locally (no download)."""
import numpy as np
import pytest
import torch

from aadbench.cli import main
from aadbench.errors import ConfigError, WeightsUnavailableError
from aadbench.plugins.hf_audio.extractor import HFAudioExtractor


@pytest.mark.parametrize("which", ["hf_wav2vec2", "hf_ast"])
def test_each_window_is_the_mean_of_the_chosen_hidden_state(which, request):
    folder = request.getfixturevalue(which)
    ext = HFAudioExtractor(model=str(folder), device="cpu", layer=1)
    wave = np.random.default_rng(0).standard_normal(16000 * 3).astype(np.float32) * 0.1
    rows = ext.extract([wave])[0]
    assert rows.shape == (2, 16)  # 3 s: windows at 0 and 1 s
    inputs = ext.frontend([wave[16000:48000]], sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        hidden = ext.net(**inputs, output_hidden_states=True).hidden_states[1]
    np.testing.assert_allclose(rows[1], hidden.mean(dim=1)[0].numpy(), rtol=1e-5, atol=1e-6)
    last = HFAudioExtractor(model=str(folder), device="cpu", layer=-1).extract([wave])[0]
    assert not np.allclose(last, rows), "another layer, other features"


def test_the_identity_names_the_folder_and_its_weights_hash(hf_wav2vec2):
    ident = HFAudioExtractor(model=str(hf_wav2vec2), device="cpu").identity()
    assert ident["weights"]["kind"] == "file" and len(ident["weights"]["sha256"]) == 64
    assert ident["weights"]["source"] == str(hf_wav2vec2.resolve()) and ident["arch"] == f"hf:{hf_wav2vec2}"


def test_random_weights_from_the_config_are_seeded(hf_wav2vec2):
    wave = np.random.default_rng(1).standard_normal(32000).astype(np.float32)
    a = HFAudioExtractor(model=str(hf_wav2vec2), weights="none", device="cpu").extract([wave])[0]
    b = HFAudioExtractor(model=str(hf_wav2vec2), weights="none", device="cpu").extract([wave])[0]
    np.testing.assert_array_equal(a, b)


def test_offline_a_model_not_in_the_cache_fails_at_once_naming_what_to_fetch(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(WeightsUnavailableError, match="hf download acme/press-encoder"):
        HFAudioExtractor(model="acme/press-encoder", offline=True, device="cpu")


def test_a_layer_that_does_not_exist(hf_wav2vec2):
    with pytest.raises(ConfigError, match="layer 5 does not exist"):
        HFAudioExtractor(model=str(hf_wav2vec2), layer=5, device="cpu")


def test_a_run_with_an_hf_encoder_and_knn(hf_ast, tmp_path, capsys):
    args = ["run", "--plugins", f"hf:{hf_ast},knn", "--set", "knn.k=2", "--seeds", "1", "--machines", "fan",
            "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=6", "--set", "synthetic.n_anomalous=2",
            "--set", "synthetic.duration=2", "--no-progress", "--db", str(tmp_path / "r.sqlite")]
    assert main(args) == 0
    assert "1 computed" in capsys.readouterr().out
