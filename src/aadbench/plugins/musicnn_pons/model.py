"""Pons and Serra's musicnn (ISMIR 2019 LBD, "musicnn: pre-trained convolutional neural networks for
music audio tagging") in PyTorch, laid out so that the TensorFlow checkpoints of the ``musicnn``
package map onto it tensor by tensor (:data:`TF_NAMES`).

Input: log-compressed mel spectrograms ``log10(1 + 10000 mel)`` of 96 bands (16 kHz, n_fft 512, hop
256), ``(batch, frames, 96)``; the published models were trained on 187 frames (3 s). The network:
batch-normalised input; a front end of two "timbral" convolutions (7 frames x 38 and x 67 bands,
204 filters each, max-pooled over frequency) and three "temporal" ones (128, 64 and 32 frames x 1
band, 51 filters, "same" padding in time, max-pooled over frequency); a mid end of three 7-frame
convolutions of 64 filters over the concatenated features with residual connections; a back end
of max and mean pooling over time (753 each), batch norm, a 200-unit dense layer (the
"penultimate" features), batch norm and the 50 tag logits. Every convolution is ReLU then batch
norm (epsilon 1e-3, as TensorFlow's default).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-3
N_MELS = 96
LAYERS = ("penultimate", "mean_pool", "max_pool")


def _bn2(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=EPS)


class Musicnn(nn.Module):
    def __init__(self, num_classes: int = 50, midend: int = 64, backend: int = 200, n_mels: int = N_MELS) -> None:
        super().__init__()
        timbral = int(1.6 * 128)   # 204
        temporal = int(1.6 * 32)   # 51
        self.input_bn = _bn2(1)
        self.timbral = nn.ModuleList([nn.Conv2d(1, timbral, (7, int(r * n_mels))) for r in (0.4, 0.7)])
        self.timbral_bn = nn.ModuleList([_bn2(timbral) for _ in range(2)])
        self.temporal_kernels = (128, 64, 32)
        self.temporal = nn.ModuleList([nn.Conv2d(1, temporal, (k, 1)) for k in self.temporal_kernels])
        self.temporal_bn = nn.ModuleList([_bn2(temporal) for _ in range(3)])
        front = 2 * timbral + 3 * temporal  # 561
        self.mid = nn.ModuleList([nn.Conv2d(1, midend, (7, front)), nn.Conv2d(1, midend, (7, midend)),
                                  nn.Conv2d(1, midend, (7, midend))])
        self.mid_bn = nn.ModuleList([_bn2(midend) for _ in range(3)])
        self.pooled = front + 3 * midend  # 753
        self.pool_bn = nn.BatchNorm1d(2 * self.pooled, eps=EPS)
        self.dense = nn.Linear(2 * self.pooled, backend)
        self.dense_bn = nn.BatchNorm1d(backend, eps=EPS)
        self.logits = nn.Linear(backend, num_classes)

    def _frontend(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 1, T, F)`` -> ``(B, 561, T)``: each block max-pooled over frequency."""
        out = []
        padded = F.pad(x, (0, 0, 3, 3))
        for conv, bn in zip(self.timbral, self.timbral_bn):
            out.append(bn(F.relu(conv(padded))).amax(dim=3))
        for k, conv, bn in zip(self.temporal_kernels, self.temporal, self.temporal_bn):
            same = F.pad(x, (0, 0, (k - 1) // 2, k - 1 - (k - 1) // 2))  # TensorFlow's "same": the extra row after
            out.append(bn(F.relu(conv(same))).amax(dim=3))
        return torch.cat(out, dim=1)

    def _midend(self, front: torch.Tensor) -> list[torch.Tensor]:
        """``(B, 561, T)`` -> the front end and the three mid-end outputs, each ``(B, C, T)``."""
        feats = [front]
        x = front
        for i, (conv, bn) in enumerate(zip(self.mid, self.mid_bn)):
            image = F.pad(x.transpose(1, 2).unsqueeze(1), (0, 0, 3, 3))  # (B, 1, T + 6, C): channels as width
            y = bn(F.relu(conv(image))).squeeze(3)  # (B, 64, T)
            x = y if i == 0 else y + x
            feats.append(x)
        return feats

    def forward(self, mel: torch.Tensor, layer: str = "penultimate") -> torch.Tensor:
        """``(B, T, 96)`` log-mel -> the ``layer`` features: penultimate (200), mean_pool or max_pool (753)."""
        x = self.input_bn(mel.unsqueeze(1))
        mid = torch.cat(self._midend(self._frontend(x)), dim=1)  # (B, 753, T)
        max_pool, mean_pool = mid.amax(dim=2), mid.mean(dim=2)
        if layer == "max_pool":
            return max_pool
        if layer == "mean_pool":
            return mean_pool
        # TensorFlow flattened (753, 2) [max, mean] pairs: interleaved
        flat = torch.stack([max_pool, mean_pool], dim=2).reshape(mel.shape[0], -1)
        penultimate: torch.Tensor = self.dense_bn(F.relu(self.dense(self.pool_bn(flat))))
        if layer == "penultimate":
            return penultimate
        if layer == "logits":
            out: torch.Tensor = self.logits(penultimate)
            return out
        raise ValueError(f"musicnn layer {layer!r} is not one of {', '.join(LAYERS)}")


def _bn_names(tf: str, torch_name: str) -> dict[str, str]:
    return {f"{tf}/gamma": f"{torch_name}.weight", f"{tf}/beta": f"{torch_name}.bias",
            f"{tf}/moving_mean": f"{torch_name}.running_mean", f"{tf}/moving_variance": f"{torch_name}.running_var"}


def _tf_names() -> dict[str, str]:
    """TensorFlow variable -> this module's parameter, in the order ``build_musicnn`` creates them."""
    names = _bn_names("batch_normalization", "input_bn")
    convs = ["timbral.0", "timbral.1", "temporal.0", "temporal.1", "temporal.2", "mid.0", "mid.1", "mid.2"]
    bns = ["timbral_bn.0", "timbral_bn.1", "temporal_bn.0", "temporal_bn.1", "temporal_bn.2", "mid_bn.0",
           "mid_bn.1", "mid_bn.2"]
    for i, (conv, bn) in enumerate(zip(convs, bns)):
        suffix = f"_{i}" if i else ""
        names[f"conv2d{suffix}/kernel"], names[f"conv2d{suffix}/bias"] = f"{conv}.weight", f"{conv}.bias"
        names.update(_bn_names(f"batch_normalization_{i + 1}", bn))
    names.update(_bn_names("batch_normalization_9", "pool_bn"))
    names["dense/kernel"], names["dense/bias"] = "dense.weight", "dense.bias"
    names.update(_bn_names("batch_normalization_10", "dense_bn"))
    names["dense_1/kernel"], names["dense_1/bias"] = "logits.weight", "logits.bias"
    return names


TF_NAMES = _tf_names()


def state_from_tensorflow(tensors: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """A musicnn TensorFlow checkpoint's variables as this module's state dict (layouts converted)."""
    missing = sorted(set(TF_NAMES) - set(tensors))
    if missing:
        raise ValueError(f"not a musicnn checkpoint: it lacks {', '.join(missing[:4])}")
    state: dict[str, torch.Tensor] = {}
    for tf_name, name in TF_NAMES.items():
        value = np.asarray(tensors[tf_name], dtype=np.float32)
        if tf_name.endswith("/kernel") and value.ndim == 4:  # (kh, kw, in, out) -> (out, in, kh, kw)
            value = value.transpose(3, 2, 0, 1)
        elif tf_name.endswith("/kernel"):  # dense (in, out) -> (out, in)
            value = value.T
        state[name] = torch.from_numpy(np.ascontiguousarray(value))
    return state


def build(num_classes: int = 50, seed: int = 0) -> Musicnn:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Musicnn(num_classes).eval()
