"""Your own machine's recordings: a train/ and test/ folder, or a CSV manifest."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DatasetSpec
from .. import AUDIO_DEFAULTS

DEFAULTS = {
    "data_root": "",
    "manifest": "",
    "machine": "",
    **AUDIO_DEFAULTS,
}


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    return [DatasetSpec(
        name="folder",
        factory="aadbench.datasets.folder.dataset:FolderDataset",
        description="Your own machine's recordings: train/ (normal) and test/{normal,anomalous}/ folders, "
                    "or a CSV manifest.\n"
                    "data_root holds train/ (any nesting) and test/normal/ + test/anomalous/ (or abnormal/, "
                    "anomaly/), or several such machine folders; manifest: a CSV with path,label "
                    "[,split,machine,section,domain]; machine: the name (default the folder's name).",
        defaults=DEFAULTS,
    )]
