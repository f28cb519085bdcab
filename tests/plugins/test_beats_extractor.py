"""The beats extractor: random weights offline, a checkpoint from a local path, a run with kNN."""
import numpy as np
import pytest
import torch

from aadbench.cli import main
from aadbench.errors import ConfigError
from aadbench.plugins.beats.extractor import BEATsExtractor
from aadbench.plugins.beats.model import BEATsConfig, build_beats

SMALL = {"encoder_layers": 2, "encoder_embed_dim": 64, "encoder_ffn_embed_dim": 128, "encoder_attention_heads": 4,
         "conv_pos": 16, "conv_pos_groups": 4}


def test_windows_of_two_seconds_become_one_row_each():
    ext = BEATsExtractor(weights="none", device="cpu", layer=3)
    waves = [np.random.default_rng(0).standard_normal(16000 * 5).astype(np.float32) * 0.1,
             np.zeros(16000, np.float32)]
    a, b = ext.extract(waves)
    assert a.shape == (4, 768) and b.shape == (1, 768)  # 5 s: windows at 0, 1, 2, 3 s; 1 s: one padded window
    assert np.isfinite(a).all() and ext.identity()["weights"]["kind"] == "random"


def test_a_checkpoint_from_a_local_path_loads_with_its_config(tmp_path):
    torch.manual_seed(1)
    model = build_beats(BEATsConfig.from_dict(SMALL))
    path = tmp_path / "my-beats.pt"
    torch.save({"cfg": {**SMALL, "finetuned_model": False}, "model": model.state_dict()}, path)
    ext = BEATsExtractor(weights=str(path), device="cpu", layer=-1)
    assert ext.dim == 64 and ext.identity()["weights"]["kind"] == "file"
    wave = np.random.default_rng(2).standard_normal(32000).astype(np.float32) * 0.1
    (rows,) = ext.extract([wave])
    assert rows.shape == (1, 64)
    from aadbench.plugins.beats.fbank import beats_fbank

    with torch.inference_mode():
        expected = model.extract_features(beats_fbank(torch.from_numpy(wave)[None])).mean(1).numpy()
    np.testing.assert_allclose(rows, expected, rtol=1e-5, atol=1e-6)


def test_bad_choices_are_named():
    with pytest.raises(ConfigError, match="checkpoint 'iter4'"):
        BEATsExtractor(checkpoint="iter4", weights="none")
    with pytest.raises(ConfigError, match="layer 12 does not exist"):
        BEATsExtractor(weights="none", layer=12, device="cpu")


def test_pretrained_offline_names_the_file_to_fetch(capsys, tmp_path):
    args = ["run", "--plugins", "beats,knn", "--weights", "pretrained", "--offline", "--db", str(tmp_path / "r.sqlite")]
    assert main(args) == 2
    assert "BEATs_iter3.pt" in capsys.readouterr().err


@pytest.mark.slow
def test_a_run_with_beats_and_knn(tmp_path, capsys):
    args = ["run", "--plugins", "beats,knn", "--set", "knn.k=2", "--weights", "none", "--seeds", "1",
            "--machines", "fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=6",
            "--set", "synthetic.n_anomalous=2", "--set", "synthetic.duration=2", "--no-progress",
            "--db", str(tmp_path / "r.sqlite")]
    assert main(args) == 0
    assert "1 computed" in capsys.readouterr().out
