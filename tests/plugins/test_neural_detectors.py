"""The VAE and deep-metric-learning detectors on feature vectors."""
import inspect

import numpy as np
import pytest
import torch

from aadbench.plugins import neural_detectors
from aadbench.plugins.neural import DivergenceError, seeded
from aadbench.plugins.neural_detectors.dml import DML
from aadbench.plugins.neural_detectors.vae import VAE
from aadbench.testing import blobs, check_detector

FAST = {"device": "cpu", "progress": False, "epochs": 4, "hidden": [32, 16]}


@pytest.mark.parametrize("cls,params", [(VAE, {"latent": 4}), (VAE, {"latent": 4, "scoring": "reconstruction"}),
                                        (DML, {"embedding": 8})])
def test_passes_the_detector_checks(cls, params):
    check_detector(cls, {**FAST, **params})


@pytest.mark.parametrize("cls", [VAE, DML])
def test_same_seed_same_scores_other_seed_other_scores(cls):
    train, test, _ = blobs(dim=16)
    fit = lambda seed: cls(random_state=seed, **FAST).fit(train).score(test)
    first = fit(1)
    np.testing.assert_array_equal(fit(1), first)
    assert not np.allclose(fit(2), first)


@pytest.mark.parametrize("cls", [VAE, DML])
def test_absurd_learning_rate_raises_divergence_error(cls):
    train, _, _ = blobs(dim=16)
    with pytest.raises(DivergenceError) as info:
        cls(lr=1e6, **FAST).fit(train)
    message = str(info.value)
    assert cls.name in message and "epoch" in message and "lower learning rate" in message


@pytest.mark.parametrize("cls", [VAE, DML])
def test_training_lowers_the_loss_and_records_epoch_times(cls):
    train, _, _ = blobs(dim=16)
    det = cls(**{**FAST, "epochs": 20, "lr": 1e-3}).fit(train)
    assert det.loss_history_[-1] < det.loss_history_[0]
    assert len(det.epoch_seconds_) == 20 and all(s > 0 for s in det.epoch_seconds_)


def test_vae_elbo_score_is_reconstruction_plus_kl_at_the_posterior_mean():
    train, test, _ = blobs(dim=16)
    det = VAE(latent=4, **FAST).fit(train)
    net, x = det.network_, torch.from_numpy(test)
    with torch.no_grad():
        mu, logvar = net.encode(x)
        recon = net.decoder(mu)
    rec = 0.5 * ((x - recon) ** 2).sum(1)
    kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(1)
    np.testing.assert_allclose(det.score(test), (rec + kl).numpy(), rtol=1e-5)


def test_dml_has_no_biases_a_fixed_centre_and_does_not_collapse():
    train, test, _ = blobs(dim=16)
    det = DML(embedding=8, **{**FAST, "epochs": 30, "lr": 1e-3}).fit(train)
    assert all(m.bias is None for m in det.network_.modules() if isinstance(m, torch.nn.Linear))
    assert (det.center_.abs() >= 0.1).all()
    initial = seeded(lambda: det._network(16), det.random_state)  # c = mean initial embedding, then fixed
    with torch.no_grad():
        c = initial(torch.from_numpy(train)).mean(0)
    far = c.abs() >= 0.1
    torch.testing.assert_close(det.center_[far], c[far], rtol=1e-4, atol=1e-5)
    assert det.loss_history_[-1] < det.loss_history_[0]
    with torch.no_grad():
        embedded = det.network_(torch.from_numpy(test))
    assert embedded.std(0).max() > 1e-3  # not every input mapped to one point
    expected = ((embedded - det.center_) ** 2).sum(1).numpy()
    np.testing.assert_allclose(det.score(test), expected, rtol=1e-5)


def test_wrong_feature_dimension_is_a_clear_error():
    train, _, _ = blobs(dim=16)
    det = DML(**FAST).fit(train)
    with pytest.raises(ValueError, match="16-d"):
        det.score(np.zeros((3, 8), np.float32))


def test_registration_lists_every_parameter():
    specs = {s.name: s for s in neural_detectors.register_detectors()}
    assert set(specs) == {"vae", "dml"}
    for spec in specs.values():
        assert spec.requires is None
        assert set(inspect.signature(spec.load()).parameters) == set(spec.defaults)
        assert spec.defaults["device"] == "auto" and spec.defaults["epochs"] == 50
