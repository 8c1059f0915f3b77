"""Autoencoders of Problem 1 (study 1.2 and 1.3).

The study does not name the bottleneck activation; ReLU is used (the common Keras idiom
the study's code follows). Decoders end linearly because their targets are z-scored.

"L2 regularization (weight decay of 0.001) is applied to the dense layers" (1.2.1) is
ambiguous; :data:`L2_LAYERS` names the layers each reading penalises. ``all`` (the literal
reading) includes the hidden x input reconstruction layer, whose penalty dominates the MSE
of mostly-padding inputs; ``hidden`` penalises the three ReLU layers only.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, regularizers

DENSE_LAYERS = ("enc_hidden", "bottleneck", "dec_hidden", "reconstruction")
L2_LAYERS: dict[str, tuple[str, ...]] = {
    "all": DENSE_LAYERS,
    "hidden": DENSE_LAYERS[:3],
    "none": (),
}


def build_dense_autoencoder(input_dim: int, hidden: int, bottleneck: int, l2: float,
                            name: str = "autoencoder", l2_scope: str = "all",
                            ) -> tuple[keras.Model, keras.Model]:
    """in -> hidden -> bottleneck -> hidden -> in, L2 on the ``l2_scope`` layers
    (:data:`L2_LAYERS`); (autoencoder, encoder)."""
    if l2_scope not in L2_LAYERS:
        raise ValueError(f"l2_scope {l2_scope!r}: expected one of {', '.join(L2_LAYERS)}")

    def reg(layer: str):
        return regularizers.l2(l2) if l2 and layer in L2_LAYERS[l2_scope] else None

    def dense(units: int, layer: str, activation: str | None = "relu"):
        return layers.Dense(units, activation=activation, kernel_regularizer=reg(layer), name=layer)

    inputs = keras.Input((input_dim,), name="flattened_mfcc")
    code = dense(bottleneck, "bottleneck")(dense(hidden, "enc_hidden")(inputs))
    out = dense(input_dim, "reconstruction", activation=None)(dense(hidden, "dec_hidden")(code))
    return keras.Model(inputs, out, name=name), keras.Model(inputs, code, name=f"{name}_encoder")


def dead_units(codes: np.ndarray) -> int:
    """ReLU units that are exactly zero for every row of ``codes`` (n_inputs, units): they
    carry nothing to the classifier."""
    return int((np.asarray(codes).max(axis=0) <= 0).sum())


def build_pair_autoencoder(frame_dim: int, hidden: int,
                           latent: int) -> tuple[keras.Model, keras.Model]:
    """Two concatenated frames (2*frame_dim) -> hidden -> latent -> hidden -> 2*frame_dim."""
    return build_dense_autoencoder(2 * frame_dim, hidden, latent, l2=0.0, name="pair_autoencoder",
                                   l2_scope="none")


def build_merger(latent: int, frame_dim: int, hidden: int) -> keras.Model:
    """(previous latent, next frame) -> hidden ReLU -> next latent (linear)."""
    prev = keras.Input((latent,), name="previous_latent")
    frame = keras.Input((frame_dim,), name="next_frame")
    x = layers.Concatenate(name="concat")([prev, frame])
    x = layers.Dense(hidden, activation="relu", name="merger_hidden")(x)
    out = layers.Dense(latent, name="next_latent")(x)
    return keras.Model([prev, frame], out, name="merger")
