"""The CNN classifier of study Table 2, used by Problems 2 and 3."""

from __future__ import annotations

import math

import keras
from keras import layers


def _image_shape(input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(28, 28, 1) for inputs (28, 28, 1), (28, 28) or (784,)."""
    if len(input_shape) == 3:
        return tuple(input_shape)
    if len(input_shape) == 2:
        return (*input_shape, 1)
    side = math.isqrt(input_shape[0]) if len(input_shape) == 1 else 0
    if side == 0 or side * side != input_shape[0]:
        raise ValueError(f"input shape {input_shape} is neither an image nor a flat square image")
    return (side, side, 1)


def build_table2_cnn(input_shape: tuple[int, ...] = (28, 28, 1), num_classes: int = 10,
                     name: str = "table2_cnn") -> keras.Model:
    """Table 2, uncompiled: Reshape(28, 28, 1) - Conv(32, 3x3, ReLU) - MaxPool 2 -
    Conv(64, 3x3, ReLU) - MaxPool 2 - Flatten - Dense(128, ReLU) - Dropout(0.5) -
    Dense(10, softmax)."""
    return keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape), name="image"),
            layers.Reshape(_image_shape(tuple(input_shape)), name="reshape"),
            layers.Conv2D(32, (3, 3), activation="relu", name="conv_32"),
            layers.MaxPooling2D((2, 2), name="pool_1"),
            layers.Conv2D(64, (3, 3), activation="relu", name="conv_64"),
            layers.MaxPooling2D((2, 2), name="pool_2"),
            layers.Flatten(name="flatten"),
            layers.Dense(128, activation="relu", name="dense_128"),
            layers.Dropout(0.5, name="dropout"),
            layers.Dense(num_classes, activation="softmax", name="softmax"),
        ],
        name=name,
    )
