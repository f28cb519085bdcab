"""Any PyOD detector behind aadbench's contract: ``pyod:<model>`` (``pyod:ecod``, ``pyod:lof``, ...).

PyOD (Zhao et al., JMLR 2019) is an optional dependency: ``pip install "aadbench[pyod]"``.
Listing the detector needs no PyOD; building one without it says what to install.
"""
from __future__ import annotations

from ... import hookimpl
from ...specs import DetectorSpec


@hookimpl
def register_detectors() -> list[DetectorSpec]:
    return [
        DetectorSpec(
            "pyod", "aadbench.plugins.pyod_detectors.detector:PyODDetector",
            "Any PyOD detector's outlier score (pyod:ecod, pyod:lof, pyod:copod, pyod:hbos, pyod:pca, ...); "
            "its constructor arguments as options=\"n_neighbors=20,metric=cosine\". Needs aadbench[pyod].",
            {"model": "ecod", "options": "", "random_state": 0},
            name_param="model",
        ),
    ]
