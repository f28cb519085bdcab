"""The autoencoders' networks over one 64x64 log-mel patch, shape ``(n, 1, 64, 64)``.

- LeNet-DCAE (PROTOCOL.md §1): 3 conv layers of 32, 64, 128 channels, kernel 5, batch norm,
  ELU, each followed by 2x2 max pooling (LeNet style) -> 128 x 8 x 8 -> a linear 128-d
  bottleneck; the decoder mirrors it with stride-2 transposed convolutions (kernel 5).
- Small-DCAE: 12, 24, 48 channels, kernel 4, stride 2, ReLU -> 48 x 8 x 8 -> a linear
  bottleneck (128-d by default, 0 = none); mirrored stride-2 transposed convolutions.
- CAE-L2 (the DCASE 2020 slider CAE, Keras style): 3 x (Conv2D 3x3 + ReLU + 2x2 max pooling)
  with 32, 16, 8 channels (an 8 x 8 x 8 = 512-d code); decoder 3 x (Conv2D 3x3 + ReLU + 2x
  nearest upsampling) and a linear Conv2D 3x3 to one channel. The L2 weight penalty is in
  the detector's loss. (Nearest upsampling and non-overlapping max pooling have deterministic
  CUDA backward passes.)

Outputs are linear: the patches reach the detector standardised, not in [0, 1].
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

SIDE = 64  # a patch is SIDE x SIDE (mels x frames)


class PatchAutoencoder(nn.Module):
    """``encoder`` then ``decoder``; ``code`` is the bottleneck's size."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, code: int) -> None:
        super().__init__()
        self.encoder, self.decoder, self.code = encoder, decoder, code

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.decoder(self.encoder(x))
        return out


def _side(channels: Sequence[int]) -> int:
    side = SIDE >> len(channels)
    if len(channels) < 1 or side < 1:
        raise ValueError(f"need 1 to 6 conv layers for a {SIDE}x{SIDE} patch, got channels={list(channels)}")
    return side


def _bottleneck(channels: int, side: int, dim: int, act: type[nn.Module],
                batch_norm: bool) -> tuple[list[nn.Module], list[nn.Module], int]:
    """Flatten -> Linear(dim) for the encoder, Linear -> unflatten (-> BN) -> act for the decoder."""
    if dim <= 0:
        return [], [], channels * side * side
    flat = channels * side * side
    head: list[nn.Module] = [nn.Linear(dim, flat), nn.Unflatten(1, (channels, side, side))]
    head += [nn.BatchNorm2d(channels)] if batch_norm else []
    return [nn.Flatten(), nn.Linear(flat, dim)], head + [act()], dim


def _dcae(channels: Sequence[int], kernel: int, bottleneck: int, act: type[nn.Module], *,
          batch_norm: bool, pool: bool) -> PatchAutoencoder:
    """Conv blocks that halve the side (max pooling or stride 2) and mirrored transposed convs."""
    channels, side = [int(c) for c in channels], _side(channels)
    pad = (kernel - 1) // 2
    enc, c_in = [], 1
    for c in channels:
        conv = (nn.Conv2d(c_in, c, kernel, padding=kernel // 2, bias=not batch_norm) if pool else
                nn.Conv2d(c_in, c, kernel, stride=2, padding=pad, bias=not batch_norm))
        enc += [conv] + ([nn.BatchNorm2d(c)] if batch_norm else []) + [act()] + ([nn.MaxPool2d(2)] if pool else [])
        c_in = c
    tail, head, code = _bottleneck(channels[-1], side, int(bottleneck), act, batch_norm)
    dec: list[nn.Module] = []
    outs = channels[-2::-1] + [1]
    for i, (c_in, c_out) in enumerate(zip(channels[::-1], outs)):
        last = i == len(channels) - 1
        out_pad = 2 * pad + 2 - kernel  # makes each layer exactly double the side
        dec.append(nn.ConvTranspose2d(c_in, c_out, kernel, stride=2, padding=pad, output_padding=out_pad,
                                      bias=last or not batch_norm))
        if not last:
            dec += ([nn.BatchNorm2d(c_out)] if batch_norm else []) + [act()]
    return PatchAutoencoder(nn.Sequential(*enc, *tail), nn.Sequential(*head, *dec), code)


def lenet_dcae(channels: Sequence[int] = (32, 64, 128), bottleneck: int = 128) -> PatchAutoencoder:
    return _dcae(channels, 5, bottleneck, nn.ELU, batch_norm=True, pool=True)


def small_dcae(channels: Sequence[int] = (12, 24, 48), bottleneck: int = 128) -> PatchAutoencoder:
    return _dcae(channels, 4, bottleneck, nn.ReLU, batch_norm=False, pool=False)


def cae_l2(channels: Sequence[int] = (32, 16, 8)) -> PatchAutoencoder:
    channels, side = [int(c) for c in channels], _side(channels)
    enc, c_in = [], 1
    for c in channels:
        enc += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        c_in = c
    dec = []
    for c in channels[::-1]:
        dec += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest")]
        c_in = c
    dec.append(nn.Conv2d(c_in, 1, 3, padding=1))
    return PatchAutoencoder(nn.Sequential(*enc), nn.Sequential(*dec), channels[-1] * side * side)
