"""The BEATs input: a Kaldi-compatible log-mel filterbank in plain torch, batched.

BEATs (Chen et al. 2022, "BEATs: Audio Pre-Training with Acoustic Tokenizers", arXiv:2212.09058)
was trained on ``torchaudio.compliance.kaldi.fbank(wave * 2**15, num_mel_bins=128,
sample_frequency=16000, frame_length=25, frame_shift=10)`` with that function's other defaults,
normalised as ``(fbank - 15.41663) / (2 * 6.55582)``. torchaudio is not available here, so this
module computes the same thing from Kaldi's formulas (``compute-fbank-feats``):

* frames of 400 samples every 160 (25 ms / 10 ms at 16 kHz), only those that fit
  (``snip_edges=True``): ``(samples - 400) // 160 + 1`` frames;
* no dither; each frame's mean removed; pre-emphasis ``x[n] - 0.97 x[n-1]`` (the first sample
  uses itself as its predecessor); the "povey" window ``hann(400, symmetric) ** 0.85``;
* zero-padded to a 512-point FFT, power spectrum;
* 128 triangular mel filters, equally spaced on Kaldi's mel scale ``1127 ln(1 + f / 700)``
  between 20 Hz and the Nyquist frequency (the Nyquist bin gets weight zero);
* natural log, floored at float32's machine epsilon.

All frames of all clips go through at once (``Tensor.unfold``), no Python loop over frames. The
arithmetic runs in float32, step for step as torchaudio does it, so that even the bands at float32's
round-off floor (far from a pure tone, some 1e-13 of the peak energy) come out as they did in training;
float64 input is computed in float64.
"""
from __future__ import annotations

import functools
import math

import torch

SAMPLE_RATE = 16000
FRAME_LENGTH = 400          # 25 ms at 16 kHz
FRAME_SHIFT = 160           # 10 ms at 16 kHz
N_FFT = 512                 # the frame length rounded up to a power of two
NUM_MEL_BINS = 128
PREEMPHASIS = 0.97
POVEY_EXPONENT = 0.85
LOW_FREQ = 20.0             # Hz; the high edge is the Nyquist frequency
WAVE_SCALE = 2.0 ** 15      # BEATs feeds 16-bit integer amplitudes to the fbank
LOG_FLOOR = float(torch.finfo(torch.float32).eps)  # Kaldi's floor, float32's epsilon even in float64

#: BEATs' normalisation of the log-mel values (dataset statistics of the pre-training data)
FBANK_MEAN = 15.41663
FBANK_STD = 6.55582


def num_frames(samples: int) -> int:
    """Frames the fbank makes of ``samples`` samples (Kaldi's ``snip_edges=True``)."""
    return 0 if samples < FRAME_LENGTH else (samples - FRAME_LENGTH) // FRAME_SHIFT + 1


def mel_scale(freq: float) -> float:
    """Kaldi's mel scale."""
    return 1127.0 * math.log(1.0 + freq / 700.0)


@functools.lru_cache(maxsize=4)
def _mel_banks_cpu(num_bins: int, n_fft: int, sample_rate: int, low_freq: float) -> torch.Tensor:
    high_freq = 0.5 * sample_rate
    mel_low, mel_high = mel_scale(low_freq), mel_scale(high_freq)
    delta = (mel_high - mel_low) / (num_bins + 1)
    edges = mel_low + delta * torch.arange(num_bins + 2, dtype=torch.float64)
    left, center, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    # the mel frequency of every FFT bin but the Nyquist one
    fft_freqs = torch.arange(n_fft // 2, dtype=torch.float64) * (sample_rate / n_fft)
    mel = (1127.0 * torch.log1p(fft_freqs / 700.0))[None, :]
    rising = (mel - left) / (center - left)
    falling = (right - mel) / (right - center)
    banks = torch.clamp(torch.minimum(rising, falling), min=0.0)
    return torch.nn.functional.pad(banks, (0, 1))  # the Nyquist bin: weight zero


def kaldi_mel_banks(
    num_bins: int = NUM_MEL_BINS,
    n_fft: int = N_FFT,
    sample_rate: int = SAMPLE_RATE,
    low_freq: float = LOW_FREQ,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Kaldi's triangular mel filters, ``(num_bins, n_fft // 2 + 1)``, up to the Nyquist frequency."""
    return _mel_banks_cpu(num_bins, n_fft, sample_rate, float(low_freq)).to(device=device, dtype=dtype)


def povey_window(
    length: int = FRAME_LENGTH, *, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Kaldi's default window: a symmetric Hann window raised to the power 0.85."""
    return torch.hann_window(length, periodic=False, device=device, dtype=dtype).pow(POVEY_EXPONENT)


def kaldi_fbank(waves: torch.Tensor) -> torch.Tensor:
    """Log-mel filterbank of a batch ``(B, samples)`` at 16 kHz, as Kaldi computes it -> ``(B, frames, 128)``.

    The waves are taken as they are (no ``2**15`` scaling here). The computation runs in float64
    for float64 input and in float32 otherwise.
    """
    if waves.dim() != 2:
        raise ValueError(f"expected a batch of waves (B, samples), got a tensor of shape {tuple(waves.shape)}")
    if waves.shape[1] < FRAME_LENGTH:
        raise ValueError(f"a wave of {waves.shape[1]} samples is shorter than one frame ({FRAME_LENGTH} samples)")
    dtype = torch.float64 if waves.dtype == torch.float64 else torch.float32
    frames = waves.to(dtype).unfold(-1, FRAME_LENGTH, FRAME_SHIFT)  # (B, frames, 400)
    frames = frames - frames.mean(dim=-1, keepdim=True)
    previous = torch.cat([frames[..., :1], frames[..., :-1]], dim=-1)
    frames = frames - PREEMPHASIS * previous
    frames = frames * povey_window(device=frames.device, dtype=dtype)
    power = torch.fft.rfft(frames, n=N_FFT).abs().pow(2)  # (B, frames, 257)
    banks = kaldi_mel_banks(device=frames.device, dtype=dtype)  # (128, 257)
    energies = torch.matmul(power, banks.T)
    return energies.clamp_min(LOG_FLOOR).log()


def beats_fbank(waves: torch.Tensor) -> torch.Tensor:
    """BEATs' input features of a batch of 16 kHz waves in [-1, 1]: ``(B, samples)`` -> ``(B, frames, 128)``.

    ``kaldi_fbank(waves * 2**15)``, normalised as ``(fbank - 15.41663) / (2 * 6.55582)``;
    ``frames = (samples - 400) // 160 + 1``.
    """
    fbank = kaldi_fbank(waves.to(torch.float64 if waves.dtype == torch.float64 else torch.float32) * WAVE_SCALE)
    return (fbank - FBANK_MEAN) / (2.0 * FBANK_STD)
