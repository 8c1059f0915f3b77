"""One CNN builder for every Problem 4 model: conv stages, optional attention, dense head.

Part A (ReducedMNIST, study Tables 7-8) and Part B (spectrogram images, Table 11) differ
only in their :class:`~digitstudy.config.p4_models.CnnSpec`; the named specs are in
:mod:`digitstudy.config.p4_models` (TensorFlow-free, so the profile can check model names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
from keras import layers, regularizers

from digitstudy.config.p4_models import MNIST_MODELS, SPEECH_MODELS, CnnSpec
from digitstudy.models.attention import (
    CBAM,
    AttentionBlock,
    ChannelAttention,
    PatchSelfAttention,
    SpatialAttention,
)


@dataclass(frozen=True)
class BlockSettings:
    """Profile settings of the blocks (``p4a`` / ``p4b``): CBAM's channel-gate pooling,
    ``("avg",)`` = the study's text (default), ``("avg", "max")`` = Woo et al."""

    cbam_pooling: tuple[str, ...] = ("avg",)


# The blocks as the study configures them (sections 5.2.2 and 6.2). Self-attention: the
# study lists MHA -> LayerNorm ("self", its Table 10 row); "self_add_norm" normalises
# tokens + MHA (the Transformer's add & norm), a labelled variant: on the paper protocol the
# literal form learned on one seed of three (0.947) and stayed at chance on two (loss ln 10
# from epoch 1), the add & norm form reached 0.975 +/- 0.004; the study reports 0.982
# (docs/paper-runs.md).
BLOCKS: dict[str, Callable[[str, BlockSettings], AttentionBlock]] = {
    "spatial": lambda name, _: SpatialAttention(kernel_size=1, name=name),
    "self": lambda name, _: PatchSelfAttention(num_heads=4, key_dim=64, residual=False,
                                               name=name),
    "self_add_norm": lambda name, _: PatchSelfAttention(num_heads=4, key_dim=64, residual=True,
                                                        name=name),
    "cbam": lambda name, s: CBAM(reduction=8, kernel_size=7, pooling=s.cbam_pooling, name=name),
    "se": lambda name, _: ChannelAttention(reduction=8, pooling=("avg",), name=name),
    "channel_ln": lambda name, _: ChannelAttention(reduction=8, pooling=("avg",),
                                                   layer_norm=True, name=name),
}


def build_cnn(spec: CnnSpec, input_shape: tuple[int, int, int], *, name: str,
              num_classes: int = 10, input_noise: float = 0.0,
              blocks: BlockSettings = BlockSettings()) -> keras.Model:
    """The functional model of ``spec``; layer names: conv{i}, attention{i}_{block}, ...

    ``input_noise`` > 0 adds GaussianNoise(std) on the input, active in training only.
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.GaussianNoise(input_noise, name="train_noise")(inputs) if input_noise else inputs
    for i, stage in enumerate(spec.stages, start=1):
        x = layers.Conv2D(stage.filters, stage.kernel, activation="relu", name=f"conv{i}")(x)
        if stage.batch_norm:
            x = layers.BatchNormalization(name=f"bn{i}")(x)
        pool = layers.MaxPooling2D if stage.pool == "max" else layers.AveragePooling2D
        if stage.attend == "after_pool":
            x = pool(2, name=f"pool{i}")(x)
        if stage.attention is not None:
            if stage.attention not in BLOCKS:
                raise ValueError(f"stage {i}: unknown attention block {stage.attention!r}; "
                                 f"known: {sorted(BLOCKS)}")
            x = BLOCKS[stage.attention](f"attention{i}_{stage.attention}", blocks)(x)
            if stage.dropout:
                x = layers.Dropout(stage.dropout, name=f"attention{i}_dropout")(x)
        if stage.attend == "before_pool":
            x = pool(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    dropouts = spec.dense_dropout or (0.0,) * len(spec.dense)
    if len(dropouts) != len(spec.dense):
        raise ValueError(f"dense_dropout {spec.dense_dropout} must match dense {spec.dense}")
    reg = regularizers.L2(spec.l2) if spec.l2 else None
    for j, (units, rate) in enumerate(zip(spec.dense, dropouts, strict=True), start=1):
        x = layers.Dense(units, activation="relu", kernel_regularizer=reg, name=f"dense{j}")(x)
        if rate:
            x = layers.Dropout(rate, name=f"dense{j}_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=name)


def build_named(name: str, input_shape: tuple[int, int, int], *, input_noise: float = 0.0,
                blocks: BlockSettings = BlockSettings()) -> keras.Model:
    """A study model by its profile name (Part A or Part B)."""
    spec = MNIST_MODELS.get(name) or SPEECH_MODELS.get(name)
    if spec is None:
        raise KeyError(f"unknown attention-study model {name!r}; known: "
                       f"{sorted(MNIST_MODELS) + sorted(SPEECH_MODELS)}")
    return build_cnn(spec, input_shape, name=name, input_noise=input_noise, blocks=blocks)


def last_conv_layer(model: keras.Model) -> str:
    """Name of the model's last Conv2D (the Grad-CAM target)."""
    convs = [layer.name for layer in model.layers if isinstance(layer, layers.Conv2D)]
    if not convs:
        raise ValueError(f"model {model.name} has no Conv2D layer")
    return convs[-1]
