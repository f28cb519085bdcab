"""The bundled synthetic machine-sound dataset: runs anywhere, no download."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DatasetSpec

DEFAULTS = {
    "machines": ["fan", "pump", "slider", "valve"],
    "ids": ["id_00", "id_02"],
    "n_normal": 30,
    "n_anomalous": 15,
    "snr_db": 6.0,
    "seed": 0,
    "duration": 10.0,
    "sample_rate": 16000,
}


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    return [DatasetSpec(
        name="synthetic",
        factory="aadbench.datasets.synthetic.dataset:SyntheticDataset",
        description="Synthetic fan, pump, slider and valve sounds with subtle and obvious anomalies "
                    "in factory noise (generated, deterministic per seed).",
        defaults=DEFAULTS,
    )]
