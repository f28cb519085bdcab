import os

import pytest

# Under pytest-xdist the workers share the cores: each gets its share of BLAS / OpenMP threads
# (set before torch or numpy is imported by a test module), instead of every worker using them all.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
if _WORKERS > 1:
    _THREADS = str(max(1, (os.cpu_count() or 1) // _WORKERS))
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, _THREADS)


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


# Tiny random `transformers` audio models saved to a folder (no download): what hf:<folder> loads in tests


def _hf_wav2vec2(folder):
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    config = Wav2Vec2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                            conv_dim=(8, 8), conv_stride=(5, 4), conv_kernel=(10, 4), num_conv_pos_embeddings=16,
                            num_conv_pos_embedding_groups=2, feat_extract_norm="group")
    torch.manual_seed(0)
    Wav2Vec2Model(config).save_pretrained(folder)
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True,
                             return_attention_mask=False).save_pretrained(folder)
    return folder


def _hf_ast(folder):
    import torch
    from transformers import ASTConfig, ASTFeatureExtractor, ASTModel

    config = ASTConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                       frequency_stride=16, time_stride=16, max_length=208, num_mel_bins=64)
    torch.manual_seed(0)
    ASTModel(config).save_pretrained(folder)
    ASTFeatureExtractor(num_mel_bins=64, max_length=208, sampling_rate=16000).save_pretrained(folder)
    return folder


@pytest.fixture
def hf_wav2vec2(tmp_path):
    return _hf_wav2vec2(tmp_path / "tiny-wav2vec2")


@pytest.fixture
def hf_ast(tmp_path):
    return _hf_ast(tmp_path / "tiny-ast")
