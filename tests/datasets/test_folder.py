"""The folder reader for a user's own machine: train/ + test/{normal,anomalous}/ or a manifest."""
import numpy as np
import pytest
import soundfile as sf

from aadbench.components import ANOMALOUS, NORMAL, UNKNOWN
from aadbench.datasets.files import LayoutError
from aadbench.datasets.folder.dataset import FolderDataset


def audio(path, rate=16000, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.1 * np.random.default_rng(0).standard_normal(rate // 4)).astype(np.float32), rate,
             format=fmt)
    return path


@pytest.fixture
def pump(tmp_path):
    root = tmp_path / "pump7"
    audio(root / "train" / "monday" / "a.wav")
    audio(root / "train" / "tuesday" / "late" / "b.flac")
    audio(root / "train" / "c.ogg")
    (root / "train" / "._a.wav").write_bytes(b"\x00\x05\x16\x07")  # macOS resource fork, not audio
    (root / "train" / "notes.txt").write_text("not audio")
    audio(root / "test" / "normal" / "n1.wav")
    audio(root / "test" / "anomalous" / "x1.wav")
    audio(root / "test" / "abnormal" / "x2.wav")
    audio(root / "test" / "anomaly" / "deep" / "x3.wav")
    audio(root / "test" / "mystery.wav")
    return root


def test_folder_layout(pump):
    ds = FolderDataset(pump)
    (task,) = ds.tasks()
    assert task.name == "pump7/all"
    got = {c.key: (c.label, c.split) for c in task.clips}
    assert got == {
        "train/c.ogg": (NORMAL, "train"), "train/monday/a.wav": (NORMAL, "train"),
        "train/tuesday/late/b.flac": (NORMAL, "train"), "test/normal/n1.wav": (NORMAL, "test"),
        "test/anomalous/x1.wav": (ANOMALOUS, "test"), "test/abnormal/x2.wav": (ANOMALOUS, "test"),
        "test/anomaly/deep/x3.wav": (ANOMALOUS, "test"), "test/mystery.wav": (UNKNOWN, "test")}
    assert {ds.load(c).shape for c in task.clips} == {(4000,)}
    assert FolderDataset(pump, machine="pump-7").tasks()[0].name == "pump-7/all"
    assert ds.config()["data_root"] == str(pump) and ds.config()["manifest"] is None


def test_several_machines(tmp_path):
    for machine in ("press", "saw"):
        audio(tmp_path / machine / "train" / "a.wav")
        audio(tmp_path / machine / "test" / "normal" / "b.wav")
        audio(tmp_path / machine / "test" / "anomalous" / "c.wav")
    assert [t.name for t in FolderDataset(tmp_path).tasks()] == ["press/all", "saw/all"]
    assert [t.name for t in FolderDataset(tmp_path, machine="saw").tasks()] == ["saw/all"]
    with pytest.raises(ValueError, match="drill not found"):
        FolderDataset(tmp_path, machine="drill").tasks()


def test_manifest(tmp_path):
    audio(tmp_path / "rec" / "a.wav")
    audio(tmp_path / "rec" / "b.wav")
    audio(tmp_path / "rec" / "c.flac", rate=44100)
    elsewhere = audio(tmp_path / "other" / "d.wav")
    manifest = tmp_path / "lists" / "plant.csv"
    manifest.parent.mkdir()
    manifest.write_text("path,label,split,machine,section,domain\n"
                        "../rec/a.wav,normal,train,fan,0,source\n"
                        "../rec/b.wav,0,test,fan,0,target\n"
                        "../rec/c.flac,anomalous,test,fan,0,target\n"
                        f"{elsewhere},1,test,fan,1,source\n"
                        "../rec/a.wav,normal,train,fan,1,source\n")
    ds = FolderDataset(data_root=tmp_path, manifest=manifest)  # the recordings lie beside the manifest's folder
    assert [t.name for t in ds.tasks()] == ["fan/section_00", "fan/section_01"]
    clips = {c.key: c for c in ds.tasks()[0].clips}
    c = clips["../rec/c.flac"]
    assert (c.label, c.split, c.domain) == (ANOMALOUS, "test", "target")
    assert c.path == str(tmp_path / "rec" / "c.flac")
    assert ds.load(c).shape == (4000,) and ds.load_stats()["resampled"] == 1
    assert ds.config()["data_root"] == str(tmp_path) and ds.config()["manifest"] == str(manifest)


def test_manifest_without_split_leaves_it_to_the_harness(tmp_path):
    audio(tmp_path / "a.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,label\na.wav,normal\n")
    (task,) = FolderDataset(manifest=manifest, machine="lathe").tasks()
    assert task.name == "lathe/all" and task.clips[0].split is None


def test_manifest_errors_name_file_and_row(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,label\na.wav,normal\n")
    with pytest.raises(ValueError, match="m.csv lacks the column.*path"):
        FolderDataset(manifest=manifest).tasks()
    manifest.write_text("path,label\na.wav,broken\n")
    with pytest.raises(ValueError, match="m.csv row 2: label 'broken'"):
        FolderDataset(manifest=manifest).tasks()
    manifest.write_text("path,label,split\na.wav,normal,train\nb.wav,normal,\n")
    with pytest.raises(ValueError, match="gives a split for some rows"):
        FolderDataset(manifest=manifest).tasks()
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        FolderDataset(manifest=tmp_path / "nope.csv")


def test_layout_errors(tmp_path):
    audio(tmp_path / "m" / "test" / "normal" / "a.wav")
    with pytest.raises(LayoutError, match="train holds no audio files") as info:
        FolderDataset(tmp_path / "m").tasks()
    assert "test/anomalous/**/*.wav" in str(info.value)
    (tmp_path / "junk" / "x").mkdir(parents=True)
    with pytest.raises(LayoutError, match="junk holds neither train/ nor test/"):
        FolderDataset(tmp_path / "junk").tasks()
    with pytest.raises(FileNotFoundError, match="absent"):
        FolderDataset(tmp_path / "absent")


def test_conformance(pump):
    from aadbench.testing import check_dataset

    assert check_dataset(FolderDataset(pump))["loaded"] > 0
