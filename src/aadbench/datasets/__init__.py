"""Bundled dataset plugins."""

#: parameters every file-backed dataset takes (see :class:`aadbench.datasets.files.FileDataset`)
AUDIO_DEFAULTS = {
    "sample_rate": 16000,
    "channel": "0",  # a channel index or "mean"
    "length_policy": "keep",
    "duration": None,
}
