"""The weights machinery: cache paths without torch, resolve, verify, fetch, preflight."""
import dataclasses
import hashlib
import logging
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from aadbench.harness import weights as w
from aadbench.plugins.image_cnns import catalog


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """A torch hub cache of this test's own (the session one is shared between tests)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


def _file(tmp_path, data=b"checkpoint bytes" * 100, name="net.pth", digest=None, size=None):
    src = tmp_path / "server" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest() if digest is None else digest
    return w.WeightsFile(url=src.as_uri(), filename=name, sha256=sha, size=size, licence="MIT",
                         source="a test"), data


def _place(wf, data):
    path = w.cache_path(wf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("env", [{"TORCH_HOME": "th"}, {"XDG_CACHE_HOME": "xdg"}, {}])
def test_hub_dir_matches_torch_hub_get_dir(tmp_path, monkeypatch, env):
    import torch.hub

    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, str(tmp_path / value))
    assert w.hub_dir_from_env() == w.hub_dir() == __import__("pathlib").Path(torch.hub.get_dir())


def test_listing_weights_never_imports_torch(tmp_path):
    code = ("import sys; import aadbench.harness.weights as w; import aadbench.plugins.audio_nets as a; "
            "import aadbench.plugins.image_cnns as i; import aadbench.plugins.timm_models; "
            "from aadbench.plugins.image_cnns.catalog import WEIGHTS; "
            "print(w.cache_path(WEIGHTS['resnet34'])); assert 'torch' not in sys.modules, 'torch imported'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"TORCH_HOME": str(tmp_path / "th"), "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "th" / "hub" / "checkpoints" / "resnet34-b627a593.pth")


def test_catalog_matches_torchvision_weight_enums():
    from aadbench.plugins.image_cnns import weights as tv

    for arch, wf in catalog.WEIGHTS.items():
        enum = tv.weight_enum(arch)
        assert wf.url == enum.url and wf.filename == tv.checkpoint_path(arch).name
        assert w.cache_path(wf) == tv.checkpoint_path(arch)
        assert wf.filename.split("-")[-1].startswith(wf.sha256) and wf.non_commercial
    assert catalog.weights_for("squeezenet").filename.startswith("squeezenet1_0-")


@pytest.mark.parametrize("kwargs", [{"filename": "a/b.pth"}, {"filename": ""}, {"sha256": "xyz12345"},
                                    {"sha256": "abc"}])
def test_weights_file_rejects_bad_names_and_checksums(kwargs):
    with pytest.raises(ValueError):
        w.WeightsFile(**{"url": "https://x/y.pth", "filename": "y.pth", **kwargs})


def test_none_is_random():
    path, identity = w.resolve(w.WeightsFile("https://x/y.pth", "y.pth"), "none")
    assert path is None and identity == {"kind": "random", "source": "random-init", "pretrained": False}


def test_pretrained_offline_fails_fast_naming_the_file_and_where_to_put_it(tmp_path):
    wf, _ = _file(tmp_path)
    start = time.perf_counter()
    for choice in ("pretrained", "imagenet"):
        with pytest.raises(w.WeightsUnavailableError) as info:
            w.resolve(wf, choice, what="my-net")
        message = str(info.value)
        assert "net.pth" in message and str(w.cache_path(wf)) in message and wf.url in message
        assert "--set my-net.weights=" in message and "--weights none" in message
    assert time.perf_counter() - start < 2
    assert not w.cache_path(wf).exists()


def test_auto_offline_warns_loudly_and_falls_back_to_random(tmp_path, caplog):
    wf, _ = _file(tmp_path)
    with caplog.at_level(logging.WARNING):
        path, identity = w.resolve(wf, "auto")
    assert path is None and identity["pretrained"] is False and "RANDOM WEIGHTS" in caplog.text


def test_a_cached_file_is_used_without_the_network(tmp_path):
    wf, data = _file(tmp_path)
    cached = _place(wf, data)
    for choice in ("auto", "pretrained"):
        path, identity = w.resolve(wf, choice)
        assert path == cached
        assert identity == {"kind": "pretrained", "source": "a test", "file": "net.pth", "pretrained": True}
    assert w.label(identity) == "pretrained"


def test_auto_online_downloads_with_the_hash_checked(tmp_path, monkeypatch):
    monkeypatch.delenv("AADBENCH_OFFLINE")
    wf, data = _file(tmp_path)
    path, identity = w.resolve(wf, "auto")
    assert path.read_bytes() == data and identity["pretrained"] is True
    bad, _ = _file(tmp_path, name="bad.pth", digest="deadbeef")
    with pytest.raises(w.WeightsUnavailableError, match="download failed.*hash"):
        w.resolve(bad, "pretrained")
    assert not w.cache_path(bad).exists()


def test_a_local_path_is_always_accepted_and_hashed(tmp_path):
    wf, data = _file(tmp_path)
    local = tmp_path / "mine.pth"
    local.write_bytes(b"other weights")
    path, identity = w.resolve(wf, str(local))
    assert path == local and identity["kind"] == "file" and identity["pretrained"] is True
    assert identity["sha256"] == hashlib.sha256(b"other weights").hexdigest()
    assert w.label(identity) == f"file:mine.pth@{identity['sha256'][:8]}"
    with pytest.raises(w.WeightsUnavailableError, match="nope.pth"):
        w.resolve(wf, str(tmp_path / "nope.pth"))


def test_verify_reports_missing_ok_mismatch_unknown_and_size(tmp_path):
    wf, data = _file(tmp_path)
    assert w.verify(wf)["checksum"] == "missing" and not w.verify(wf)["present"]
    _place(wf, data)
    state = w.verify(wf)
    assert state["present"] and state["checksum"] == "ok" and state["size"] == len(data)
    assert w.verify(wf, hash_file=False)["checksum"] == "unchecked"
    _place(wf, data + b"x")
    assert w.verify(wf)["checksum"] == "mismatch"
    assert w.verify(dataclasses.replace(wf, sha256=None))["checksum"] == "unknown"
    assert w.verify(dataclasses.replace(wf, size=3))["checksum"] == "mismatch"
    prefix = dataclasses.replace(wf, sha256=hashlib.sha256(data + b"x").hexdigest()[:8])
    assert w.verify(prefix)["checksum"] == "ok"


def test_fetch_offline_fails_and_online_downloads_or_repairs(tmp_path, monkeypatch):
    wf, data = _file(tmp_path)
    with pytest.raises(w.WeightsUnavailableError, match="net.pth"):
        w.fetch(wf)
    monkeypatch.delenv("AADBENCH_OFFLINE")
    assert w.fetch(wf).read_bytes() == data
    _place(wf, b"corrupt")
    assert w.fetch(wf).read_bytes() == data
    sized, _ = _file(tmp_path, name="sized.pth", size=1)
    with pytest.raises(w.WeightsUnavailableError, match="expected 1"):
        w.fetch(sized)
    assert not w.cache_path(sized).exists()


def test_preflight_names_every_missing_file_offline_only(tmp_path, monkeypatch):
    a, _ = _file(tmp_path, name="a.pth")
    b, data = _file(tmp_path, name="b.pth")
    _place(b, data)
    specs = [("x", SimpleNamespace(weights=(a, b)), "pretrained"), ("y", SimpleNamespace(weights=(a,)), "none"),
             ("z", SimpleNamespace(), "imagenet")]
    with pytest.raises(w.WeightsUnavailableError) as info:
        w.preflight(specs)
    assert "a.pth" in str(info.value) and "b.pth" not in str(info.value)
    assert str(info.value).count("Expected file") == 1
    w.preflight(specs[1:])
    monkeypatch.delenv("AADBENCH_OFFLINE")
    w.preflight(specs)


def test_spec_weights_follows_the_extractor_spec_fields():
    from aadbench.specs import ExtractorSpec

    wf = w.WeightsFile("https://x/y.pth", "y.pth")
    kwargs = w.spec_weights(wf)
    spec = ExtractorSpec(name="n", factory="m:f", description="d", **kwargs)
    assert w.weights_of(spec) == ((wf,) if kwargs else ())
    assert wf.info()["cache_path"] == str(w.cache_path(wf))
