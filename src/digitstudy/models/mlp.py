"""Dense classifiers of Problem 1: the baseline MLP (1.1) and the improved MLP (1.3)."""

from __future__ import annotations

import keras
from keras import layers

from digitstudy.config.p1 import MlpConfig


def build_mlp(input_dim: int, cfg: MlpConfig, num_classes: int = 10,
              name: str = "mlp") -> keras.Model:
    """Dense(ReLU) [-> BatchNorm] -> Dropout per hidden layer, then softmax."""
    inputs = keras.Input((input_dim,), name="features")
    x = inputs
    for i, units in enumerate(cfg.hidden_units):
        x = layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        if cfg.batch_norm:
            x = layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = layers.Dropout(cfg.dropout, name=f"dropout_{i}")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=name)
