"""The DCASE Task 2 datasets (2020-2026) from disk, with their own train / test split."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DatasetSpec
from .. import AUDIO_DEFAULTS

DEFAULTS = {
    "data_root": "",
    "year": "auto",
    "machines": [],
    "supplemental": False,
    "ground_truth": "",
    **AUDIO_DEFAULTS,
}


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    return [DatasetSpec(
        name="dcase",
        factory="aadbench.datasets.dcase.dataset:DcaseDataset",
        description="DCASE Task 2 development or evaluation sets, 2020-2026, from disk (their own train/test split).\n"
                    "data_root: a dev_data-like folder of <type>/{train,test,...} or one <type> folder; year auto "
                    "detects the year (2022-2026 layouts: from their sections, evaluation machine types or "
                    "supplemental/ folder, else it asks for dcase.year); one task per type and id_XX (2020) or "
                    "section_XX (2021 on); "
                    "ground_truth: a folder or CSV of the published evaluation labels; supplemental: read the "
                    "2025 supplemental/ folder as training data.",
        defaults=DEFAULTS,
    )]
