"""Diagonal Gaussian mixtures in torch (EM and variational Bayes), on the GPU when there is one.

They follow scikit-learn's ``GaussianMixture`` and ``BayesianGaussianMixture`` (diagonal
covariances, Dirichlet-process weights) step for step: the same M-step from the k-means labels,
the same E-step, the same lower bound and stopping rule (a change below ``tol``) and the same
``score_samples``. Given the same initial labels and float64 they reach the same mean
log-likelihood as scikit-learn (the tests pin 1e-6 relative). The k-means initialisation is
either scikit-learn's (``init="sklearn-kmeans"``: the same labels scikit-learn would start from,
computed on the CPU) or k-means++ and Lloyd iterations in torch (``init="kmeans"``: fast on a GPU,
seeded, but not the same labels).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

INITS = ("kmeans", "sklearn-kmeans")


def sklearn_kmeans_labels(X: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    """The labels scikit-learn's mixtures start from (``KMeans(n_init=1)`` with their random state)."""
    from sklearn.cluster import KMeans
    from sklearn.utils import check_random_state

    labels: np.ndarray = KMeans(n_clusters=n_components, n_init=1,
                                random_state=check_random_state(seed)).fit(X).labels_
    return labels


def kmeans_labels(X: torch.Tensor, k: int, seed: int, max_iter: int = 300, tol: float = 1e-4) -> torch.Tensor:
    """k-means++ seeding (greedy, 2 + log k trials per centre) and Lloyd iterations, in torch."""
    gen = torch.Generator(device=X.device).manual_seed(int(seed))
    centre = X.mean(0)
    Xc = X - centre
    sq = (Xc * Xc).sum(1)
    trials = 2 + int(math.log(k))
    first = int(torch.randint(Xc.shape[0], (1,), generator=gen, device=X.device))
    centres = [Xc[first]]
    closest = (sq - 2 * Xc @ Xc[first] + sq[first]).clamp_min(0)
    for _ in range(1, k):
        pot = closest.sum()
        draws = torch.rand(trials, generator=gen, device=X.device, dtype=X.dtype) * pot
        ids = torch.searchsorted(torch.cumsum(closest, 0), draws).clamp_max(Xc.shape[0] - 1)
        dist = (sq[None, :] - 2 * Xc[ids] @ Xc.T + sq[ids, None]).clamp_min(0)
        candidates = torch.minimum(closest[None, :], dist)
        best = int(candidates.sum(1).argmin())
        closest = candidates[best]
        centres.append(Xc[ids[best]])
    C = torch.stack(centres)
    threshold = float(Xc.var(0).mean()) * tol
    for _ in range(max_iter):
        labels = (sq[:, None] - 2 * Xc @ C.T + (C * C).sum(1)[None, :]).argmin(1)
        counts = torch.bincount(labels, minlength=k).to(X.dtype)
        new = torch.zeros_like(C).index_add_(0, labels, Xc) / counts.clamp_min(1)[:, None]
        new[counts == 0] = C[counts == 0]  # an empty cluster keeps its centre
        shift = float(((new - C) ** 2).sum())
        C = new
        if shift <= threshold:
            break
    result: torch.Tensor = (sq[:, None] - 2 * Xc @ C.T + (C * C).sum(1)[None, :]).argmin(1)
    return result


def _log_gaussian(X: torch.Tensor, X2: torch.Tensor, means: torch.Tensor, prec_chol: torch.Tensor) -> torch.Tensor:
    """log N(x | mean_k, diag(1 / prec_chol_k^2)) for every row and component, as scikit-learn computes it."""
    d = X.shape[1]
    prec = prec_chol * prec_chol
    log_det = torch.log(prec_chol).sum(1)
    quad = (means * means * prec).sum(1)[None, :] - 2 * X @ (means * prec).T + X2 @ prec.T
    return -0.5 * (d * math.log(2 * math.pi) + quad) + log_det[None, :]


def _moments(X: torch.Tensor, X2: torch.Tensor, resp: torch.Tensor, reg: float
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Soft counts, means and diagonal covariances (scikit-learn's ``_estimate_gaussian_parameters``)."""
    nk = resp.sum(0) + 10 * torch.finfo(resp.dtype).eps
    means = resp.T @ X / nk[:, None]
    cov = resp.T @ X2 / nk[:, None] - means * means + reg
    return nk, means, cov


class _Mixture:
    """EM driver shared by both mixtures: initialise from labels, then E and M steps to convergence."""

    def __init__(self, n_components: int, reg_covar: float, max_iter: int, tol: float) -> None:
        self.k, self.reg, self.max_iter, self.tol = int(n_components), float(reg_covar), int(max_iter), float(tol)
        self.n_iter_ = 0
        self.lower_bound_ = -math.inf
        self.converged_ = False

    def _m_step(self, X: torch.Tensor, X2: torch.Tensor, resp: torch.Tensor) -> None:
        raise NotImplementedError

    def _log_prob(self, X: torch.Tensor, X2: torch.Tensor) -> torch.Tensor:
        """The weighted log-probabilities of every row under every component."""
        raise NotImplementedError

    def _lower_bound(self, resp: torch.Tensor, log_resp: torch.Tensor, log_prob_norm: float) -> float:
        raise NotImplementedError

    def fit(self, X: torch.Tensor, labels: torch.Tensor) -> _Mixture:
        X2 = X * X
        resp = torch.nn.functional.one_hot(labels.long(), self.k).to(X.dtype)
        self._prepare(X)
        self._m_step(X, X2, resp)
        bound = -math.inf
        for n_iter in range(1, self.max_iter + 1):
            weighted = self._log_prob(X, X2)
            norm = torch.logsumexp(weighted, 1)
            log_resp = weighted - norm[:, None]
            resp = torch.exp(log_resp)
            self._m_step(X, X2, resp)
            previous, bound = bound, self._lower_bound(resp, log_resp, float(norm.mean()))
            self.n_iter_ = n_iter
            if abs(bound - previous) < self.tol:
                self.converged_ = True
                break
        self.lower_bound_ = bound
        return self

    def _prepare(self, X: torch.Tensor) -> None:
        """Priors that depend on the data (none for plain EM)."""

    def score_samples(self, X: torch.Tensor) -> torch.Tensor:
        """The log-likelihood of each row (scikit-learn's ``score_samples``)."""
        return torch.logsumexp(self._log_prob(X, X * X), 1)


class DiagGMM(_Mixture):
    """``GaussianMixture(covariance_type="diag")``: the lower bound is the mean log-likelihood."""

    def _m_step(self, X: torch.Tensor, X2: torch.Tensor, resp: torch.Tensor) -> None:
        nk, self.means_, cov = _moments(X, X2, resp, self.reg)
        self.weights_ = nk / X.shape[0]
        self.prec_chol_ = 1.0 / torch.sqrt(cov)

    def _log_prob(self, X: torch.Tensor, X2: torch.Tensor) -> torch.Tensor:
        return _log_gaussian(X, X2, self.means_, self.prec_chol_) + torch.log(self.weights_)[None, :]

    def _lower_bound(self, resp: torch.Tensor, log_resp: torch.Tensor, log_prob_norm: float) -> float:
        return log_prob_norm


class DiagBGMM(_Mixture):
    """``BayesianGaussianMixture(covariance_type="diag")`` with Dirichlet-process weights and the
    default priors (mean: the data mean, precision 1; covariance: the data's variances; degrees of
    freedom: the dimension; weight concentration 1 / n_components)."""

    def _prepare(self, X: torch.Tensor) -> None:
        n, d = X.shape
        self.weight_prior_ = 1.0 / self.k
        self.mean_precision_prior_ = 1.0
        self.mean_prior_ = X.mean(0)
        self.dof_prior_ = float(d)
        self.covariance_prior_ = X.var(0, unbiased=True)
        self._half_range = 0.5 * torch.arange(d, dtype=X.dtype, device=X.device)

    def _m_step(self, X: torch.Tensor, X2: torch.Tensor, resp: torch.Tensor) -> None:
        nk, xk, sk = _moments(X, X2, resp, self.reg)
        tail = torch.cat([torch.flip(torch.cumsum(torch.flip(nk, [0]), 0), [0])[1:], nk.new_zeros(1)])
        self.concentration_ = (1.0 + nk, self.weight_prior_ + tail)
        self.mean_precision_ = self.mean_precision_prior_ + nk
        self.means_ = (self.mean_precision_prior_ * self.mean_prior_ + nk[:, None] * xk) / self.mean_precision_[:, None]
        self.dof_ = self.dof_prior_ + nk
        diff = xk - self.mean_prior_
        cov = self.covariance_prior_ + nk[:, None] * (sk + (self.mean_precision_prior_ / self.mean_precision_)[:, None]
                                                      * diff * diff)
        cov = cov / self.dof_[:, None]
        self.prec_chol_ = 1.0 / torch.sqrt(cov)

    def _log_weights(self) -> torch.Tensor:
        a, b = self.concentration_
        digamma_sum = torch.digamma(a + b)
        steps = torch.cumsum(torch.digamma(b) - digamma_sum, 0)
        return torch.digamma(a) - digamma_sum + torch.cat([steps.new_zeros(1), steps[:-1]])

    def _log_prob(self, X: torch.Tensor, X2: torch.Tensor) -> torch.Tensor:
        d = X.shape[1]
        log_gauss = _log_gaussian(X, X2, self.means_, self.prec_chol_) - 0.5 * d * torch.log(self.dof_)[None, :]
        log_lambda = d * math.log(2.0) + torch.digamma(0.5 * self.dof_[None, :] - self._half_range[:, None]).sum(0)
        return log_gauss + 0.5 * (log_lambda - d / self.mean_precision_)[None, :] + self._log_weights()[None, :]

    def _lower_bound(self, resp: torch.Tensor, log_resp: torch.Tensor, log_prob_norm: float) -> float:
        d = self.means_.shape[1]
        log_det = torch.log(self.prec_chol_).sum(1) - 0.5 * d * torch.log(self.dof_)
        log_wishart = -(self.dof_ * log_det + self.dof_ * d * 0.5 * math.log(2.0)
                        + torch.lgamma(0.5 * self.dof_[None, :] - self._half_range[:, None]).sum(0))
        a, b = self.concentration_
        log_norm_weight = -(torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)).sum()
        entropy = -(resp * log_resp).sum()
        return float(entropy - log_wishart.sum() - log_norm_weight
                     - 0.5 * d * torch.log(self.mean_precision_).sum())


MIXTURES: dict[str, type[_Mixture]] = {"gmm": DiagGMM, "bgmm": DiagBGMM}


def fit_mixture(kind: str, X: np.ndarray, *, n_components: int, reg_covar: float, max_iter: int, tol: float,
                seed: int, init: str, device: torch.device, dtype: torch.dtype,
                labels: np.ndarray | None = None) -> _Mixture:
    """Fit ``kind`` (gmm or bgmm) on ``X``, initialised from ``labels`` or the ``init`` k-means."""
    Xt = torch.as_tensor(np.asarray(X), dtype=dtype, device=device)
    if labels is None:
        labels = (sklearn_kmeans_labels(np.asarray(X, dtype=np.float64), n_components, seed)
                  if init == "sklearn-kmeans" else None)
    start = torch.as_tensor(labels, device=device) if labels is not None else kmeans_labels(Xt, n_components, seed)
    return MIXTURES[kind](n_components, reg_covar, max_iter, tol).fit(Xt, start)


def state_of(model: _Mixture) -> dict[str, Any]:
    """What was learned, as plain floats (for tests and reports)."""
    return {"n_iter": model.n_iter_, "lower_bound": model.lower_bound_, "converged": model.converged_}
