"""pytest-benchmark suites (not part of the default test run; `pytest benchmarks --benchmark-enable`)."""
import pytest


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("AADBENCH_OFFLINE", "1")
    monkeypatch.setenv("AADBENCH_NO_ENTRY_POINTS", "1")
    monkeypatch.setenv("AADBENCH_CACHE", str(tmp_path_factory.mktemp("feature_cache")))
