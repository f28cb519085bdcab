"""The feature cache: hits, misses, keys, corrupt files, and `aadbench cache`."""
import os
import stat

import numpy as np
import pytest

from aadbench.cli import main
from aadbench.harness.cache import FeatureCache, audio_config, extractor_hash
from aadbench.harness.store import ResultsReader, ResultStore
from aadbench.plugins.image_cnns.extractor import TorchvisionCNN
from aadbench.testing import tiny_synthetic

TINY = ["--set", "synthetic.machines=fan", "--set", "synthetic.ids=id_00", "--set", "synthetic.n_normal=6",
        "--set", "synthetic.n_anomalous=3", "--set", "synthetic.duration=1.5", "--weights", "none", "--no-progress"]


@pytest.fixture
def extracted(monkeypatch):
    """How many clips the CNN extractors really processed."""
    seen = []
    original = TorchvisionCNN.extract

    def counting(self, waves):
        seen.extend(len(w) for w in waves)
        return original(self, waves)

    monkeypatch.setattr(TorchvisionCNN, "extract", counting)
    return seen


def _cache(*argv):
    """`aadbench cache ...` as a user types it."""
    return main(["cache", *argv])


def _run(tmp_path, capsys, *args, db="r.sqlite"):
    code = main(["run", *args, *TINY, "--db", str(tmp_path / db), "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_save_load_is_memory_mapped_and_atomic(tmp_path):
    cache = FeatureCache(tmp_path).for_extractor({"name": "x", "dim": 4})
    feats = np.arange(12, dtype=np.float32).reshape(3, 4)
    cache.save("ab12", feats)
    got = cache.load("ab12")
    assert isinstance(got, np.memmap) and not got.flags.writeable
    np.testing.assert_array_equal(got, feats)
    assert cache.load("cd34") is None
    assert [p.name for p in cache.folder.rglob("*") if p.is_file()] == ["identity.json", "ab12.npy"] or \
        sorted(p.name for p in cache.folder.rglob("*") if p.is_file()) == ["ab12.npy", "identity.json"]


def test_a_corrupt_file_is_a_miss_and_is_removed(tmp_path, caplog):
    cache = FeatureCache(tmp_path).for_extractor({"name": "x"})
    cache.save("ab12", np.ones((2, 3), np.float32))
    cache.path("ab12").write_bytes(b"\x93NUMPY garbage")
    assert cache.load("ab12") is None and not cache.path("ab12").exists()
    assert "unreadable" in caplog.text


def test_keys_follow_audio_parameters_and_extractor_identity(tmp_path):
    cache = FeatureCache(tmp_path).for_extractor({"name": "x"})
    a, b = tiny_synthetic(), tiny_synthetic(snr_db=0.0)
    clip = a.tasks()[0].clips[0]
    assert cache.clip_key(a, clip) == cache.clip_key(tiny_synthetic(), clip) != cache.clip_key(b, clip)
    assert audio_config(a)["config"] == a.config()
    assert extractor_hash({"name": "x", "dtype": "float32"}) != extractor_hash({"name": "x", "dtype": "bfloat16"})
    wave = a.load(clip)
    assert cache.content_key(wave, 16000) == cache.content_key(wave.copy(), 16000) != cache.content_key(wave * 2, 16000)


def test_rerun_with_other_detectors_and_seeds_extracts_nothing(tmp_path, capsys, extracted):
    out = _run(tmp_path, capsys, "--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--seeds", "1")
    assert len(extracted) == 9 and "(9 clips" in out
    out = _run(tmp_path, capsys, "--plugins", "squeezenet1_1,gmm,iforest", "--set", "gmm.n_components=1",
               "--seeds", "3")
    assert len(extracted) == 9, "the second run extracted clips again"
    assert "5 computed, 1 already stored" in out and "9 more read from the feature cache" in out
    with ResultsReader(tmp_path / "r.sqlite") as store:
        rows = store.result_dicts()
    assert len(rows) == 6 and all(r["status"] == "ok" for r in rows)


def test_cached_features_equal_fresh_ones(tmp_path, capsys):
    args = ("--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--seeds", "1")
    _run(tmp_path, capsys, *args)
    with ResultStore(tmp_path / "r.sqlite") as store:
        first = store.results()[0]
        store.conn.execute("DELETE FROM results")
        store.conn.commit()
    _run(tmp_path, capsys, *args)
    with ResultsReader(tmp_path / "r.sqlite") as store:
        again = store.result_dicts()[0]
    assert again["auc"] == first["auc"] and again["job_key"] == first["job_key"]
    assert again["n_extracted_clips"] == 0 and first["n_extracted_clips"] == 9


def test_content_key_mode_and_a_corrupt_entry_is_recomputed(tmp_path, capsys, extracted):
    args = ("--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--cache-key", "content")
    _run(tmp_path, capsys, *args, "--seeds", "1")
    assert len(extracted) == 9
    files = sorted((tmp_path / "cache").glob("*/*/c*.npy"))
    assert len(files) == 9
    files[0].write_bytes(b"not a numpy file")
    _run(tmp_path, capsys, *args, "--seeds", "2")
    assert len(extracted) == 10, "only the corrupt entry is extracted again"
    _run(tmp_path, capsys, "--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--seeds", "3")
    assert len(extracted) == 19, "fingerprint keys are not content keys: a new set of entries"


def test_no_cache_writes_nothing(tmp_path, capsys, extracted):
    for _ in range(2):
        _run(tmp_path, capsys, "--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--seeds", "1",
             "--no-cache", db=f"{len(extracted)}.sqlite")
    assert len(extracted) == 18 and not (tmp_path / "cache").exists()


def test_cache_info_and_clear(tmp_path, capsys):
    _run(tmp_path, capsys, "--plugins", "squeezenet1_1,gmm", "--set", "gmm.n_components=1", "--seeds", "1")
    cache_dir = str(tmp_path / "cache")
    assert _cache("info", "--cache-dir", cache_dir, "--json") == 0
    import json

    (row,) = json.loads(capsys.readouterr().out)["extractors"]
    assert row["extractor"] == "squeezenet1_1" and row["entries"] == 9 and row["bytes"] > 9 * 2048 * 4
    assert _cache("info", "--cache-dir", cache_dir) == 0
    assert "squeezenet1_1" in capsys.readouterr().out
    assert _cache("clear", "--cache-dir", cache_dir, "--extractor", "resnet18") == 0
    assert "removed 0 entries" in capsys.readouterr().out
    assert _cache("clear", "--cache-dir", cache_dir) == 0
    assert "removed 9 entries" in capsys.readouterr().out
    assert FeatureCache(cache_dir).info() == []


def test_an_interruption_loses_at_most_one_small_batch_of_extracted_clips(tmp_path):
    """Features are written as soon as a batch of at most 8 clips is extracted."""
    from aadbench.harness.extraction import CLIPS_PER_CALL, extract_task
    from aadbench.plugins.mel_patches.extractor import MelPatches

    assert CLIPS_PER_CALL <= 8
    dataset = tiny_synthetic(n_normal=20, n_anomalous=3, duration=1.5)
    (task,) = dataset.tasks()

    class Interrupted(MelPatches):
        calls = 0

        def extract(self, waves):
            Interrupted.calls += 1
            if Interrupted.calls == 3:
                raise KeyboardInterrupt
            return super().extract(waves)

    cache = FeatureCache(tmp_path / "c").for_extractor({"name": "mel-patches"})
    with pytest.raises(KeyboardInterrupt):
        extract_task(dataset, task, Interrupted(), progress=False, cache=cache)
    assert len(list(cache.folder.glob("*/*.npy"))) == 2 * CLIPS_PER_CALL


def test_cache_files_are_readable_as_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        folder = FeatureCache(tmp_path / "c").for_extractor({"name": "x"})
        folder.save("k" * 32, np.ones((2, 3), np.float32))
        mode = stat.S_IMODE(folder.path("k" * 32).stat().st_mode)
        assert mode == 0o644, oct(mode)
        assert stat.S_IMODE((folder.folder / "identity.json").stat().st_mode) == 0o644
    finally:
        os.umask(old)
