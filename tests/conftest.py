import pytest


@pytest.fixture(autouse=True)
def _offline_weights(tmp_path_factory, tmp_path, monkeypatch):
    """Tests never touch the network, never see a user's weight cache, and each test has its
    own empty feature cache (no test passes on features another one left behind)."""
    torch_home = tmp_path_factory.getbasetemp() / "torch_home"
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    monkeypatch.setenv("AADBENCH_CACHE", str(tmp_path / "feature-cache"))
    monkeypatch.setenv("AADBENCH_OFFLINE", "1")
    monkeypatch.setenv("AADBENCH_NO_ENTRY_POINTS", "1")
    yield


@pytest.fixture(scope="session")
def registry():
    from aadbench.harness.registry import load_registry

    return load_registry(entry_points=False)
