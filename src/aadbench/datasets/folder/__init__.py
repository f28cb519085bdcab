"""Your own machine's recordings: a train/ and test/ folder, or a CSV manifest."""
from __future__ import annotations

from ... import hookimpl
from ...specs import DatasetSpec
from .. import AUDIO_DEFAULTS

DEFAULTS = {
    "data_root": "",
    "manifest": "",
    "machine": "",
    "allow_outside_root": False,
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
                    "[,split,machine,section,domain] whose paths stay under data_root (or the manifest's folder) "
                    "unless allow_outside_root=true; machine: the name (default the folder's name).",
        defaults=DEFAULTS,
    )]
