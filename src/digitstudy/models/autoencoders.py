"""Autoencoders of Problem 1 (study 1.2 and 1.3).

The study does not name the bottleneck activation; ReLU is used (the common Keras idiom
the study's code follows). Decoders end linearly because their targets are z-scored.
"""

from __future__ import annotations

import keras
from keras import layers, regularizers


def build_dense_autoencoder(input_dim: int, hidden: int, bottleneck: int, l2: float,
                            name: str = "autoencoder") -> tuple[keras.Model, keras.Model]:
    """in -> hidden -> bottleneck -> hidden -> in, L2 on every Dense; (autoencoder, encoder)."""
    reg = regularizers.l2(l2) if l2 else None
    inputs = keras.Input((input_dim,), name="flattened_mfcc")
    h = layers.Dense(hidden, activation="relu", kernel_regularizer=reg, name="enc_hidden")(inputs)
    code = layers.Dense(bottleneck, activation="relu", kernel_regularizer=reg, name="bottleneck")(h)
    h = layers.Dense(hidden, activation="relu", kernel_regularizer=reg, name="dec_hidden")(code)
    out = layers.Dense(input_dim, kernel_regularizer=reg, name="reconstruction")(h)
    return keras.Model(inputs, out, name=name), keras.Model(inputs, code, name=f"{name}_encoder")


def build_pair_autoencoder(frame_dim: int, hidden: int, latent: int) -> tuple[keras.Model, keras.Model]:
    """Two concatenated frames (2*frame_dim) -> hidden -> latent -> hidden -> 2*frame_dim."""
    return build_dense_autoencoder(2 * frame_dim, hidden, latent, l2=0.0, name="pair_autoencoder")


def build_merger(latent: int, frame_dim: int, hidden: int) -> keras.Model:
    """(previous latent, next frame) -> hidden ReLU -> next latent (linear)."""
    prev = keras.Input((latent,), name="previous_latent")
    frame = keras.Input((frame_dim,), name="next_frame")
    x = layers.Concatenate(name="concat")([prev, frame])
    x = layers.Dense(hidden, activation="relu", name="merger_hidden")(x)
    out = layers.Dense(latent, name="next_latent")(x)
    return keras.Model([prev, frame], out, name="merger")
