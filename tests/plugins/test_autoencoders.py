"""The convolutional autoencoders on 64x64 patches: architectures, training, scores, failures."""
import inspect

import numpy as np
import pytest
import torch
from torch import nn

from aadbench.plugins import autoencoders
from aadbench.plugins.autoencoders import models
from aadbench.plugins.autoencoders.detector import CAEL2, LeNetDCAE, SmallDCAE
from aadbench.plugins.neural import DivergenceError

FAST = {"device": "cpu", "progress": False}


def _patches(n, seed, stripe=False):
    """Smooth random 64x64 patches (a few low-frequency cosines), optionally with a loud stripe of mel bands."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(0, np.pi, 64)
    out = np.zeros((n, 64, 64))
    for _ in range(3):
        fy, fx = rng.integers(0, 3, (2, n))
        ph = rng.uniform(0, np.pi, (2, n))
        amp = rng.uniform(0.5, 1.5, n)
        out += amp[:, None, None] * np.cos(fy[:, None, None] * grid[:, None] + ph[0][:, None, None]) \
            * np.cos(fx[:, None, None] * grid[None, :] + ph[1][:, None, None])
    if stripe:
        out[:, 40:44, :] += 6.0
    return out.reshape(n, -1).astype(np.float32)


def _standardised(train, *others):
    """As the harness does: per-dimension statistics of the training features."""
    mean, std = train.mean(0), train.std(0) + 1e-6
    return [(x - mean) / std for x in (train, *others)]


@pytest.fixture(scope="module")
def data():
    train, normal, anomalous = _standardised(_patches(64, 0), _patches(20, 1), _patches(20, 2, stripe=True))
    return train, normal, anomalous


def _layers(net, kind):
    return [m for m in net.modules() if isinstance(m, kind)]


def test_lenet_dcae_is_the_papers_architecture():
    net = models.lenet_dcae()
    convs, deconvs = _layers(net.encoder, nn.Conv2d), _layers(net.decoder, nn.ConvTranspose2d)
    assert [c.out_channels for c in convs] == [32, 64, 128] and {c.kernel_size for c in convs} == {(5, 5)}
    assert [d.out_channels for d in deconvs] == [64, 32, 1] and {d.kernel_size for d in deconvs} == {(5, 5)}
    assert _layers(net, nn.ELU) and len(_layers(net, nn.BatchNorm2d)) == 6
    x = torch.randn(3, 1, 64, 64)
    code = net.encoder(x)
    assert code.shape == (3, 128) and isinstance(net.encoder[-1], nn.Linear)  # linear 128-d bottleneck
    assert net(x).shape == (3, 1, 64, 64)


def test_small_dcae_is_the_papers_architecture():
    net = models.small_dcae()
    convs, deconvs = _layers(net.encoder, nn.Conv2d), _layers(net.decoder, nn.ConvTranspose2d)
    assert [c.out_channels for c in convs] == [12, 24, 48] and {c.kernel_size for c in convs} == {(4, 4)}
    assert [d.out_channels for d in deconvs] == [24, 12, 1] and {d.kernel_size for d in deconvs} == {(4, 4)}
    assert _layers(net, nn.ReLU) and not _layers(net, nn.ELU) and not _layers(net, nn.BatchNorm2d)
    x = torch.randn(2, 1, 64, 64)
    assert net.encoder(x).shape == (2, 128) and net(x).shape == (2, 1, 64, 64)
    assert models.small_dcae(bottleneck=0).encoder(x).shape == (2, 48, 8, 8)


def test_cae_l2_pools_upsamples_and_penalises_conv_weights():
    det = CAEL2(l2=0.5, **FAST)
    net = det._network(4096)
    assert len(_layers(net.encoder, nn.MaxPool2d)) == 3
    assert [(u.scale_factor, u.mode) for u in _layers(net.decoder, nn.Upsample)] == [(2.0, "nearest")] * 3
    assert not _layers(net, nn.ConvTranspose2d)
    x = torch.randn(2, 1, 64, 64)
    assert net.encoder(x).shape == (2, 8, 8, 8) and net(x).shape == (2, 1, 64, 64)
    expected = 0.5 * sum(float((m.weight.detach() ** 2).sum()) for m in net.modules() if isinstance(m, nn.Conv2d))
    assert float(det.penalty(net).detach()) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("cls,epochs", [(SmallDCAE, 6), (CAEL2, 2), (LeNetDCAE, 1)])
def test_stripes_score_higher_than_normal_patches(data, cls, epochs):
    train, normal, anomalous = data
    det = cls(epochs=epochs, batch_size=16, lr=1e-3, **FAST).fit(train)
    scores_n, scores_a = det.score(normal), det.score(anomalous)
    assert scores_n.shape == (20,) and np.isfinite(scores_n).all()
    assert scores_a.min() > np.median(scores_n), (scores_a.min(), np.median(scores_n))
    assert len(det.epoch_seconds_) == epochs and len(det.loss_history_) == epochs
    if cls is SmallDCAE:
        assert det.loss_history_[-1] < 0.8 * det.loss_history_[0]  # it learns
    # the score is the per-row reconstruction MSE
    with torch.no_grad():
        recon = det.network_(torch.from_numpy(normal).view(-1, 1, 64, 64)).flatten(1).numpy()
    np.testing.assert_allclose(scores_n, ((recon - normal) ** 2).mean(1), rtol=1e-4)


@pytest.mark.parametrize("cls", [LeNetDCAE, SmallDCAE, CAEL2])
def test_same_seed_same_scores_other_seed_other_scores(data, cls):
    train, normal = data[0][:16], data[1]
    fit = lambda seed: cls(epochs=1, batch_size=8, random_state=seed, **FAST).fit(train).score(normal)
    first = fit(3)
    np.testing.assert_array_equal(fit(3), first)
    assert not np.allclose(fit(4), first)


@pytest.mark.parametrize("cls", [LeNetDCAE, SmallDCAE, CAEL2])
def test_absurd_learning_rate_raises_divergence_error(data, cls):
    with pytest.raises(DivergenceError) as info:
        cls(epochs=6, lr=1e6, batch_size=16, **FAST).fit(data[0][:32])
    message = str(info.value)
    assert cls.name in message and "epoch" in message and "lower learning rate" in message
    assert f"--set {cls.name}.lr=" in message
    assert isinstance(info.value, RuntimeError)


def test_features_that_are_not_patches_are_refused():
    with pytest.raises(ValueError, match="mel-patches"):
        SmallDCAE(**FAST).fit(np.zeros((10, 16), np.float32))


def test_registration_requires_mel_patches_and_lists_every_parameter():
    specs = {s.name: s for s in autoencoders.register_detectors()}
    assert set(specs) == {"lenet-dcae", "small-dcae", "cae-l2"}
    for spec in specs.values():
        assert spec.requires == "mel-patches"
        params = set(inspect.signature(spec.load()).parameters)
        assert params == set(spec.defaults), spec.name
        assert (spec.defaults["epochs"], spec.defaults["lr"], spec.defaults["batch_size"]) == (80, 1e-4, 128)
        assert spec.defaults["device"] == "auto" and "random_state" in spec.defaults
    assert specs["cae-l2"].defaults["l2"] == 1e-4
    det = specs["lenet-dcae"].create(device="cpu")
    assert (det.epochs, det.lr, det.batch_size, det.channels, det.bottleneck) == (80, 1e-4, 128, [32, 64, 128], 128)


def test_progress_bar_shows_the_loss(data, capsys):
    from aadbench.progress import force

    with force():  # pytest's stderr is no terminal: bars are drawn only when forced
        SmallDCAE(epochs=2, batch_size=48, device="cpu", progress=True).fit(data[0][:48])
    err = capsys.readouterr().err
    assert "small-dcae" in err and "loss=" in err
