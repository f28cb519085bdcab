"""The MIMII reader: layouts, SNR folders, keys shared with the synthetic dataset, loading."""
import importlib
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from aadbench.components import ANOMALOUS, NORMAL
from aadbench.datasets.files import LayoutError
from aadbench.datasets.mimii.dataset import MimiiDataset, parse_snr
from aadbench.harness.protocol import ProtocolConfig, paper_split


def write_ids(type_dir, ids=("id_00", "id_02"), n_normal=3, n_abnormal=2, frames=1600, seed=0):
    rng = np.random.default_rng(seed)
    for mid in ids:
        for label, n in (("normal", n_normal), ("abnormal", n_abnormal)):
            folder = type_dir / mid / label
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                wave = (0.1 * rng.standard_normal((frames, 8))).astype(np.float32)
                sf.write(folder / f"{i:08d}.wav", wave, 16000, subtype="PCM_16", format="WAVEX")


@pytest.fixture
def snr_tree(tmp_path):
    root = tmp_path / "mimii"
    write_ids(root / "6_dB_fan" / "fan")
    write_ids(root / "6_dB_valve" / "valve", ids=("id_04",))
    write_ids(root / "0_dB_fan" / "fan", ids=("id_00",))
    write_ids(root / "-6_dB_pump", ids=("id_02",))           # zip name kept, no <type> level
    write_ids(root / "min6_dB_fan" / "fan", ids=("id_06",))
    return root


def test_snr_folders_default_6_db(snr_tree):
    ds = MimiiDataset(snr_tree)
    assert [t.name for t in ds.tasks()] == ["fan/id_00", "fan/id_02", "valve/id_04"]
    task = ds.tasks()[0]
    assert [c.key for c in task.clips] == ["abnormal/00000000.wav", "abnormal/00000001.wav",
                                           "normal/00000000.wav", "normal/00000001.wav", "normal/00000002.wav"]
    assert [c.label for c in task.clips] == [ANOMALOUS] * 2 + [NORMAL] * 3
    assert {c.split for c in task.clips} == {None}
    assert dict(task.clips[0].attributes) == {"machine_type": "fan", "machine_id": "id_00"}
    assert task.clips[0].path.endswith(os.path.join("6_dB_fan", "fan", "id_00", "abnormal", "00000000.wav"))


def test_snr_parameter_picks_folders(snr_tree):
    assert [t.name for t in MimiiDataset(snr_tree, snr=-6).tasks()] == ["fan/id_06", "pump/id_02"]
    assert [t.name for t in MimiiDataset(snr_tree, snr="0").tasks()] == ["fan/id_00"]
    with pytest.raises(LayoutError, match=r"-6, 0, 6 dB but none for snr=3"):
        MimiiDataset(snr_tree, snr=3).tasks()
    assert [parse_snr(v) for v in (6, "-6", "min6", "6dB", "-6_dB", "0")] == [6, -6, -6, 6, -6, 0]
    with pytest.raises(ValueError, match="snr"):
        parse_snr("loud")


def test_plain_tree_and_filters(tmp_path):
    write_ids(tmp_path / "fan")
    write_ids(tmp_path / "pump", ids=("id_00",))
    assert len(MimiiDataset(tmp_path).tasks()) == 3
    ds = MimiiDataset(tmp_path, machines="fan", ids=["0"])
    assert [t.name for t in ds.tasks()] == ["fan/id_00"]
    assert [t.name for t in MimiiDataset(tmp_path / "fan").tasks()] == ["fan/id_00", "fan/id_02"]
    with pytest.raises(ValueError, match="slider not found.*found fan, pump"):
        MimiiDataset(tmp_path, machines=["slider"]).tasks()
    with pytest.raises(ValueError, match="id_04 not found"):
        MimiiDataset(tmp_path, ids=["id_04"]).tasks()


def test_root_inside_an_snr_folder_must_match_snr(tmp_path):
    write_ids(tmp_path / "-6_dB_fan" / "fan", ids=("id_00",))
    with pytest.raises(ValueError, match="snr=6; set --set mimii.snr=-6"):
        MimiiDataset(tmp_path / "-6_dB_fan" / "fan", snr=6).tasks()
    assert MimiiDataset(tmp_path / "-6_dB_fan" / "fan").config()["snr"] == -6  # auto: the folder says it
    assert len(MimiiDataset(tmp_path / "-6_dB_fan" / "fan", snr=-6).tasks()) == 1
    assert len(MimiiDataset(tmp_path / "-6_dB_fan", snr=-6).tasks()) == 1


def test_keys_and_split_match_the_synthetic_dataset(tmp_path):
    from aadbench.datasets.synthetic.writer import write_mimii_tree
    from aadbench.testing.data import tiny_synthetic

    synthetic = tiny_synthetic(duration=0.25)
    write_mimii_tree(synthetic, tmp_path, progress=False)
    on_disk = MimiiDataset(tmp_path)
    for generated, read in zip(synthetic.tasks(), on_disk.tasks()):
        assert read.name == generated.name
        assert sorted((c.key, c.label) for c in read.clips) == sorted((c.key, c.label) for c in generated.clips)
        for seed in range(3):
            a, b = paper_split(generated, seed, ProtocolConfig()), paper_split(read, seed, ProtocolConfig())
            assert [generated.clips[i].key for i in a.test] == [read.clips[i].key for i in b.test]
        clip = next(c for c in read.clips if c.key == "normal/00000001.wav")
        twin = next(c for c in generated.clips if c.key == "normal/00000001.wav")
        np.testing.assert_allclose(on_disk.load(clip), synthetic.load(twin), atol=1e-4)


def test_load_fingerprint_config(tmp_path, monkeypatch):
    write_ids(tmp_path / "data" / "fan", ids=("id_00",), frames=3200)
    monkeypatch.chdir(tmp_path)
    ds = MimiiDataset("data", length_policy="fixed", duration=0.25)
    clip = ds.tasks()[0].clips[0]
    wave = ds.load(clip)
    assert wave.shape == (4000,) and wave.dtype == np.float32
    np.testing.assert_array_equal(wave[:3200], sf.read(clip.path, dtype="float32")[0][:, 0])
    assert ds.load_stats() == {"loaded": 1, "resampled": 0, "padded": 1, "cropped": 0}
    before = ds.fingerprint(clip)
    sf.write(clip.path, np.zeros((1600, 8), np.float32), 16000, subtype="PCM_16", format="WAVEX")
    assert ds.fingerprint(clip) != before and clip.path in before
    config = ds.config()
    assert config["data_root"] == str(tmp_path / "data") and os.path.isabs(config["data_root"])
    assert {k: config[k] for k in ("sample_rate", "channel", "length_policy", "duration", "snr")} == \
        {"sample_rate": 16000, "channel": 0, "length_policy": "fixed", "duration": 0.25, "snr": None}
    assert config["machines"] == ["fan"] and config["ids"] == ["id_00"]


def test_bad_roots_name_the_path_and_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere") as info:
        MimiiDataset(tmp_path / "nowhere")
    assert "id_XX/normal" in str(info.value)
    with pytest.raises(ValueError, match="data_root is not set"):
        MimiiDataset("")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty.*is empty"):
        MimiiDataset(tmp_path / "empty")
    (tmp_path / "other" / "stuff").mkdir(parents=True)
    with pytest.raises(LayoutError, match="holds no <type>/id_XX") as info:
        MimiiDataset(tmp_path / "other").tasks()
    assert str(tmp_path / "other") in str(info.value) and "6_dB_fan/fan/id_00" in str(info.value)


def test_plugin_records_are_light_and_complete():
    code = ("import sys; import aadbench.datasets.mimii, aadbench.datasets.dcase, aadbench.datasets.folder; "
            "heavy = [m for m in ('soundfile', 'librosa', 'torch', 'aadbench.datasets.files') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    import inspect

    for name in ("mimii", "dcase", "folder"):
        module = importlib.import_module(f"aadbench.datasets.{name}")
        (spec,) = module.register_datasets()
        params = set(inspect.signature(spec.load()).parameters)
        assert set(spec.defaults) == params, name


def test_conformance(snr_tree):
    from aadbench.testing import check_dataset

    assert check_dataset(MimiiDataset(snr_tree, snr=-6))["loaded"] > 0


def test_the_snr_comes_from_the_folders_or_the_user_else_it_is_unknown(tmp_path):
    plain = tmp_path / "plain"
    write_ids(plain / "fan", ids=("id_00",))
    assert MimiiDataset(plain).config()["snr"] is None, "no SNR in the path: unknown, not 6 dB"
    assert MimiiDataset(plain, snr=-6).config()["snr"] == -6
    inside = tmp_path / "-6_dB_fan"
    write_ids(inside / "fan", ids=("id_00",))
    assert MimiiDataset(inside / "fan").config()["snr"] == -6
    only = tmp_path / "only"
    write_ids(only / "0_dB_pump", ids=("id_00",))
    assert MimiiDataset(only).config()["snr"] == 0


def test_several_snr_folders_without_6_db_ask_which(tmp_path):
    root = tmp_path / "two"
    write_ids(root / "0_dB_fan" / "fan", ids=("id_00",))
    write_ids(root / "-6_dB_fan" / "fan", ids=("id_00",))
    with pytest.raises(LayoutError, match=r"-6, 0 dB; choose one with --set mimii.snr"):
        MimiiDataset(root).tasks()


def test_unknown_snr_is_labelled_and_kept_out_of_the_paper_comparison():
    import pandas as pd

    from aadbench.leaderboard import data, tables

    assert data.dataset_label("mimii", None) == "mimii (SNR unknown)"
    frame = pd.DataFrame([{"status": "ok", "dataset": "mimii", "snr": float("nan"), "weights": "imagenet",
                           "pretrained": 1}])
    assert not tables.comparable(frame).any()
    assert "SNR is unknown" in tables.paper_exclusions(frame).to_string()
