"""The paper's image frontend, batched in torch: log-mel, patches, colour-mapped images."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from . import IMAGENET_MEAN, IMAGENET_STD, FrontendConfig

__all__ = ["MelFrontend"]


def _colormap_lut(name: str) -> torch.Tensor:
    import matplotlib

    try:
        cmap = matplotlib.colormaps[name]
    except KeyError:
        raise ConfigError(f"unknown colour map {name!r}; any matplotlib colour map name works") from None
    return torch.from_numpy(cmap(np.arange(cmap.N))[:, :3].astype(np.float32))


def _mel_filters(cfg: FrontendConfig) -> torch.Tensor:
    import librosa

    fb = librosa.filters.mel(sr=cfg.sample_rate, n_fft=cfg.n_fft, n_mels=cfg.n_mels)
    return torch.from_numpy(fb.astype(np.float32))


class MelFrontend(torch.nn.Module):
    """Log-mel spectrograms, patches and the images the CNNs see."""

    window: torch.Tensor
    mel_fb: torch.Tensor
    lut: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor
    lut_norm: torch.Tensor

    def __init__(self, config: FrontendConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or FrontendConfig()
        self.register_buffer("window", torch.hann_window(cfg.n_fft), persistent=False)
        self.register_buffer("mel_fb", _mel_filters(cfg), persistent=False)
        self.register_buffer("lut", _colormap_lut(cfg.colormap), persistent=False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        # the colour map with the ImageNet normalisation applied: interpolation weights sum to
        # one, so normalising the 256 colours equals normalising every resized pixel
        self.register_buffer("lut_norm", (self.lut - self.mean.view(1, 3)) / self.std.view(1, 3),
                             persistent=False)

    def mel_db(self, wave: torch.Tensor) -> torch.Tensor:
        """``(..., n_samples)`` -> ``(..., n_mels, n_frames)`` power mel in dB.

        Matches ``librosa.power_to_db(librosa.feature.melspectrogram(...), ref=1.0,
        amin=1e-10, top_db=None)`` (centred frames, zero padding).
        """
        cfg = self.config
        shape = wave.shape[:-1]
        flat = wave.reshape(-1, wave.shape[-1]).float()
        pad = cfg.n_fft // 2
        flat = F.pad(flat.unsqueeze(1), (pad, pad), mode="constant").squeeze(1)
        spec = torch.stft(flat, cfg.n_fft, cfg.hop_length, window=self.window, center=False,
                          return_complex=True)
        power = spec.real.square() + spec.imag.square()
        mel = torch.matmul(self.mel_fb, power)
        db = 10.0 * torch.log10(mel.clamp_min(1e-10))
        return db.reshape(*shape, cfg.n_mels, db.shape[-1])

    def patches(self, mel_db: torch.Tensor) -> torch.Tensor:
        """``(n_mels, n_frames)`` -> ``(n_patches, n_mels, patch_frames)``.

        A spectrogram shorter than one patch is repeated along time to fill it.
        """
        cfg = self.config
        frames = mel_db.shape[-1]
        if frames < cfg.patch_frames:
            reps = -(-cfg.patch_frames // frames)
            mel_db = mel_db.repeat(1, reps)[:, : cfg.patch_frames]
        out = mel_db.unfold(-1, cfg.patch_frames, cfg.patch_hop)  # (n_mels, P, frames)
        return out.permute(1, 0, 2).contiguous()

    def n_patches(self, n_samples: int) -> int:
        cfg = self.config
        frames = 1 + n_samples // cfg.hop_length
        return max(1, 1 + (frames - cfg.patch_frames) // cfg.patch_hop) if frames >= cfg.patch_frames else 1

    def scale(self, patches: torch.Tensor) -> torch.Tensor:
        """dB patches ``(P, n_mels, frames)`` of one clip -> values in [0, 1]."""
        if self.config.scaling == "patch-minmax":
            lo = patches.amin(dim=(-2, -1), keepdim=True)
            hi = patches.amax(dim=(-2, -1), keepdim=True)
        else:  # clip-minmax: one range for all patches of the clip
            lo, hi = patches.min(), patches.max()
        return (patches - lo) / (hi - lo).clamp_min(1e-6)

    def images(self, unit: torch.Tensor) -> torch.Tensor:
        """Scaled patches ``(P, n_mels, frames)`` in [0, 1] -> normalised RGB ``(P, 3, S, S)``.

        Low frequencies are drawn at the bottom, as a spectrogram is usually shown.
        """
        cfg = self.config
        n = int(self.lut_norm.shape[0])
        idx = (unit.flip(-2) * n).long().clamp_(0, n - 1)
        # (P, 3, n_mels, frames), made contiguous: resizing a channels-last tensor is ~5x slower
        rgb = self.lut_norm[idx].permute(0, 3, 1, 2).contiguous()
        size = (cfg.image_size, cfg.image_size)
        return F.interpolate(rgb, size=size, mode=cfg.interpolation,
                             align_corners=False if cfg.interpolation in ("bilinear", "bicubic") else None)

    def to_device(self, batch: torch.Tensor) -> torch.Tensor:
        """Host samples to the frontend's device: through pinned memory and an asynchronous copy on a GPU."""
        device = self.window.device
        if device.type != "cuda":
            return batch.to(device)
        return batch.pin_memory().to(device, non_blocking=True)

    def clip_patches(self, wave: np.ndarray | torch.Tensor) -> torch.Tensor:
        """One waveform -> its scaled patches ``(P, n_mels, patch_frames)`` in [0, 1]."""
        tensor = self.to_device(torch.as_tensor(wave, dtype=torch.float32))
        return self.scale(self.patches(self.mel_db(tensor)))

    def batch_patches(self, waves: Sequence[np.ndarray | torch.Tensor]) -> list[torch.Tensor]:
        """Like :meth:`clip_patches` for many waveforms; clips of equal length share one STFT."""
        out: list[torch.Tensor | None] = [None] * len(waves)
        by_length: dict[int, list[int]] = {}
        for i, w in enumerate(waves):
            by_length.setdefault(int(w.shape[-1]), []).append(i)
        for idx in by_length.values():
            batch = torch.stack([torch.as_tensor(waves[i], dtype=torch.float32) for i in idx])
            mels = self.mel_db(self.to_device(batch))
            for i, mel in zip(idx, mels):
                out[i] = self.scale(self.patches(mel))
        return out  # type: ignore[return-value]
