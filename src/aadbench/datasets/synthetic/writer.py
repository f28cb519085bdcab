"""Write the synthetic dataset to disk in the MIMII layout."""
from __future__ import annotations

from pathlib import Path

import soundfile as sf

from ...progress import bar
from .dataset import SyntheticDataset


def write_mimii_tree(dataset: SyntheticDataset, out_dir: str | Path, *, progress: bool = True,
                     subtype: str = "PCM_16") -> int:
    """``<type>/id_XX/{normal,abnormal}/NNNNNNNN.wav`` (16-bit PCM as MIMII, or ``FLOAT`` for
    bit-exact samples); returns the number of files."""
    root = Path(out_dir)
    tasks = dataset.tasks()
    total = sum(len(t.clips) for t in tasks)
    with bar(total=total, desc="writing", unit="clip", enabled=progress) as pbar:
        for task in tasks:
            for clip in task.clips:
                path = root / task.machine_type / task.machine_id / clip.key
                path.parent.mkdir(parents=True, exist_ok=True)
                sf.write(path, dataset.load(clip), dataset.sample_rate, subtype=subtype)
                pbar.update(1)
    return total
