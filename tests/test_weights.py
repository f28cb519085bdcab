"""The weights machinery: cache paths without torch, resolve, verify, fetch, preflight."""
import dataclasses
import hashlib
import logging
import subprocess
import sys

import pytest

from aadbench import weights as w
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
    code = ("import sys; import aadbench.weights as w; import aadbench.plugins.audio_nets as a; "
            "import aadbench.plugins.image_cnns as i; import aadbench.plugins.timm_models; "
            "from aadbench.plugins.image_cnns.catalog import CNNS; "
            "print(w.cache_path(CNNS['resnet34'].weights)); assert 'torch' not in sys.modules, 'torch imported'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"TORCH_HOME": str(tmp_path / "th"), "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "th" / "hub" / "checkpoints" / "resnet34-b627a593.pth")


def test_catalog_matches_torchvision_weight_enums():
    import os

    import torch.hub
    import torchvision.models as tvm

    for cnn in catalog.CNNS.values():
        enum_name, member = cnn.enum.split(".")
        enum = getattr(getattr(tvm, enum_name), member)
        wf = cnn.weights
        assert wf.url == enum.url and wf.filename == os.path.basename(enum.url)
        assert w.cache_path(wf) == __import__("pathlib").Path(torch.hub.get_dir()) / "checkpoints" / wf.filename
        assert wf.filename.split("-")[-1].startswith(wf.sha256) and wf.non_commercial
        assert getattr(tvm, cnn.arch) is not None
    assert catalog.CNNS["squeezenet"].weights.filename.startswith("squeezenet1_0-")


@pytest.mark.parametrize("kwargs", [{"filename": "a/b.pth"}, {"filename": ""}, {"sha256": "xyz12345"},
                                    {"sha256": "abc"}])
def test_weights_file_rejects_bad_names_and_checksums(kwargs):
    with pytest.raises(ValueError):
        w.WeightsFile(**{"url": "https://x/y.pth", "filename": "y.pth", **kwargs})


def test_none_is_random():
    path, identity = w.resolve(w.WeightsFile("https://x/y.pth", "y.pth"), "none")
    assert path is None and identity == {"kind": "random", "source": "random-init", "pretrained": False}


def test_pretrained_offline_fails_naming_the_file_and_where_to_put_it(tmp_path, monkeypatch):
    wf, _ = _file(tmp_path)
    monkeypatch.setattr(w, "download", _no_network)
    for choice in ("pretrained", "imagenet"):
        with pytest.raises(w.WeightsUnavailableError) as info:
            w.resolve(wf, choice, what="my-net", offline=True)
        message = str(info.value)
        assert "net.pth" in message and str(w.cache_path(wf)) in message and wf.url in message
        assert "--set my-net.weights=" in message and "--weights none" in message
    assert not w.cache_path(wf).exists()


def _no_network(wf):
    raise AssertionError(f"offline, yet {wf.url} was downloaded")


def test_auto_offline_warns_loudly_and_falls_back_to_random(tmp_path, caplog, monkeypatch):
    wf, _ = _file(tmp_path)
    monkeypatch.setattr(w, "download", _no_network)
    with caplog.at_level(logging.WARNING):
        path, identity = w.resolve(wf, "auto", offline=True)
    assert path is None and identity["pretrained"] is False and "RANDOM WEIGHTS" in caplog.text
    assert w.is_fallback(identity) and not w.is_fallback(w.random_identity())


def test_a_cached_file_is_used_without_the_network(tmp_path, monkeypatch):
    wf, data = _file(tmp_path)
    cached = _place(wf, data)
    monkeypatch.setattr(w, "download", _no_network)
    for choice in ("auto", "pretrained"):
        path, identity = w.resolve(wf, choice)
        assert path == cached
        assert identity == {"kind": "pretrained", "source": "a test", "file": "net.pth", "pretrained": True}
        assert w.identity(wf, choice) == identity
    assert w.label(identity) == "pretrained"


def test_identity_without_fetch_never_touches_the_network(tmp_path, monkeypatch):
    wf, data = _file(tmp_path)
    monkeypatch.setattr(w, "download", _no_network)
    assert w.identity(wf, "auto") == w.random_identity(w.FALLBACK_NOTE)  # what an offline run gets
    assert w.identity(wf, "pretrained")["kind"] == "pretrained"  # the run fails later if it cannot be had
    assert w.identity(wf, "none") == w.random_identity()
    assert w.identity(wf, "auto", fetch=True, offline=True) == w.random_identity(w.FALLBACK_NOTE)


def test_identity_with_fetch_downloads_what_resolve_then_finds(tmp_path):
    wf, data = _file(tmp_path)
    assert w.identity(wf, "auto", fetch=True)["kind"] == "pretrained"
    assert w.cache_path(wf).read_bytes() == data
    assert w.resolve(wf, "auto", offline=True)[1] == w.identity(wf, "auto")


def test_auto_online_downloads_with_the_hash_checked(tmp_path):
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


def test_fetch_offline_fails_and_online_downloads_or_repairs(tmp_path):
    wf, data = _file(tmp_path)
    with pytest.raises(w.WeightsUnavailableError, match="net.pth"):
        w.fetch(wf, offline=True)
    assert w.fetch(wf).read_bytes() == data
    _place(wf, b"corrupt")
    assert w.fetch(wf).read_bytes() == data
    sized, _ = _file(tmp_path, name="sized.pth", size=1)
    with pytest.raises(w.WeightsUnavailableError, match="expected 1"):
        w.fetch(sized)
    assert not w.cache_path(sized).exists()


def test_preflight_names_every_missing_file_offline_only(tmp_path):
    a, _ = _file(tmp_path, name="a.pth")
    b, data = _file(tmp_path, name="b.pth")
    _place(b, data)
    requests = [("x", (a, b), "pretrained"), ("y", (a,), "none"), ("z", (), "imagenet")]
    with pytest.raises(w.WeightsUnavailableError) as info:
        w.preflight(requests, offline=True)
    assert "a.pth" in str(info.value) and "b.pth" not in str(info.value)
    assert str(info.value).count("Expected file") == 1
    w.preflight(requests[1:], offline=True)
    w.preflight(requests, offline=False)


def test_extractor_specs_take_weights_files_only():
    from aadbench.specs import ExtractorSpec

    wf = w.WeightsFile("https://x/y.pth", "y.pth")
    spec = ExtractorSpec(name="n", factory="m:f", description="d", weights=[wf])
    assert spec.weights == (wf,) and spec.info()["weights"][0]["cache_path"] == str(w.cache_path(wf))
    with pytest.raises(ValueError, match="WeightsFile"):
        ExtractorSpec(name="n", factory="m:f", description="d", weights=["y.pth"])


def test_the_environment_switch_is_read_by_the_command_line_only():
    assert w.env_offline({"AADBENCH_OFFLINE": "1"}) and not w.env_offline({"AADBENCH_OFFLINE": "0"})
    assert not w.env_offline({})


def test_without_a_network_a_download_gives_up_at_the_probe(tmp_path, monkeypatch):
    """No network and no offline flag: the probe fails (here: a closed port), the download is not tried."""
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not w.reachable(f"http://127.0.0.1:{port}/x.pth", timeout=1)
    assert w.reachable("file:///anything")
    wf = w.WeightsFile(url=f"http://127.0.0.1:{port}/net.pth", filename="net.pth")
    with pytest.raises(w.WeightsUnavailableError, match="no network: 127.0.0.1 cannot be reached"):
        w.download(wf)
    path, identity = w.resolve(wf, "auto")
    assert path is None and w.is_fallback(identity)


def test_a_checkpoint_without_a_published_checksum_is_pinned_at_its_first_download(tmp_path):
    wf, data = _file(tmp_path, digest=None)
    wf = dataclasses.replace(wf, sha256=None)
    assert w.pinned_sha256(wf) is None and w.verify(wf)["checksum"] == "missing"
    w.fetch(wf)
    assert w.pinned_sha256(wf) == hashlib.sha256(data).hexdigest()
    assert w.verify(wf)["checksum"] == "ok"
    _place(wf, b"tampered")
    assert w.verify(wf)["checksum"] == "mismatch", "a changed file no longer matches its first download"
    assert w.fetch(wf).read_bytes() == data, "fetch repairs it"
