"""Grad-CAM (Selvaraju et al. 2017): where a CNN's class score comes from, as a heat map."""

from __future__ import annotations

import keras
import numpy as np


def _gradient(fn, x):
    """``fn(x) -> (scalar, aux)``: (d scalar / d x, aux), under the TensorFlow or JAX backend."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.grad(fn, has_aux=True)(x)
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            total, aux = fn(x)
        return tape.gradient(total, x), aux
    raise NotImplementedError(f"grad_cam runs under the tensorflow and jax backends, not "
                              f"{backend!r}")


def grad_cam(model: keras.Model, images: np.ndarray, layer_name: str,
             classes: np.ndarray | None = None) -> np.ndarray:
    """Heat maps ``(N, H, W)`` in [0, 1] at the input resolution.

    The feature maps of ``layer_name`` are weighted by the spatially averaged gradient of
    the class probability (the predicted class unless ``classes`` is given), summed over
    channels, rectified, normalised per image and resized bilinearly to the input size.
    """
    ops = keras.ops
    layer = model.get_layer(layer_name)
    features_model = keras.Model(model.inputs, layer.output)
    head = keras.Model(layer.output, model.output)  # the rest of the network, from the maps
    features = features_model(ops.convert_to_tensor(images, "float32"), training=False)
    probs = ops.convert_to_numpy(head(features, training=False))
    target = probs.argmax(axis=1) if classes is None else np.asarray(classes)
    onehot = ops.one_hot(ops.convert_to_tensor(target.astype(np.int32)), probs.shape[1])

    def score(f):  # the summed target-class probabilities: each image's gradient is its own
        return ops.sum(head(f, training=False) * onehot), None

    grads, _ = _gradient(score, features)  # (N, h, w, C)
    weights = ops.mean(grads, axis=(1, 2), keepdims=True)  # (N, 1, 1, C)
    cam = ops.relu(ops.sum(features * weights, axis=-1, keepdims=True))
    cam = ops.image.resize(cam, images.shape[1:3], interpolation="bilinear")[..., 0]
    peak = ops.max(cam, axis=(1, 2), keepdims=True)
    return ops.convert_to_numpy(cam / ops.maximum(peak, 1e-12))
