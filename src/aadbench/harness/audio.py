"""Audio helpers shared by datasets and the pipeline."""
from __future__ import annotations

import numpy as np


def resample(wave: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with soxr (through librosa); a no-op when the rates match."""
    if int(orig_sr) == int(target_sr):
        return wave
    import librosa

    return librosa.resample(np.asarray(wave, dtype=np.float32), orig_sr=int(orig_sr), target_sr=int(target_sr),
                            res_type="soxr_hq").astype(np.float32)
