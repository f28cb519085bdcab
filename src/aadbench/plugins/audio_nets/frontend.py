"""Log-mel spectrograms in torch, as the audio networks were trained on them."""
from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch


class LogMel(torch.nn.Module):
    """Waveforms ``(batch, samples)`` -> power mel spectrogram in dB ``(batch, n_mels, frames)``.

    Centred frames with reflect padding and a periodic Hann window (torchlibrosa and
    torchaudio both compute this), ``10 log10(max(mel, 1e-10))``. ``htk``/``norm`` choose the
    mel filters: librosa's defaults (Slaney) for PANNs, HTK without normalisation for
    torchaudio's ``MelSpectrogram``. The buffers are not part of the state dict.
    """

    window: torch.Tensor
    mel_fb: torch.Tensor

    def __init__(self, sample_rate: int, n_fft: int, hop_length: int, n_mels: int, fmin: float = 0.0,
                 fmax: float | None = None, htk: bool = False,
                 norm: Literal["slaney"] | float | None = "slaney") -> None:
        super().__init__()
        import librosa

        self.settings = {"sample_rate": sample_rate, "n_fft": n_fft, "hop_length": hop_length, "n_mels": n_mels,
                         "fmin": fmin, "fmax": fmax, "htk": htk, "norm": norm}
        fb = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk,
                                 norm=norm)
        self.n_fft, self.hop_length = n_fft, hop_length
        self.register_buffer("window", torch.hann_window(n_fft, periodic=True), persistent=False)
        self.register_buffer("mel_fb", torch.from_numpy(fb.astype(np.float32)), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave.float(), self.n_fft, self.hop_length, window=self.window, center=True,
                          pad_mode="reflect", return_complex=True)
        power = spec.real.square() + spec.imag.square()
        return 10.0 * torch.log10(torch.matmul(self.mel_fb, power).clamp_min(1e-10))

    def config(self) -> dict[str, Any]:
        return dict(self.settings)
