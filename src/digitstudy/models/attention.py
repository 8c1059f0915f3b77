"""Attention blocks of the study's Problem 4 (sections 5 and 6), as reusable Keras layers.

Every block maps a feature map ``(B, H, W, C)`` to a refined map of the same shape and,
called with ``return_attention=True``, also returns its attention weights as a dict of
named tensors (so maps can be drawn):

- :class:`SpatialAttention`: a sigmoid map over positions, ``{"spatial": (B, H, W, 1)}``;
  the study's block (Conv2D(1, 1x1, sigmoid), section 5.2.2) and CBAM's spatial gate.
- :class:`ChannelAttention`: a sigmoid weight per channel, ``{"channel": (B, C)}``; SE
  (Hu et al. 2018), CBAM's channel gate and the study's "hybrid" block (with LayerNorm).
- :class:`CBAM`: channel then spatial attention (Woo et al. 2018, arXiv:1807.06521).
- :class:`PatchSelfAttention`: multi-head self-attention over the H*W positions as
  tokens, ``{"patches": (B, heads, H*W, H*W)}`` (softmax rows).

:func:`attention_weights` reads the weights of every block of a built model for a batch.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

PACKAGE = "digitstudy"


class AttentionBlock(layers.Layer):
    """Base of the blocks: shape-preserving, weights returned on request."""

    def call(self, inputs, return_attention: bool = False):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package=PACKAGE)
class SpatialAttention(AttentionBlock):
    """A ``(H, W)`` sigmoid map multiplied into every channel.

    ``kernel_size=1, pool_channels=False`` is the study's spatial-attention block
    (Conv2D(1, 1x1, sigmoid) over the features, section 5.2.2); ``kernel_size=7,
    pool_channels=True`` is CBAM's spatial gate, whose convolution sees the channel-wise
    average and max maps (Woo et al. 2018, eq. 3).
    """

    def __init__(self, kernel_size: int = 1, pool_channels: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = kernel_size
        self.pool_channels = pool_channels
        self.conv = layers.Conv2D(1, kernel_size, padding="same", activation="sigmoid",
                                  name="conv")

    def build(self, input_shape):
        # conv input: (B, H, W, 2) = [mean_c; max_c] for CBAM, else the features (B, H, W, C)
        self.conv.build((*input_shape[:-1], 2 if self.pool_channels else input_shape[-1]))

    def attention_map(self, inputs):
        x = inputs
        if self.pool_channels:
            x = ops.concatenate([ops.mean(x, axis=-1, keepdims=True),
                                 ops.max(x, axis=-1, keepdims=True)], axis=-1)
        return self.conv(x)  # (B, H, W, 1) in [0, 1]

    def call(self, inputs, return_attention: bool = False):
        weights = self.attention_map(inputs)
        outputs = inputs * weights  # (B, H, W, C), broadcast over channels
        return (outputs, {"spatial": weights}) if return_attention else outputs

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size,
                "pool_channels": self.pool_channels}


@keras.saving.register_keras_serializable(package=PACKAGE)
class ChannelAttention(AttentionBlock):
    """A sigmoid weight per channel from pooled descriptors through a shared 2-layer MLP.

    - ``pooling=("avg",)``: Squeeze-and-Excitation (Hu et al. 2018): global average pool,
      Dense(C // reduction, ReLU), Dense(C, sigmoid), scale (the study: 4 units for 32
      channels, section 5.2.2);
    - ``pooling=("avg", "max")``: CBAM's channel gate: the MLP is shared by the average-
      and max-pooled descriptors, their outputs summed before the sigmoid (Woo et al.
      2018, eq. 2);
    - ``layer_norm=True``: the study's "hybrid" channel attention (section 6.2), which
      layer-normalises the reweighted features.

    The hidden width is ``max(1, C // reduction)`` (6 channels still get one unit).
    """

    POOLS = ("avg", "max")

    def __init__(self, reduction: int = 8, pooling: tuple[str, ...] | list[str] = ("avg",),
                 layer_norm: bool = False, **kwargs):
        super().__init__(**kwargs)
        pooling = tuple(pooling)
        bad = [p for p in pooling if p not in self.POOLS]
        if not pooling or bad:
            raise ValueError(f"ChannelAttention pooling must be a non-empty subset of "
                             f"{self.POOLS}, got {pooling}")
        if reduction < 1:
            raise ValueError(f"ChannelAttention reduction must be >= 1, got {reduction}")
        self.reduction = reduction
        self.pooling = pooling
        self.layer_norm = layer_norm
        self.norm = layers.LayerNormalization(name="norm") if layer_norm else None

    def build(self, input_shape):
        channels = int(input_shape[-1])
        self.squeeze = layers.Dense(max(1, channels // self.reduction), activation="relu",
                                    name="squeeze")
        self.excite = layers.Dense(channels, name="excite")
        self.squeeze.build((None, channels))
        self.excite.build((None, self.squeeze.units))
        if self.norm is not None:
            self.norm.build(input_shape)

    def channel_weights(self, inputs):
        pooled = {"avg": ops.mean, "max": ops.max}
        logits = [self.excite(self.squeeze(pooled[p](inputs, axis=(1, 2))))  # (B, C) each
                  for p in self.pooling]
        return ops.sigmoid(sum(logits[1:], logits[0]))  # (B, C) in [0, 1]

    def call(self, inputs, return_attention: bool = False):
        weights = self.channel_weights(inputs)
        outputs = inputs * weights[:, None, None, :]  # (B, H, W, C)
        if self.norm is not None:
            outputs = self.norm(outputs)
        return (outputs, {"channel": weights}) if return_attention else outputs

    def get_config(self):
        return {**super().get_config(), "reduction": self.reduction,
                "pooling": list(self.pooling), "layer_norm": self.layer_norm}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CBAM(AttentionBlock):
    """Convolutional Block Attention Module (Woo et al. 2018, arXiv:1807.06521).

    Channel attention (shared MLP over the pooled descriptors, sigmoid) followed by
    spatial attention (a ``kernel_size`` conv over the channel-average and channel-max
    maps, sigmoid); the study's block after conv block 1 (section 5.2.2) and in both
    blocks of the spectrogram CNN (section 6.2). ``pooling``: the channel gate's
    descriptors, ``("avg", "max")`` as in Woo et al. (eq. 2); the study's text names only
    global average pooling (sections 5.2.2 and 6.2.2), ``("avg",)``.
    """

    def __init__(self, reduction: int = 8, kernel_size: int = 7,
                 pooling: tuple[str, ...] | list[str] = ("avg", "max"), **kwargs):
        super().__init__(**kwargs)
        self.reduction = reduction
        self.kernel_size = kernel_size
        self.pooling = tuple(pooling)
        self.channel = ChannelAttention(reduction, pooling=self.pooling, name="channel")
        self.spatial = SpatialAttention(kernel_size, pool_channels=True, name="spatial")

    def build(self, input_shape):
        self.channel.build(input_shape)
        self.spatial.build(input_shape)

    def call(self, inputs, return_attention: bool = False):
        refined, channel = self.channel(inputs, return_attention=True)
        outputs, spatial = self.spatial(refined, return_attention=True)
        return (outputs, {**channel, **spatial}) if return_attention else outputs

    def get_config(self):
        return {**super().get_config(), "reduction": self.reduction,
                "kernel_size": self.kernel_size, "pooling": list(self.pooling)}


@keras.saving.register_keras_serializable(package=PACKAGE)
class PatchSelfAttention(AttentionBlock):
    """Self-attention between the H*W positions (patches) of a feature map.

    The study's block after conv block 2 (section 5.2.2): reshape (H, W, C) to (H*W, C)
    tokens, MultiHeadAttention(4 heads, key_dim 64) with the tokens as query, key and
    value, LayerNormalization; the result is reshaped back to (H, W, C).
    ``residual=True`` normalises ``tokens + attention`` (the Transformer's "add & norm")
    instead of the attention output alone.
    """

    def __init__(self, num_heads: int = 4, key_dim: int = 64, residual: bool = False,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.residual = residual
        self.mha = layers.MultiHeadAttention(num_heads, key_dim, name="mha")
        self.norm = layers.LayerNormalization(name="norm")

    def build(self, input_shape):
        _, height, width, channels = input_shape
        self.grid = (int(height), int(width), int(channels))
        tokens = (None, self.grid[0] * self.grid[1], self.grid[2])  # (B, H*W, C)
        self.mha.build(tokens, tokens)
        self.norm.build(tokens)

    def call(self, inputs, return_attention: bool = False):
        height, width, channels = self.grid
        tokens = ops.reshape(inputs, (-1, height * width, channels))
        attended, scores = self.mha(tokens, tokens, return_attention_scores=True)
        mixed = tokens + attended if self.residual else attended  # (B, H*W, C)
        outputs = ops.reshape(self.norm(mixed), (-1, height, width, channels))
        # scores: (B, heads, H*W queries, H*W keys), each row a softmax
        return (outputs, {"patches": scores}) if return_attention else outputs

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "residual": self.residual}


def attention_blocks(model: keras.Model) -> list[AttentionBlock]:
    """The model's attention blocks, in graph order."""
    return [layer for layer in model.layers if isinstance(layer, AttentionBlock)]


def attention_weights(model: keras.Model, x: np.ndarray,
                      batch_size: int = 64) -> dict[str, dict[str, np.ndarray]]:
    """``{block name: {weight name: array}}`` of every attention block for inputs ``x``.

    The features entering each block come from a probe model sharing the trained layers
    (inference mode); each block is then called on them with ``return_attention=True``.
    """
    blocks = attention_blocks(model)
    if not blocks:
        return {}
    probe = keras.Model(model.inputs, [block.input for block in blocks])
    features = probe.predict(x, batch_size=batch_size, verbose=0)
    if len(blocks) == 1:
        features = [features]
    out: dict[str, dict[str, np.ndarray]] = {}
    for block, feats in zip(blocks, features, strict=True):
        _, weights = block(feats, return_attention=True)
        out[block.name] = {k: ops.convert_to_numpy(v) for k, v in weights.items()}
    return out
