"""BEATs (Chen et al. 2022, arXiv:2212.09058): the Kaldi fbank against a NumPy transcription of
Kaldi's formulas, and the encoder's shapes, layers, determinism and checkpoint names (random
weights, a small config; the published checkpoints are not available here)."""
import dataclasses
import math

import numpy as np
import pytest
import torch

from aadbench.errors import WeightsUnavailableError
from aadbench.plugins.beats import fbank as fb
from aadbench.plugins.beats.model import (
    BEATs,
    BEATsConfig,
    build_beats,
    checkpoint_state,
    load_beats,
    load_checkpoint_state,
)

SMALL = BEATsConfig(encoder_layers=2, encoder_embed_dim=64, encoder_ffn_embed_dim=128, encoder_attention_heads=4,
                    embed_dim=32, conv_pos=16, conv_pos_groups=4)
SR = 16000


# ------------------------------------------------------------------------------------------------- fbank


def _reference_fbank(wave: np.ndarray) -> np.ndarray:
    """Kaldi's compute-fbank-feats as BEATs calls it, one frame at a time, in float64."""
    x = wave.astype(np.float64) * 2**15
    length, shift, n_fft, bins = 400, 160, 512, 128
    n = np.arange(length)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * n / (length - 1))) ** 0.85

    def mel(f: float) -> float:
        return 1127.0 * math.log(1.0 + f / 700.0)

    lo, hi = mel(20.0), mel(SR / 2)
    delta = (hi - lo) / (bins + 1)
    banks = np.zeros((bins, n_fft // 2 + 1))
    for m in range(bins):
        left, center, right = lo + m * delta, lo + (m + 1) * delta, lo + (m + 2) * delta
        for k in range(n_fft // 2):  # the Nyquist bin keeps weight zero
            f = mel(k * SR / n_fft)
            if left < f < right:
                banks[m, k] = (f - left) / (center - left) if f <= center else (right - f) / (right - center)
    frames = []
    for t in range((len(x) - length) // shift + 1):
        frame = x[t * shift: t * shift + length].copy()
        frame -= frame.mean()
        frame = frame - 0.97 * np.concatenate([frame[:1], frame[:-1]])
        frame *= window
        power = np.abs(np.fft.rfft(frame, n=n_fft)) ** 2
        frames.append(np.log(np.maximum(banks @ power, np.finfo(np.float32).eps)))
    return (np.array(frames) - 15.41663) / (2 * 6.55582)


def _waves(noise_floor: float = 0.0) -> list[np.ndarray]:
    """Random waves and sines (one with a DC offset); ``noise_floor``: the std of added white noise."""
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    waves = [
        rng.uniform(-0.5, 0.5, SR),
        0.1 * rng.standard_normal(SR + 1234),
        0.5 * np.sin(2 * np.pi * 440.0 * t),
        0.3 * np.sin(2 * np.pi * 3000.0 * t[:8000]) + 0.2 * np.sin(2 * np.pi * 120.0 * t[:8000]) + 0.05,
    ]
    return [w + noise_floor * rng.standard_normal(len(w)) for w in waves]


# In float32 a mel band more than ~100 dB below the frame's strongest one is round-off: a pure digital tone
# leaves such bands far from it, and a single-FFT-bin band of noise can fall into a deep null. There any
# float32 computation, torchaudio's as well, differs from float64 in the third decimal. So the float32 path
# is compared on waves with a noise floor (-60 dB, as recordings have) over the bands above that level,
# and the float64 path shows that the formulas are exact everywhere, pure tones included.
@pytest.mark.parametrize("index", range(4))
def test_fbank_matches_a_frame_by_frame_numpy_kaldi_reference(index):
    wave = _waves(noise_floor=1e-3)[index].astype(np.float32)
    got = fb.beats_fbank(torch.from_numpy(wave)[None])[0].numpy()
    want = _reference_fbank(wave)
    assert got.shape == want.shape == ((len(wave) - 400) // 160 + 1, 128)
    log_energy = want * (2 * 6.55582) + 15.41663
    resolved = log_energy - log_energy.max(axis=1, keepdims=True) > math.log(1e-10)
    assert resolved.mean() > 0.9
    np.testing.assert_allclose(got[resolved], want[resolved], atol=1e-3, rtol=0)


@pytest.mark.parametrize("index", range(4))
def test_fbank_in_float64_is_exact_on_pure_tones(index):
    wave = _waves()[index]
    got = fb.beats_fbank(torch.from_numpy(wave)[None])
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got[0].numpy(), _reference_fbank(wave), atol=1e-6, rtol=0)


@pytest.mark.parametrize("samples", [400, 559, 560, 16000, 32000, 16000 * 10 + 7])
def test_fbank_shape_and_batching(samples):
    waves = torch.randn(3, samples) * 0.1
    out = fb.beats_fbank(waves)
    assert out.shape == (3, (samples - 400) // 160 + 1, 128) and out.dtype == torch.float32
    assert fb.num_frames(samples) == out.shape[1]
    torch.testing.assert_close(out[1:2], fb.beats_fbank(waves[1:2]))  # each clip on its own


def test_fbank_rejects_what_kaldi_rejects():
    with pytest.raises(ValueError, match="shorter than one frame"):
        fb.beats_fbank(torch.zeros(1, 399))
    with pytest.raises(ValueError, match="batch"):
        fb.beats_fbank(torch.zeros(16000))


def test_fbank_of_silence_is_the_log_floor():
    out = fb.beats_fbank(torch.zeros(1, 1000))
    floor = (math.log(np.finfo(np.float32).eps) - fb.FBANK_MEAN) / (2 * fb.FBANK_STD)
    torch.testing.assert_close(out, torch.full_like(out, floor))


# ------------------------------------------------------------------------------------------------- the model


@pytest.fixture(scope="module")
def model() -> BEATs:
    torch.manual_seed(0)
    return build_beats(SMALL)


def _fbank(seconds: float, batch: int = 2, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return fb.beats_fbank(0.1 * torch.randn(batch, int(seconds * SR), generator=gen))


@pytest.mark.parametrize("seconds,patches", [(1.0, 6 * 8), (2.0, 12 * 8)])
def test_output_shapes(model, seconds, patches):
    fbank = _fbank(seconds)
    assert fbank.shape == (2, int(seconds * SR - 400) // 160 + 1, 128)
    with torch.no_grad():
        out = model(fbank)
    assert out.shape == (2, patches, SMALL.encoder_embed_dim) and torch.isfinite(out).all()
    assert model.num_patches(fbank.shape[1]) == patches


def test_layer_selects_the_hidden_states_after_that_layer(model):
    fbank = _fbank(1.0)
    with torch.no_grad():
        last = model.extract_features(fbank)
        first = model.extract_features(fbank, layer=0)
        torch.testing.assert_close(model.extract_features(fbank, layer=1), last)
        torch.testing.assert_close(model.extract_features(fbank, layer=-1), last)
        torch.testing.assert_close(model.extract_features(fbank, layer=-2), first)
        # after layer 0: the embeddings through the position convolution, the norm and the first layer only
        x = model.embed_patches(fbank)
        x = model.encoder.layer_norm(x + model.encoder.pos_conv(x.transpose(1, 2)).transpose(1, 2))
        bias = model.encoder.block(0).self_attn.compute_bias(x.shape[1])
        torch.testing.assert_close(first, model.encoder.block(0)(x, bias))
        torch.testing.assert_close(last, model.encoder.block(1)(first, bias))
    assert first.shape == last.shape and not torch.allclose(first, last)
    for bad in (2, -3):
        with pytest.raises(ValueError, match="does not exist"):
            model.extract_features(fbank, layer=bad)


def test_deterministic_and_batch_independent(model):
    fbank = _fbank(1.0, batch=3)
    with torch.no_grad():
        a, b = model(fbank), model(fbank)
        alone = model(fbank[2:])
    assert torch.equal(a, b)
    torch.testing.assert_close(a[2:], alone, atol=1e-5, rtol=1e-5)
    torch.manual_seed(1)
    m1 = build_beats(SMALL)
    torch.manual_seed(1)
    m2 = build_beats(SMALL)
    with torch.no_grad():
        assert torch.equal(m1(fbank), m2(fbank))


def test_relative_position_table_is_shared_and_saved_under_every_layer(model):
    tables = [model.encoder.block(i).self_attn.relative_attention_bias for i in range(SMALL.encoder_layers)]
    assert all(t is tables[0] for t in tables)
    keys = set(model.state_dict())
    assert {f"encoder.layers.{i}.self_attn.relative_attention_bias.weight" for i in range(2)} <= keys


def test_state_dict_round_trip_strict_with_published_weight_norm_names(model, tmp_path):
    state = model.state_dict()
    assert {"encoder.pos_conv.0.weight_g", "encoder.pos_conv.0.weight_v", "encoder.pos_conv.0.bias"} <= set(state)
    assert not any("parametrizations" in k for k in state)
    assert state["encoder.pos_conv.0.weight_g"].shape == (1, 1, SMALL.conv_pos)
    assert state["encoder.pos_conv.0.weight_v"].shape == (64, 64 // SMALL.conv_pos_groups, SMALL.conv_pos)
    torch.save(state, tmp_path / "state.pt")
    loaded = torch.load(tmp_path / "state.pt", map_location="cpu", weights_only=True)
    torch.manual_seed(123)
    other = build_beats(SMALL)
    fbank = _fbank(1.0)
    with torch.no_grad():
        assert not torch.allclose(other(fbank), model(fbank))
        other.load_state_dict(loaded, strict=True)
        torch.testing.assert_close(other(fbank), model(fbank), atol=0, rtol=0)


def test_weight_norm_is_that_of_torch(model):
    conv = model.encoder.pos_conv[0]
    with torch.no_grad():
        reference = torch.nn.utils.parametrizations.weight_norm(
            torch.nn.Conv1d(64, 64, SMALL.conv_pos, padding=SMALL.conv_pos // 2, groups=SMALL.conv_pos_groups),
            dim=2)
        # current torch's names load through checkpoint_state
        ours = {"encoder.pos_conv.0.parametrizations.weight.original0": reference.parametrizations.weight.original0,
                "encoder.pos_conv.0.parametrizations.weight.original1": reference.parametrizations.weight.original1}
        state = checkpoint_state(ours)
        conv.weight_g.copy_(state["encoder.pos_conv.0.weight_g"])
        conv.weight_v.copy_(state["encoder.pos_conv.0.weight_v"])
        conv.bias.copy_(reference.bias)
        x = torch.randn(2, 64, 30)
        torch.testing.assert_close(conv(x), reference(x))
        torch.testing.assert_close(conv.weight, reference.weight)
        # a plain weight (weight norm removed) becomes g = ||w||, v = w
        plain = checkpoint_state({"encoder.pos_conv.0.weight": reference.weight})
        g, v = plain["encoder.pos_conv.0.weight_g"], plain["encoder.pos_conv.0.weight_v"]
        torch.testing.assert_close(v * g / v.pow(2).sum(dim=(0, 1), keepdim=True).sqrt(), reference.weight)


def test_load_checkpoint_state_maps_names_and_reports_misfits(model):
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    g, v = state.pop("module.encoder.pos_conv.0.weight_g"), state.pop("module.encoder.pos_conv.0.weight_v")
    state["encoder.pos_conv.0.parametrizations.weight.original0"] = g
    state["encoder.pos_conv.0.parametrizations.weight.original1"] = v
    torch.manual_seed(7)
    other = build_beats(SMALL)
    load_checkpoint_state(other, state)
    torch.testing.assert_close(other.encoder.pos_conv[0].weight_v, model.encoder.pos_conv[0].weight_v)
    del state["module.encoder.layer_norm.bias"]
    with pytest.raises(ValueError, match="missing encoder.layer_norm.bias"):
        load_checkpoint_state(other, state)


PUBLISHED = [
    "patch_embedding.weight", "layer_norm.weight", "layer_norm.bias", "post_extract_proj.weight",
    "post_extract_proj.bias", "encoder.pos_conv.0.weight_g", "encoder.pos_conv.0.weight_v", "encoder.pos_conv.0.bias",
    "encoder.layer_norm.weight", "encoder.layer_norm.bias",
] + [
    f"encoder.layers.{i}.{name}"
    for i in range(12)
    for name in (
        *(f"self_attn.{p}_proj.{w}" for p in "kvq" for w in ("weight", "bias")),
        "self_attn.out_proj.weight", "self_attn.out_proj.bias", "self_attn.grep_linear.weight",
        "self_attn.grep_linear.bias", "self_attn.grep_a", "self_attn.relative_attention_bias.weight",
        "self_attn_layer_norm.weight", "self_attn_layer_norm.bias", "fc1.weight", "fc1.bias", "fc2.weight",
        "fc2.bias", "final_layer_norm.weight", "final_layer_norm.bias",
    )
]


def _shapes(cfg: BEATsConfig) -> dict[str, tuple[int, ...]]:
    with torch.device("meta"):  # no memory, no initialisation cost
        return {k: tuple(v.shape) for k, v in BEATs(cfg).state_dict().items()}


def test_full_config_has_exactly_the_published_names_and_shapes():
    shapes = _shapes(BEATsConfig())
    assert set(shapes) == set(PUBLISHED)
    assert shapes["patch_embedding.weight"] == (512, 1, 16, 16)
    assert shapes["post_extract_proj.weight"] == (768, 512)
    assert shapes["encoder.pos_conv.0.weight_g"] == (1, 1, 128)
    assert shapes["encoder.pos_conv.0.weight_v"] == (768, 48, 128)
    assert shapes["encoder.layers.5.self_attn.relative_attention_bias.weight"] == (320, 12)
    assert shapes["encoder.layers.0.self_attn.grep_linear.weight"] == (8, 64)
    assert shapes["encoder.layers.0.self_attn.grep_a"] == (1, 12, 1, 1)
    assert shapes["encoder.layers.11.fc1.weight"] == (3072, 768)
    # the AudioSet fine-tuned checkpoint adds the predictor
    finetuned = _shapes(BEATsConfig(finetuned_model=True))
    assert set(finetuned) - set(shapes) == {"predictor.weight", "predictor.bias"}
    assert finetuned["predictor.weight"] == (527, 768)


def test_config_from_a_checkpoint_dict():
    cfg = BEATsConfig.from_dict({"encoder_layers": 3, "deep_norm": True, "finetuned_model": True,
                                 "predictor_class": 10, "some_future_field": 1, "layer_wise_gradient_decay_ratio": 0.6})
    assert cfg.encoder_layers == 3 and cfg.finetuned_model and cfg.predictor_class == 10
    assert cfg.layer_wise_gradient_decay_ratio == 0.6 and cfg.max_distance == 800
    assert BEATsConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="divisible"):
        BEATsConfig(encoder_embed_dim=100, encoder_attention_heads=12)


def test_load_beats_reads_a_published_style_file(model, tmp_path):
    cfg = dataclasses.replace(SMALL, finetuned_model=True, predictor_class=5)
    torch.manual_seed(3)
    net = build_beats(cfg)
    path = tmp_path / "BEATs_small.pt"
    torch.save({"cfg": {**cfg.to_dict(), "unknown_key": "x"}, "model": net.state_dict()}, path)
    loaded, loaded_cfg = load_beats(path)
    assert loaded_cfg == cfg and not loaded.training
    fbank = _fbank(1.0)
    with torch.no_grad():
        torch.testing.assert_close(loaded(fbank), net(fbank), atol=0, rtol=0)
        probs = loaded.predict(fbank)
    assert probs.shape == (2, 5) and ((probs > 0) & (probs < 1)).all()
    with pytest.raises(RuntimeError, match="no predictor"):
        model.predict(fbank)


class _NotATensor:
    pass


def test_load_beats_never_unpickles_code(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"cfg": {}, "model": {}, "extra": _NotATensor()}, path)
    with pytest.raises(WeightsUnavailableError, match="evil.pt"):
        load_beats(path)
    with pytest.raises(WeightsUnavailableError, match="missing.pt"):
        load_beats(tmp_path / "missing.pt")
    torch.save({"cfg": SMALL.to_dict(), "model": {"x": torch.zeros(1)}}, tmp_path / "wrong.pt")
    with pytest.raises(WeightsUnavailableError, match="does not fit"):
        load_beats(tmp_path / "wrong.pt")
