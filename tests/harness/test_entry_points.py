"""Installed plugins: the example package is found, a broken one is named and skipped."""
import importlib.metadata as md
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _aadbench(*args, env=None, **kw):
    full = {k: v for k, v in os.environ.items() if k != "AADBENCH_NO_ENTRY_POINTS"}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "aadbench", *args], capture_output=True, text=True,
                          env=full, timeout=600, **kw)


def _example_installed():
    try:
        md.distribution("aadbench-example-extractor")
        return True
    except md.PackageNotFoundError:
        return False


needs_example = pytest.mark.skipif(
    not _example_installed(),
    reason="example plugin not installed: pip install -e examples/aadbench-example-extractor")


@needs_example
def test_example_plugin_is_listed_with_its_distribution():
    out = _aadbench("list", "--json")
    entries = {e["name"]: e for e in json.loads(out.stdout)}
    assert entries["band-energy"]["provider"] == "aadbench-example-extractor 0.1.0 (plugin example)"
    assert entries["zscore"]["kind"] == "detector"
    plugins = json.loads(_aadbench("plugins", "--json").stdout)["plugins"]
    example = next(p for p in plugins if p["distribution"] == "aadbench-example-extractor")
    assert example["hooks"] == ["register_extractors", "register_detectors"]
    assert example["components"] == ["extractor:band-energy", "detector:zscore"]


@needs_example
def test_example_plugin_runs_through_aadbench_run(tmp_path):
    out = _aadbench("run", "--plugins", "band-energy,zscore,gmm", "--seeds", "1", "--set", "gmm.n_components=2",
                    "--set", "synthetic.machines=valve", "--set", "synthetic.ids=id_00", "--set",
                    "synthetic.n_normal=8", "--set", "synthetic.n_anomalous=4", "--no-progress",
                    "--db", str(tmp_path / "r.sqlite"))
    assert out.returncode == 0, out.stderr
    assert "band-energy + zscore" in out.stdout and "band-energy + gmm" in out.stdout


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(ROOT / "tests" / "fixtures" / "broken-plugin")],
                   check=True, capture_output=True, timeout=300)
    return {"PYTHONPATH": str(target)}


def test_a_broken_plugin_is_named_and_aadbench_still_starts(broken_site):
    out = _aadbench("list", env=broken_site)
    assert out.returncode == 0
    assert "broken plugin broken_thing from aadbench-broken-plugin" in out.stdout
    assert "aadbench_dependency_that_does_not_exist" in out.stdout
    assert "resnet34" in out.stdout
    plugins = _aadbench("plugins", env=broken_site)
    assert "BROKEN broken_thing  (aadbench-broken-plugin)" in plugins.stdout


def test_strict_plugins_makes_it_fatal_and_disabling_skips_it(broken_site):
    strict = _aadbench("--strict-plugins", "list", env=broken_site)
    assert strict.returncode == 2 and "broken_thing" in strict.stderr and "aadbench-broken-plugin" in strict.stderr
    assert _aadbench("list", env={**broken_site, "AADBENCH_STRICT_PLUGINS": "1"}).returncode == 2
    quiet = _aadbench("list", env={**broken_site, "AADBENCH_DISABLE_PLUGINS": "aadbench-broken-plugin"})
    assert quiet.returncode == 0 and "broken" not in quiet.stdout


@needs_example
def test_selecting_plugins_loads_only_those(broken_site):
    only = _aadbench("list", env={**broken_site, "AADBENCH_PLUGINS": "example"})
    assert only.returncode == 0 and "band-energy" in only.stdout and "broken" not in only.stdout
    other = _aadbench("list", env={**broken_site, "AADBENCH_PLUGINS": "aadbench-broken-plugin"})
    assert "band-energy" not in other.stdout and "broken_thing" in other.stdout
    assert "resnet34" in other.stdout, "bundled components are always there"


@needs_example
def test_the_example_packages_own_tests_pass():
    """The tutorial's step 5 (the plugin's tests with aadbench.testing) stays true."""
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(ROOT / "examples" / "aadbench-example-extractor" / "tests")],
                         capture_output=True, text=True, timeout=600,
                         cwd=ROOT / "examples" / "aadbench-example-extractor")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 passed" in out.stdout
