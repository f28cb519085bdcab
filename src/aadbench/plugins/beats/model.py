"""The BEATs audio encoder (Chen et al. 2022, "BEATs: Audio Pre-Training with Acoustic Tokenizers",
arXiv:2212.09058), written to load Microsoft's published checkpoints unchanged.

The architecture, as the paper and the reference implementation (microsoft/unilm, ``beats/``)
define it: the normalised log-mel filterbank (``fbank.beats_fbank``, ``(B, frames, 128)``) is cut
into 16x16 patches by a strided ``Conv2d`` (``patch_embedding``, 512 channels, no bias), the
patches are flattened time-major (``(B, frames // 16 * 8, 512)``), layer-normalised
(``layer_norm``) and projected to 768 dimensions (``post_extract_proj``). The encoder is a
wav2vec 2.0-style post-LN transformer: a weight-normalised grouped convolutional position
embedding (``encoder.pos_conv``: kernel 128, 16 groups, GELU) is added, then ``encoder.layer_norm``,
then 12 layers of self-attention and a GELU feed-forward block, with DeepNorm residual scaling
(``x * (2 N) ** 0.25 + f(x)``) and a gated relative position bias (320 buckets up to a distance of
800, one embedding table held by layer 0 and shared by all layers, gated per layer from the
query by ``grep_linear`` and ``grep_a``). The AudioSet fine-tuned checkpoints add ``predictor``,
a linear layer to 527 classes, averaged over the patches and passed through a sigmoid.

Checkpoint names (the published state dict; the fine-tuned one adds ``predictor.weight/bias``)::

    patch_embedding.weight, layer_norm.{weight,bias}, post_extract_proj.{weight,bias},
    encoder.pos_conv.0.{weight_g,weight_v,bias}, encoder.layer_norm.{weight,bias},
    encoder.layers.N.self_attn.{k,v,q,out}_proj.{weight,bias},
    encoder.layers.N.self_attn.grep_linear.{weight,bias}, encoder.layers.N.self_attn.grep_a,
    encoder.layers.N.self_attn.relative_attention_bias.weight (the same tensor under every N),
    encoder.layers.N.{self_attn_layer_norm,final_layer_norm}.{weight,bias}, encoder.layers.N.{fc1,fc2}.{weight,bias}

The checkpoints were saved with ``torch.nn.utils.weight_norm``, whose parameters are
``weight_g`` and ``weight_v``; current torch's ``parametrizations.weight_norm`` would name them
``parametrizations.weight.original0/1``. :class:`WeightNormConv1d` therefore holds ``weight_g``
and ``weight_v`` itself and computes the kernel in ``forward``, so that the published names load
and save as they are; :func:`load_checkpoint_state` also maps the parametrisation names and a
plain ``weight`` onto them.

Attention is computed with ``scaled_dot_product_attention``: the reference scales the logits by
1/32 and back around a max subtraction (for fp16 stability), which leaves the softmax unchanged.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import WeightsUnavailableError

ACTIVATIONS = ("gelu", "gelu_accurate", "relu", "tanh", "linear")


@dataclass(frozen=True)
class BEATsConfig:
    """The fields of the published checkpoints' ``cfg`` dict, with the values of ``BEATs_iter3``.

    Dropouts, ``encoder_layerdrop`` and ``layer_wise_gradient_decay_ratio`` act only in training.
    """

    input_patch_size: int = 16               # side of the square fbank patches
    embed_dim: int = 512                     # patch embedding channels
    conv_bias: bool = False                  # bias in the patch embedding
    encoder_layers: int = 12
    encoder_embed_dim: int = 768
    encoder_ffn_embed_dim: int = 3072
    encoder_attention_heads: int = 12
    activation_fn: str = "gelu"
    layer_wise_gradient_decay_ratio: float = 1.0  # gradient scale per layer (training only)
    layer_norm_first: bool = False           # pre-LN layers (the published models are post-LN)
    deep_norm: bool = True                   # DeepNorm residual scaling (post-LN only)
    dropout: float = 0.1
    attention_dropout: float = 0.1
    activation_dropout: float = 0.0
    encoder_layerdrop: float = 0.0
    dropout_input: float = 0.0
    conv_pos: int = 128                      # kernel of the convolutional position embedding
    conv_pos_groups: int = 16
    relative_position_embedding: bool = True
    num_buckets: int = 320
    max_distance: int = 800
    gru_rel_pos: bool = True                 # gate the relative position bias from the query
    finetuned_model: bool = False            # has the AudioSet ``predictor``
    predictor_dropout: float = 0.1
    predictor_class: int = 527

    def __post_init__(self) -> None:
        if self.encoder_embed_dim % self.encoder_attention_heads:
            raise ValueError(f"encoder_embed_dim {self.encoder_embed_dim} is not divisible by "
                             f"encoder_attention_heads {self.encoder_attention_heads}")
        if self.encoder_embed_dim % self.conv_pos_groups:
            raise ValueError(f"encoder_embed_dim {self.encoder_embed_dim} is not divisible by "
                             f"conv_pos_groups {self.conv_pos_groups}")
        if self.activation_fn not in ACTIVATIONS:
            raise ValueError(f"activation_fn {self.activation_fn!r} is not supported (one of {', '.join(ACTIVATIONS)})")
        if self.deep_norm and self.layer_norm_first:
            raise ValueError("deep_norm and layer_norm_first exclude each other")
        if self.relative_position_embedding and self.num_buckets < 4:
            raise ValueError(f"num_buckets must be at least 4, not {self.num_buckets}")

    @classmethod
    def from_dict(cls, cfg: Mapping[str, Any]) -> BEATsConfig:
        """The config from a checkpoint's ``cfg`` dict; unknown keys are ignored, missing ones keep defaults."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in cfg.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------- building blocks


def _activation(name: str, x: torch.Tensor) -> torch.Tensor:
    if name == "gelu":
        return F.gelu(x.float()).type_as(x)
    if name == "gelu_accurate":
        return F.gelu(x.float(), approximate="tanh").type_as(x)
    if name == "relu":
        return F.relu(x)
    if name == "tanh":
        return torch.tanh(x)
    return x  # linear


def _scale_gradient(x: torch.Tensor, scale: float) -> torch.Tensor:
    """``x`` unchanged forward, its gradient multiplied by ``scale`` backward."""
    detached = x.detach()
    return detached + (x - detached) * scale


class WeightNormConv1d(nn.Module):
    """A grouped ``Conv1d`` whose kernel is ``weight_g * weight_v / ||weight_v||``, the norm taken per
    kernel position (over the output and input channels): ``torch.nn.utils.weight_norm(conv, dim=2)``,
    with its parameters under the names that function gives them (``weight_g``, ``weight_v``)."""

    def __init__(self, channels: int, kernel_size: int, groups: int) -> None:
        super().__init__()
        self.channels, self.kernel_size, self.groups = channels, kernel_size, groups
        self.padding = kernel_size // 2
        self.weight_g = nn.Parameter(torch.empty(1, 1, kernel_size))
        self.weight_v = nn.Parameter(torch.empty(channels, channels // groups, kernel_size))
        self.bias = nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        std = math.sqrt(4.0 / (self.kernel_size * self.channels))
        with torch.no_grad():
            nn.init.normal_(self.weight_v, mean=0.0, std=std)
            self.weight_g.copy_(self._norm(self.weight_v))
            nn.init.zeros_(self.bias)

    @staticmethod
    def _norm(v: torch.Tensor) -> torch.Tensor:
        return v.pow(2).sum(dim=(0, 1), keepdim=True).sqrt()

    @property
    def weight(self) -> torch.Tensor:
        """The effective kernel, ``(channels, channels // groups, kernel_size)``."""
        return self.weight_v * (self.weight_g / self._norm(self.weight_v))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv1d(x, self.weight, self.bias, padding=self.padding, groups=self.groups)


class SamePad(nn.Module):
    """Drops the extra last step an even kernel with ``padding=kernel // 2`` adds."""

    def __init__(self, kernel_size: int) -> None:
        super().__init__()
        self.remove = 1 if kernel_size % 2 == 0 else 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, : x.shape[-1] - self.remove]


def relative_position_buckets(length: int, num_buckets: int, max_distance: int,
                              device: torch.device | None = None) -> torch.Tensor:
    """T5-style bidirectional buckets of ``key - query`` offsets, ``(length, length)`` long.

    Half the buckets for each sign; within a half, offsets below a quarter of ``num_buckets`` get
    one bucket each, larger ones share logarithmically spaced buckets up to ``max_distance``.
    """
    positions = torch.arange(length, dtype=torch.long, device=device)
    offsets = positions[None, :] - positions[:, None]
    half = num_buckets // 2
    buckets = (offsets > 0).to(torch.long) * half
    distance = offsets.abs()
    exact = half // 2
    # the float32 arithmetic of the reference, so that the bucket edges fall where they did in training
    scaled = torch.log(distance.clamp_min(1).float() / exact) / math.log(max_distance / exact) * (half - exact)
    far = torch.clamp_max(exact + scaled.to(torch.long), half - 1)
    return buckets + torch.where(distance < exact, distance, far)


class MultiheadAttention(nn.Module):
    """Self-attention with the gated relative position bias of BEATs (names as in the checkpoint)."""

    relative_attention_bias: nn.Embedding | None
    grep_linear: nn.Linear | None
    grep_a: nn.Parameter | None

    def __init__(self, cfg: BEATsConfig, with_bias_table: bool) -> None:
        super().__init__()
        dim, heads = cfg.encoder_embed_dim, cfg.encoder_attention_heads
        self.num_heads, self.head_dim = heads, dim // heads
        self.num_buckets, self.max_distance = cfg.num_buckets, cfg.max_distance
        self.dropout = cfg.attention_dropout
        self.relative_attention_bias = nn.Embedding(cfg.num_buckets, heads) if with_bias_table else None
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)
        if cfg.gru_rel_pos:
            self.grep_linear = nn.Linear(self.head_dim, 8)
            self.grep_a = nn.Parameter(torch.ones(1, heads, 1, 1))
        else:
            self.grep_linear, self.grep_a = None, None

    def compute_bias(self, length: int) -> torch.Tensor:
        """The relative position bias of a sequence of ``length``, ``(heads, length, length)``."""
        if self.relative_attention_bias is None:
            raise RuntimeError("this attention layer holds no relative position table")
        table = self.relative_attention_bias
        buckets = relative_position_buckets(length, self.num_buckets, self.max_distance, device=table.weight.device)
        return table(buckets).permute(2, 0, 1)

    def forward(self, x: torch.Tensor, position_bias: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` ``(B, T, C)``, ``position_bias`` ``(heads, T, T)`` or None -> ``(B, T, C)``."""
        batch, length, dim = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)  # (B, H, T, d)

        q, k, v = heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x))
        mask: torch.Tensor | None = None
        if position_bias is not None:
            bias = position_bias.unsqueeze(0)  # (1, H, T, T)
            if self.grep_linear is not None and self.grep_a is not None:
                # two gates per query and head, each the sigmoid of a sum of four projections of the query
                gates = torch.sigmoid(self.grep_linear(q).view(batch, self.num_heads, length, 2, 4).sum(-1))
                gate_a, gate_b = gates[..., :1], gates[..., 1:]
                bias = (gate_a * (gate_b * self.grep_a - 1.0) + 2.0) * bias  # (B, H, T, T)
            mask = bias.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                             dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, dim))


class EncoderLayer(nn.Module):
    """One transformer layer: attention and a feed-forward block, post-LN with DeepNorm (or pre-LN)."""

    def __init__(self, cfg: BEATsConfig, with_bias_table: bool) -> None:
        super().__init__()
        self.activation_fn = cfg.activation_fn
        self.dropout, self.activation_dropout = cfg.dropout, cfg.activation_dropout
        self.layer_norm_first = cfg.layer_norm_first
        self.residual_scale = math.pow(2 * cfg.encoder_layers, 0.25) if cfg.deep_norm else 1.0
        self.self_attn = MultiheadAttention(cfg, with_bias_table)
        self.self_attn_layer_norm = nn.LayerNorm(cfg.encoder_embed_dim)
        self.fc1 = nn.Linear(cfg.encoder_embed_dim, cfg.encoder_ffn_embed_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_embed_dim, cfg.encoder_embed_dim)
        self.final_layer_norm = nn.LayerNorm(cfg.encoder_embed_dim)

    def _feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _activation(self.activation_fn, self.fc1(x))
        x = F.dropout(x, self.activation_dropout, self.training)
        return F.dropout(self.fc2(x), self.dropout, self.training)

    def forward(self, x: torch.Tensor, position_bias: torch.Tensor | None) -> torch.Tensor:
        if self.layer_norm_first:
            x = x + F.dropout(self.self_attn(self.self_attn_layer_norm(x), position_bias), self.dropout, self.training)
            return x + self._feed_forward(self.final_layer_norm(x))
        x = x * self.residual_scale + F.dropout(self.self_attn(x, position_bias), self.dropout, self.training)
        x = self.self_attn_layer_norm(x)
        x = x * self.residual_scale + self._feed_forward(x)
        return self.final_layer_norm(x)


class TransformerEncoder(nn.Module):
    """Convolutional position embedding, layer norm, and the transformer layers (``encoder.*``)."""

    def __init__(self, cfg: BEATsConfig) -> None:
        super().__init__()
        dim = cfg.encoder_embed_dim
        self.dropout = cfg.dropout
        self.layerdrop = cfg.encoder_layerdrop
        self.gradient_decay = cfg.layer_wise_gradient_decay_ratio
        self.layer_norm_first = cfg.layer_norm_first
        self.relative_position_embedding = cfg.relative_position_embedding
        self.pos_conv = nn.Sequential(WeightNormConv1d(dim, cfg.conv_pos, cfg.conv_pos_groups),
                                      SamePad(cfg.conv_pos), nn.GELU())
        rel = cfg.relative_position_embedding
        blocks = [EncoderLayer(cfg, with_bias_table=rel and i == 0) for i in range(cfg.encoder_layers)]
        if rel:  # one table, held by layer 0, registered under every layer as in the checkpoint
            for block in blocks[1:]:
                block.self_attn.relative_attention_bias = blocks[0].self_attn.relative_attention_bias
        self.layers = nn.ModuleList(blocks)
        self.layer_norm = nn.LayerNorm(dim)
        self._init_weights(cfg, blocks)

    def block(self, index: int) -> EncoderLayer:
        """``layers[index]``, typed."""
        return cast(EncoderLayer, self.layers[index])

    def _init_weights(self, cfg: BEATsConfig, blocks: list[EncoderLayer]) -> None:
        """BERT initialisation, then DeepNorm's scaled Xavier for the projections (random weights only)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if cfg.deep_norm:
            beta = math.pow(8 * cfg.encoder_layers, -0.25)
            for layer in blocks:
                attn = layer.self_attn
                for linear, gain in ((attn.k_proj, 1.0), (attn.v_proj, beta), (attn.q_proj, 1.0),
                                     (attn.out_proj, beta), (layer.fc1, beta), (layer.fc2, beta)):
                    nn.init.xavier_normal_(linear.weight, gain=gain)

    def forward(self, x: torch.Tensor, layer: int | None = None) -> torch.Tensor:
        """``x`` ``(B, T, C)`` -> the hidden states after ``layers[layer]`` (None: after the last)."""
        target = len(self.layers) - 1 if layer is None else layer
        x = x + self.pos_conv(x.transpose(1, 2)).transpose(1, 2)
        if not self.layer_norm_first:
            x = self.layer_norm(x)
        x = F.dropout(x, self.dropout, self.training)
        position_bias = None
        if self.relative_position_embedding:
            position_bias = self.block(0).self_attn.compute_bias(x.shape[1])
        for i, encoder_layer in enumerate(self.layers):
            if self.training and self.gradient_decay != 1.0:
                x = _scale_gradient(x, self.gradient_decay)
            if not self.training or self.layerdrop == 0.0 or torch.rand(()).item() > self.layerdrop:
                x = encoder_layer(x, position_bias)
            if i == target:
                break
        if self.layer_norm_first and layer is None:
            x = self.layer_norm(x)
        return x


# --------------------------------------------------------------------------------------------- the model


class BEATs(nn.Module):
    """The BEATs encoder on a normalised fbank ``(B, frames, mel bins)`` (see :func:`fbank.beats_fbank`)."""

    post_extract_proj: nn.Linear | None
    predictor: nn.Linear | None

    def __init__(self, cfg: BEATsConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.post_extract_proj = (nn.Linear(cfg.embed_dim, cfg.encoder_embed_dim)
                                  if cfg.embed_dim != cfg.encoder_embed_dim else None)
        patch = cfg.input_patch_size
        self.patch_embedding = nn.Conv2d(1, cfg.embed_dim, kernel_size=patch, stride=patch, bias=cfg.conv_bias)
        self.encoder = TransformerEncoder(cfg)
        self.layer_norm = nn.LayerNorm(cfg.embed_dim)
        self.predictor = nn.Linear(cfg.encoder_embed_dim, cfg.predictor_class) if cfg.finetuned_model else None

    def num_patches(self, frames: int, mel_bins: int = 128) -> int:
        """Patches (tokens) the encoder sees for an fbank of ``frames`` x ``mel_bins``."""
        patch = self.cfg.input_patch_size
        return (frames // patch) * (mel_bins // patch)

    def embed_patches(self, fbank: torch.Tensor) -> torch.Tensor:
        """``(B, frames, mel)`` -> the projected patch embeddings ``(B, patches, encoder_embed_dim)``,
        patches ordered time-major (all frequency patches of the first 16 frames, then the next)."""
        if fbank.dim() != 3:
            raise ValueError(f"expected an fbank (B, frames, mel bins), got a tensor of shape {tuple(fbank.shape)}")
        patch = self.cfg.input_patch_size
        if fbank.shape[1] < patch or fbank.shape[2] < patch:
            raise ValueError(f"an fbank of {fbank.shape[1]} frames x {fbank.shape[2]} bins is smaller than one "
                             f"{patch}x{patch} patch")
        x = self.patch_embedding(fbank.unsqueeze(1))  # (B, embed, T', F')
        x = self.layer_norm(x.flatten(2).transpose(1, 2))  # (B, T' * F', embed)
        if self.post_extract_proj is not None:
            x = self.post_extract_proj(x)
        return F.dropout(x, self.cfg.dropout_input, self.training)

    def _check_layer(self, layer: int | None) -> int | None:
        if layer is None:
            return None
        n = self.cfg.encoder_layers
        if not -n <= layer < n:
            raise ValueError(f"layer {layer} does not exist: the encoder has {n} layers "
                             f"(0 ... {n - 1}, or -{n} ... -1)")
        return layer % n

    def extract_features(self, fbank: torch.Tensor, layer: int | None = None) -> torch.Tensor:
        """The hidden states ``(B, patches, encoder_embed_dim)`` after encoder layer ``layer``.

        ``layer`` indexes ``encoder.layers`` from 0 (negative values count from the end); None gives
        the encoder's output, the representation the reference ``extract_features`` returns.
        """
        return self.encoder(self.embed_patches(fbank), layer=self._check_layer(layer))

    def forward(self, fbank: torch.Tensor, layer: int | None = None) -> torch.Tensor:
        return self.extract_features(fbank, layer)

    def predict(self, fbank: torch.Tensor) -> torch.Tensor:
        """AudioSet class probabilities ``(B, predictor_class)`` of a fine-tuned model: the predictor
        on every patch, averaged over the patches, through a sigmoid."""
        if self.predictor is None:
            raise RuntimeError("this BEATs model has no predictor (finetuned_model is False)")
        x = F.dropout(self.extract_features(fbank), self.cfg.predictor_dropout, self.training)
        return torch.sigmoid(self.predictor(x).mean(dim=1))


def build_beats(cfg: BEATsConfig) -> BEATs:
    """A BEATs model with random weights for ``cfg``, in eval mode."""
    return BEATs(cfg).eval()


# --------------------------------------------------------------------------------------------- checkpoints

#: other spellings of the weight-normalised position convolution's parameters
_POS_CONV = "encoder.pos_conv.0."
_RENAMES = {
    _POS_CONV + "parametrizations.weight.original0": _POS_CONV + "weight_g",
    _POS_CONV + "parametrizations.weight.original1": _POS_CONV + "weight_v",
}


def checkpoint_state(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A BEATs state dict under the published names.

    Strips a ``module.`` prefix (DataParallel), renames current torch's weight-norm parametrisation
    (``parametrizations.weight.original0/1``) to ``weight_g``/``weight_v``, and splits a plain
    ``encoder.pos_conv.0.weight`` (weight norm removed) into ``weight_g = ||weight||``, ``weight_v = weight``.
    """
    state = {k.removeprefix("module."): v for k, v in state_dict.items()}
    state = {_RENAMES.get(k, k): v for k, v in state.items()}
    plain = _POS_CONV + "weight"
    if plain in state and _POS_CONV + "weight_v" not in state:
        weight = state.pop(plain)
        state[_POS_CONV + "weight_v"] = weight
        state[_POS_CONV + "weight_g"] = WeightNormConv1d._norm(weight)
    return state


def load_checkpoint_state(model: BEATs, state_dict: Mapping[str, torch.Tensor]) -> None:
    """Load a BEATs state dict strictly into ``model``, after :func:`checkpoint_state` renaming.

    Raises ``ValueError`` naming the missing and unexpected keys, or the shapes that differ.
    """
    state = checkpoint_state(state_dict)
    expected = set(model.state_dict())
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise ValueError(f"the state dict does not fit this BEATs model: missing {_few(missing)}, "
                         f"unexpected {_few(unexpected)}")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:  # shapes that differ
        raise ValueError(f"the state dict does not fit this BEATs model: {exc}") from None


def _few(keys: list[str], n: int = 5) -> str:
    if not keys:
        return "none"
    return ", ".join(keys[:n]) + (f" and {len(keys) - n} more" if len(keys) > n else "")


def load_beats(path: str | Path) -> tuple[BEATs, BEATsConfig]:
    """A published BEATs checkpoint (``{"cfg": dict, "model": state dict}``) as a model in eval mode.

    The file is read with ``torch.load(weights_only=True)``: nothing but tensors and plain containers
    is unpickled. A file that needs more, or cannot be read, raises
    :class:`~aadbench.errors.WeightsUnavailableError`. A checkpoint without ``cfg`` gets the default
    config; a ``predictor`` in its state dict makes it a fine-tuned model with as many classes.
    """
    path = Path(path)
    if not path.is_file():
        raise WeightsUnavailableError(f"the BEATs checkpoint {path} does not exist")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError when weights_only refuses; RuntimeError for a broken file
        raise WeightsUnavailableError(
            f"the BEATs checkpoint {path} cannot be read safely with torch.load(weights_only=True): {exc}. "
            "Save its cfg dict and state dict alone: torch.save({'cfg': cfg, 'model': state_dict}, file)"
        ) from None
    state = checkpoint.get("model", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsUnavailableError(f"the BEATs checkpoint {path} holds no state dict (under 'model')")
    raw_cfg = checkpoint.get("cfg") if state is not checkpoint else None
    if raw_cfg is not None and not isinstance(raw_cfg, Mapping):
        raise WeightsUnavailableError(f"the BEATs checkpoint {path} has a 'cfg' that is not a dict")
    cfg = BEATsConfig.from_dict(raw_cfg or {})
    predictor = state.get("predictor.weight")
    if isinstance(predictor, torch.Tensor) and not cfg.finetuned_model:
        cfg = replace(cfg, finetuned_model=True, predictor_class=int(predictor.shape[0]))
    model = BEATs(cfg)
    try:
        load_checkpoint_state(model, state)
    except ValueError as exc:
        raise WeightsUnavailableError(f"the BEATs checkpoint {path}: {exc}") from None
    return model.eval(), cfg
