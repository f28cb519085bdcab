"""musicnn-pons: Pons and Serra's musicnn in PyTorch; random weights here (the real ones come from a wheel)."""
import numpy as np
import pytest

from aadbench.cli import main
from aadbench.errors import ConfigError
from aadbench.plugins.musicnn_pons.extractor import MusicnnPonsExtractor
from aadbench.plugins.musicnn_pons.model import TF_NAMES, Musicnn


@pytest.mark.parametrize(("layer", "dim"), [("penultimate", 200), ("mean_pool", 753), ("max_pool", 753)])
def test_windows_of_three_seconds_every_second(layer, dim):
    ext = MusicnnPonsExtractor(weights="none", layer=layer, device="cpu")
    ten, short = ext.extract([np.random.default_rng(0).standard_normal(160000).astype(np.float32) * 0.1,
                              np.zeros(8000, np.float32)])
    assert ten.shape == (8, dim) and short.shape == (1, dim)  # 626 frames: 187-frame windows every 61 frames
    assert np.isfinite(ten).all()


def test_every_tensorflow_variable_has_a_parameter():
    params = set(Musicnn().state_dict())
    assert set(TF_NAMES.values()) <= params
    assert {p for p in params if not p.endswith("num_batches_tracked")} == set(TF_NAMES.values())


def test_bad_choices_and_offline_without_the_files(tmp_path, monkeypatch, capsys):
    with pytest.raises(ConfigError, match="checkpoint 'MTT_vgg'"):
        MusicnnPonsExtractor(checkpoint="MTT_vgg", weights="none")
    with pytest.raises(ConfigError, match="layer 'logits'"):
        MusicnnPonsExtractor(layer="logits", weights="none")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty"))
    assert main(["run", "--plugins", "musicnn-pons,gmm", "--weights", "pretrained", "--offline",
                 "--db", str(tmp_path / "r.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "aadbench weights fetch musicnn-pons" in err and "--from" in err
