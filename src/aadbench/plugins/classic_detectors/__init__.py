"""The paper's classic detectors: GMM, Bayesian GMM, Isolation Forest, OC-SVM, KDE."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DetectorSpec

_MOD = "aadbench.plugins.classic_detectors"

_MIXTURE = {"n_components": 80, "covariance_type": "diag", "init_params": "kmeans",
            "max_iter": 150, "reg_covar": 1e-6, "random_state": 0,
            "backend": "auto",   # auto | sklearn | torch (auto: torch on a GPU, scikit-learn on the CPU)
            "device": "auto", "dtype": "float64", "tol": 1e-3}
#: added after results were first stored: left out of job keys at these values (scikit-learn's fits)
_MIXTURE_UNKEYED = {"backend": "sklearn", "dtype": "float64", "tol": 1e-3}


@hookimpl
def register_detectors() -> list[DetectorSpec]:
    return [
        DetectorSpec("gmm", f"{_MOD}.sklearn_models:GMM",
                     "Gaussian mixture, 80 diagonal components (float64; torch on a GPU); score = -log-likelihood.",
                     dict(_MIXTURE), unkeyed_defaults=_MIXTURE_UNKEYED),
        DetectorSpec("bgmm", f"{_MOD}.sklearn_models:BayesianGMM",
                     "Variational Bayesian Gaussian mixture, as the GMM; score = -log-likelihood.",
                     dict(_MIXTURE), unkeyed_defaults=_MIXTURE_UNKEYED),
        DetectorSpec("iforest", f"{_MOD}.sklearn_models:IForest",
                     "Isolation Forest with 128 trees; score = -score_samples.",
                     {"n_estimators": 128, "random_state": 0}),
        DetectorSpec("ocsvm", f"{_MOD}.sklearn_models:OCSVM",
                     "One-class SVM, RBF kernel, nu=1e-4; score = -decision function.",
                     {"nu": 1e-4, "kernel": "rbf", "gamma": "scale"}),
        DetectorSpec("kde", f"{_MOD}.kde:KDE",
                     "Gaussian kernel density, bandwidth 0.1, exact log-sum-exp; score = -log-density.",
                     {"bandwidth": 0.1, "backend": "torch", "device": "auto", "chunk_size": 1024}),
    ]
