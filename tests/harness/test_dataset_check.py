"""``aadbench datasets check``: counts, audio facts and every broken file, with exit codes."""
import argparse
import importlib
import json

import numpy as np
import pytest
import soundfile as sf

from aadbench.cli import datasets_cmd
from aadbench.cli.settings import read_settings
from aadbench.harness.dataset_check import check, format_check

READERS = ("aadbench.datasets.mimii", "aadbench.datasets.dcase", "aadbench.datasets.folder")


@pytest.fixture
def cli(monkeypatch):
    """Runs ``aadbench datasets ...`` with the reader plugins registered; returns (exit code, stdout)."""
    from aadbench.harness import registry as reg

    extra = [(m, importlib.import_module(m)) for m in READERS if m not in reg.BUNDLED_PLUGINS]
    registry = reg.load_registry(entry_points=False, extra=extra)
    monkeypatch.setattr(datasets_cmd, "get_registry", lambda options=None: registry)
    parser = argparse.ArgumentParser(prog="aadbench")
    datasets_cmd.add_parser(parser.add_subparsers(dest="command"))

    def run(*argv):
        args = parser.parse_args(["datasets", *map(str, argv)])
        args.settings = read_settings({})
        return args.handler(args)
    return run


def clip(path, frames=1600, channels=8, rate=16000, subtype="PCM_16", fmt="WAVEX", value=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    wave = 0.1 * np.random.default_rng(len(path.name)).standard_normal((frames, channels))
    if value is not None:
        wave[10, :] = value
    sf.write(path, wave.astype(np.float32), rate, subtype=subtype, format=fmt)
    return path


@pytest.fixture
def clean_tree(tmp_path):
    root = tmp_path / "mimii"
    for label, n in (("normal", 3), ("abnormal", 2)):
        for i in range(n):
            clip(root / "6_dB_valve" / "valve" / "id_00" / label / f"{i:08d}.wav", frames=1600 + 800 * i)
    return root


@pytest.fixture
def broken_tree(clean_tree):
    folder = clean_tree / "6_dB_valve" / "valve" / "id_00" / "normal"
    cut = clip(folder / "00000010.wav")
    cut.write_bytes(cut.read_bytes()[:-1000])
    (folder / "00000011.wav").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n")
    clip(folder / "00000012.wav", channels=1, rate=44100, fmt="WAV")
    clip(folder / "00000013.wav", channels=1, subtype="FLOAT", fmt="WAV", value=np.nan)
    (folder / "00000014.wav").write_bytes(b"")
    (folder / "00000015.wav").write_text("this is not audio\n")
    return clean_tree


def test_check_finds_every_broken_file(broken_tree):
    from aadbench.datasets.mimii.dataset import MimiiDataset

    result = check(MimiiDataset(broken_tree), name="mimii")
    kinds = {p["key"]: p["kind"] for p in result["problems"]}
    assert kinds == {"normal/00000010.wav": "truncated", "normal/00000011.wav": "lfs-pointer",
                     "normal/00000013.wav": "non-finite", "normal/00000014.wav": "empty",
                     "normal/00000015.wav": "not-audio"}
    for problem in result["problems"]:
        assert problem["key"].split("/")[1] in problem["message"]
    assert not result["ok"] and result["n_problems"] == 5
    assert result["audio"]["sample_rates"] == {"16000": 5, "44100": 1}
    assert result["audio"]["channels"] == {"1": 1, "8": 5}
    assert result["tasks"][0]["counts"] == {"any": {"normal": 9, "anomalous": 2}}
    text = format_check(result)
    assert "problems: 5" in text and "[lfs-pointer]" in text and "git lfs pull" in text
    assert "1 at 44100 Hz: resampled to 16000 Hz" in text and "result: 5 problems found" in text


def test_cli_exit_code_1_on_problems(cli, broken_tree, capsys):
    assert cli("check", "--dataset", "mimii", "--data-root", broken_tree, "--no-progress") == 1
    out = capsys.readouterr().out
    assert "00000014.wav" in out and "[empty]" in out


def test_cli_clean_tree(cli, clean_tree, capsys):
    assert cli("check", "--dataset", "mimii", "--data-root", clean_tree, "--no-progress") == 0
    text = capsys.readouterr().out
    assert "valve/id_00" in text and "result: OK" in text and "duration min 0.1 s, median 0.15 s, max 0.2 s" in text
    assert cli("check", "--dataset", "mimii", "--data-root", clean_tree, "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["n_clips"] == 5 and result["config"]["snr"] == 6
    with pytest.raises(Exception, match="none for snr=0"):
        cli("check", "--dataset", "mimii", "--data-root", clean_tree, "--set", "mimii.snr=0")
    with pytest.raises(Exception, match="only mimii.PARAM"):
        cli("check", "--dataset", "mimii", "--data-root", clean_tree, "--set", "gmm.n_components=3")


def test_cli_reports_unlabelled_evaluation_clips(cli, tmp_path, capsys):
    root = tmp_path / "eval_data" / "fan"
    clip(root / "train" / "section_00_source_train_normal_0000_m-n_W.wav", channels=1, fmt="WAV")
    clip(root / "test" / "section_00_0000.wav", channels=1, fmt="WAV")
    clip(root / "test" / "section_00_0001.wav", channels=1, fmt="WAV")
    assert cli("check", "--dataset", "dcase", "--data-root", tmp_path / "eval_data", "--set", "dcase.year=2023",
               "--no-progress") == 0
    text = capsys.readouterr().out
    assert "unlabelled: 2 clips" in text and "set dcase.ground_truth=PATH" in text
    assert "fan/section_00" in text and "(DCASE 2023 layout)" in text


def test_check_on_generated_data(tmp_path):
    from aadbench.testing.data import tiny_synthetic

    result = check(tiny_synthetic(duration=0.2), name="synthetic")
    assert result["ok"] and result["n_clips"] == 9 and result["audio"]["n_files"] == 0
    assert "result: OK" in format_check(result)
