"""A tiny extractor: log band energies of ~2 s windows with a 1 s hop."""
import numpy as np

import aadbench


class BandEnergy(aadbench.Extractor):
    sample_rate = 16000

    def __init__(self, n_bands: int = 32, window_s: float = 2.0, hop_s: float = 1.0):
        if n_bands < 1 or window_s <= 0 or hop_s <= 0:
            raise ValueError("n_bands, window_s and hop_s must be positive")
        self.n_bands, self.window_s, self.hop_s = int(n_bands), float(window_s), float(hop_s)

    def identity(self):
        return {"n_bands": self.n_bands, "window_s": self.window_s, "hop_s": self.hop_s}


    def extract(self, waves):
        return [self._clip(np.asarray(w, dtype=np.float32)) for w in waves]

    def _clip(self, wave):
        win, hop = int(self.window_s * self.sample_rate), int(self.hop_s * self.sample_rate)
        if wave.size < win:  # a short clip is one window
            wave = np.pad(wave, (0, win - wave.size))
        starts = range(0, wave.size - win + 1, hop)
        rows = []
        for s in starts:
            power = np.abs(np.fft.rfft(wave[s: s + win] * np.hanning(win))) ** 2
            bands = np.array_split(power, self.n_bands)
            rows.append(np.log10(np.array([b.sum() for b in bands]) + 1e-10))
        return np.asarray(rows, dtype=np.float32)


def identity(params, fetch):
    """What ``BandEnergy(**params).identity()`` returns, without building it (no weights to fetch)."""
    return {"n_bands": int(params["n_bands"]), "window_s": float(params["window_s"]), "hop_s": float(params["hop_s"])}
