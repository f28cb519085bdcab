"""The published BEATs checkpoints (Microsoft's unilm repository, beats/README.md)."""
from __future__ import annotations

from ...weights import WeightsFile

LICENCE = ("MIT (microsoft/unilm); pretrained on AudioSet-2M audio (labels CC BY 4.0, audio from YouTube; "
           "the plus_AS2M checkpoint is also fine-tuned on its labels)")
#: the repository's download links carry a shared-access signature valid until 2033
_SAS = ("sv=2020-08-04&st=2023-03-01T07%3A51%3A05Z&se=2033-03-02T07%3A51%3A00Z&sr=c&sp=rl"
        "&sig=QJXmSJG9DbMKf48UDIU1MfzIro8HQOf3sqlNXiflY1I%3D")
_BASE = "https://valle.blob.core.windows.net/share/BEATs/"

# No SHA-256 is published for these files: the first download records one (aadbench-pins.json)
# and every later load checks it; a file placed by hand is checked against that pin once made.
CHECKPOINTS = {
    "iter3": WeightsFile(
        url=f"{_BASE}BEATs_iter3.pt?{_SAS}", filename="BEATs_iter3.pt", licence=LICENCE,
        source="BEATs iter3, self-supervised on AudioSet-2M (Chen et al. 2022), github.com/microsoft/unilm/beats"),
    "iter3_plus_as2m": WeightsFile(
        url=f"{_BASE}BEATs_iter3_plus_AS2M.pt?{_SAS}", filename="BEATs_iter3_plus_AS2M.pt", licence=LICENCE,
        source="BEATs iter3+ AS2M, fine-tuned on AudioSet-2M labels (Chen et al. 2022), "
               "github.com/microsoft/unilm/beats"),
}
