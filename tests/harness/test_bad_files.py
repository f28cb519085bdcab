"""Every file accounted for: folders named like audio, broken links, loops and unreadable files become
typed, named problems in `datasets check` and in runs, handled by the bad-file policy."""
import json
import os
import sqlite3

import pytest

from aadbench import audio
from aadbench.cli import main
from aadbench.datasets.folder.dataset import FolderDataset
from aadbench.harness.dataset_check import check

from .test_data_changes import clip, machine


def _denied(paths):
    """Make reading these files fail as permission denied does for a user without read access."""
    original = audio.open_audio_file

    def opener(path):
        if str(path) in {str(p) for p in paths}:
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)
    return opener


@pytest.fixture
def broken_press(tmp_path):
    root = tmp_path / "press"
    machine(root, "press")
    press = root / "press"
    (press / "test" / "anomalous" / "x.wav").mkdir()  # a folder named like a recording
    (press / "test" / "anomalous" / "dangling.wav").symlink_to(press / "nowhere.wav")
    loop = press / "test" / "anomalous" / "loop.wav"
    loop.symlink_to(loop)
    return press


def test_datasets_check_lists_every_entry_and_never_aborts(broken_press, monkeypatch):
    locked = broken_press / "train" / "t0.wav"
    monkeypatch.setattr(audio, "open_audio_file", _denied([locked]))
    result = check(FolderDataset(broken_press))
    (row,) = result["tasks"]
    assert row["counts"]["test"]["anomalous"] == 6, "the folder, the dangling link and the loop are counted"
    kinds = sorted((p["kind"], os.path.basename(p["path"])) for p in result["problems"])
    assert kinds == [("broken-link", "dangling.wav"), ("broken-link", "loop.wav"), ("not-a-file", "x.wav"),
                     ("unreadable", "t0.wav")]
    messages = " ".join(p["message"] for p in result["problems"])
    assert "permission denied" in messages and "chmod" in messages and "it is a folder" in messages
    assert result["ok"] is False


def test_the_cli_check_reports_them_with_exit_code_1(broken_press, capsys):
    code = main(["datasets", "check", "--dataset", "folder", "--data-root", str(broken_press), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1 and "[not-a-file]" in out and out.count("[broken-link]") == 2 and "result: 3 problems" in out


def _run(capsys, root, db, *extra):
    code = main(["run", "--plugins", "mel-patches,knn", "--set", "knn.k=1", "--seeds", "1", "--dataset", "folder",
                 "--data-root", str(root), "--db", str(db), "--no-progress", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_an_unreadable_training_file_is_skipped_with_a_warning_and_counted(tmp_path, capsys, monkeypatch):
    root = tmp_path / "plant"
    machine(root, "press")
    locked = root / "press" / "train" / "t3.wav"
    monkeypatch.setattr(audio, "open_audio_file", _denied([locked]))
    code, out = _run(capsys, root, tmp_path / "r.sqlite")
    assert code == 0 and "1 computed" in out
    assert "files: 1 could not be read and were left out (1 unreadable)" in out and "t3.wav" in out
    with sqlite3.connect(tmp_path / "r.sqlite") as conn:
        n_train, metrics = conn.execute("SELECT n_train, metrics FROM results").fetchone()
    assert n_train == 5 and json.loads(metrics)["skipped_kinds"] == {"unreadable": 1}


def test_bad_test_files_fail_their_task_unless_skip_bad_files(broken_press, tmp_path, capsys):
    root = broken_press.parent
    code, out = _run(capsys, root, tmp_path / "r.sqlite")
    assert code == 1 and "3 test clips of press/all cannot be read" in out and "--skip-bad-files" in out
    code, out = _run(capsys, root, tmp_path / "r.sqlite", "--skip-bad-files")
    assert code == 0 and "1 computed" in out and "(2 broken-link, 1 not-a-file)" in out


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_a_real_permission_denied_file(tmp_path, capsys):
    root = tmp_path / "plant"
    machine(root, "press")
    locked = root / "press" / "train" / "t1.wav"
    locked.chmod(0)
    try:
        code, out = _run(capsys, root, tmp_path / "r.sqlite")
    finally:
        locked.chmod(0o644)
    assert code == 0 and "(1 unreadable)" in out


def test_a_manifest_stays_in_its_root(tmp_path):
    root = tmp_path / "site"
    clip(root / "ok.wav", seed=1)
    clip(tmp_path / "elsewhere" / "far.wav", seed=2)
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2\n")
    manifest = root / "clips.csv"
    for target in ("../elsewhere/far.wav", str(tmp_path / "elsewhere" / "far.wav"), "../secret.txt"):
        manifest.write_text(f"path,label\nok.wav,normal\n{target},anomalous\n")
        with pytest.raises(ValueError, match="lies outside the data folder") as info:
            FolderDataset(manifest=str(manifest)).tasks()
        assert "allow_outside_root=true" in str(info.value) and "hunter2" not in str(info.value)
    manifest.write_text("path,label\nok.wav,normal\n../elsewhere/far.wav,anomalous\n")
    (task,) = FolderDataset(manifest=str(manifest), allow_outside_root=True).tasks()
    assert len(task.clips) == 2


def test_no_byte_of_a_non_audio_file_reaches_a_stored_error(tmp_path, capsys):
    root = tmp_path / "plant"
    machine(root, "press")
    (root / "press" / "test" / "anomalous" / "a0.wav").write_text("password: hunter2 and more text\n")
    code, out = _run(capsys, root, tmp_path / "r.sqlite")
    assert code == 1 and "a text file" in out and "hunter2" not in out
    with sqlite3.connect(tmp_path / "r.sqlite") as conn:
        errors = [r[0] for r in conn.execute("SELECT error FROM results")]
    assert errors and not any("hunter2" in e for e in errors)
