"""Fixed-length analysis windows over a clip (2 s every 1 s by default), like the image patches."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def to_samples(seconds: float, sample_rate: int) -> int:
    n = int(round(float(seconds) * int(sample_rate)))
    if n < 1:
        raise ValueError(f"a window of {seconds!r} s at {sample_rate} Hz holds no sample")
    return n


def n_windows(n_samples: int, win: int, hop: int) -> int:
    """Windows that fit entirely in the clip (the tail is dropped); at least one."""
    if n_samples <= win:
        return 1
    return 1 + (n_samples - win) // hop


def frame(wave: np.ndarray, win: int, hop: int) -> np.ndarray:
    """``(n_samples,)`` -> ``(n_windows, win)`` float32; a clip shorter than ``win`` is one
    window, zero-padded at the end."""
    wave = np.asarray(wave, dtype=np.float32).reshape(-1)
    if wave.size < win:
        return np.pad(wave, (0, win - wave.size))[None, :]
    count = n_windows(wave.size, win, hop)
    starts = np.arange(count) * hop
    return np.stack([wave[s: s + win] for s in starts]).astype(np.float32, copy=False)


def embed_windows(framed: Sequence[np.ndarray], embed: Callable[[np.ndarray], np.ndarray],
                  batch_size: int) -> list[np.ndarray]:
    """The windows of every clip embedded in batches across clips: one ``(n_windows, dim)`` array per clip."""
    if not len(framed):
        return []
    counts = [len(f) for f in framed]
    flat = np.concatenate(framed)
    feats = np.concatenate([np.asarray(embed(flat[i: i + batch_size]), dtype=np.float32)
                            for i in range(0, len(flat), batch_size)])
    return [a.copy() for a in np.split(feats, np.cumsum(counts)[:-1])]
