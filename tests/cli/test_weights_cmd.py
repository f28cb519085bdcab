"""``aadbench weights list|fetch|verify`` on declared checkpoints."""
import argparse
import hashlib
import json
from types import SimpleNamespace

import pytest

from aadbench import weights as w
from aadbench.cli import weights_cmd
from aadbench.cli.settings import read_settings
from aadbench.harness.registry import UnknownComponentError


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


class FakeRegistry:
    def __init__(self, specs):
        self.specs = {s.name: s for s in specs}

    def get(self, kind, name):
        if name not in self.specs:
            raise UnknownComponentError(f"no {kind} named {name!r}")
        return self.specs[name]

    def entries(self, kind):
        return [SimpleNamespace(spec=s) for s in self.specs.values()]


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Two extractors with files served from file:// URLs, one that loads its own, one without weights."""
    files = {}
    for name, nc in (("envnet.pth", False), ("musicnet.pth", True)):
        data = name.encode() * 1000
        src = tmp_path / "server" / name
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_bytes(data)
        files[name] = w.WeightsFile(src.as_uri(), name, hashlib.sha256(data).hexdigest(), len(data),
                                    licence="CC BY-NC-SA 3.0" if nc else "CC BY 4.0", non_commercial=nc)
    spec = lambda name, domain, files=(), defaults=None: SimpleNamespace(
        name=name, domain=domain, licence="", non_commercial=False, weights=files,
        defaults=defaults if defaults is not None else {"weights": "auto"})
    specs = [spec("env-net", "environmental", (files["envnet.pth"],)),
             spec("music-net", "music", (files["musicnet.pth"],)),
             spec("timm", "image"), spec("mel-patches", "none", defaults={})]
    monkeypatch.setattr(weights_cmd, "get_registry", lambda options=None: FakeRegistry(specs))
    return files


def _run(capsys, *argv):
    parser = argparse.ArgumentParser()
    weights_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(["weights", *argv])
    args.settings = read_settings()  # the environment, read once, as the command line does
    code = args.handler(args)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_list_shows_every_extractor_with_weights_its_licence_and_where_it_goes(served, capsys):
    code, out = _run(capsys, "list")
    assert code == 0
    assert "env-net [environmental]  present: no" in out and "music-net [music]  present: no" in out
    assert "licence: CC BY-NC-SA 3.0 [NON-COMMERCIAL]" in out and "licence: CC BY 4.0\n" in out
    assert str(w.cache_path(served["envnet.pth"])) in out and served["envnet.pth"].url in out
    assert "timm [image]  weights resolved by the extractor itself" in out and str(w.hf_hub_cache()) in out
    assert "mel-patches [none]  no pretrained weights" in out and "offline (AADBENCH_OFFLINE=1): yes" in out


def test_list_json_and_name_selection(served, capsys):
    code, out = _run(capsys, "list", "music-net,env-net", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["extractor"] for r in rows] == ["music-net", "env-net"]
    assert rows[0]["non_commercial"] is True and rows[0]["present"] is False
    assert rows[1]["path"] == str(w.cache_path(served["envnet.pth"]))
    with pytest.raises(UnknownComponentError):
        _run(capsys, "list", "nope")


def test_fetch_offline_fails_naming_the_file_and_where_to_put_it(served, capsys):
    code, out = _run(capsys, "fetch", "env-net")
    assert code == 1 and "FAILED" in out and "envnet.pth" in out and str(w.cache_path(served["envnet.pth"])) in out
    assert not w.cache_path(served["envnet.pth"]).exists()


def test_fetch_online_then_verify_then_a_corrupt_file_is_a_mismatch(served, capsys, monkeypatch):
    monkeypatch.delenv("AADBENCH_OFFLINE")
    code, out = _run(capsys, "fetch")
    assert code == 0 and all(w.cache_path(wf).is_file() for wf in served.values())
    code, out = _run(capsys, "verify")
    assert code == 0 and out.count(": ok") == 2 and "present: yes" in out and "MB" in out
    w.cache_path(served["musicnet.pth"]).write_bytes(b"x" * served["musicnet.pth"].size)
    code, out = _run(capsys, "verify", "--json")
    assert code == 1
    assert {r["extractor"]: r["checksum"] for r in json.loads(out) if r["file"]} == {
        "env-net": "ok", "music-net": "mismatch"}


def test_verify_of_missing_files_fails(served, capsys):
    code, out = _run(capsys, "verify", "env-net")
    assert code == 1 and "present: no" in out


def test_the_real_registry_lists_the_bundled_checkpoints(capsys):
    from aadbench.harness.registry import load_registry

    registry = load_registry(entry_points=False)
    names = {r["extractor"]: r for r in weights_cmd.rows(
        [e.spec for e in registry.entries("extractor")], hash_files=False) if r["file"]}
    assert names["resnet34"]["file"] == "resnet34-b627a593.pth"
    if "panns-cnn14" in registry.names("extractor"):
        assert names["panns-cnn14"]["file"] == "Cnn14_16k_mAP=0.438.pth"
        assert names["musicnn-mtat"]["non_commercial"] is True
