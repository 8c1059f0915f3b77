"""Grad-CAM (Selvaraju et al. 2017): where a CNN's class score comes from, as a heat map."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf


def grad_cam(model: keras.Model, images: np.ndarray, layer_name: str,
             classes: np.ndarray | None = None) -> np.ndarray:
    """Heat maps ``(N, H, W)`` in [0, 1] at the input resolution.

    The feature maps of ``layer_name`` are weighted by the spatially averaged gradient of
    the class probability (the predicted class unless ``classes`` is given), summed over
    channels, rectified, normalised per image and resized bilinearly to the input size.
    """
    grad_model = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])
    x = tf.convert_to_tensor(images, dtype=tf.float32)
    with tf.GradientTape() as tape:
        features, probs = grad_model(x, training=False)  # (N, h, w, C), (N, K)
        target = tf.argmax(probs, axis=1) if classes is None else tf.constant(classes)
        score = tf.gather(probs, target, axis=1, batch_dims=1)  # (N,)
    grads = tape.gradient(score, features)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # (N, 1, 1, C)
    cam = tf.nn.relu(tf.reduce_sum(features * weights, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, images.shape[1:3], method="bilinear")[..., 0]
    peak = tf.reduce_max(cam, axis=(1, 2), keepdims=True)
    return (cam / tf.maximum(peak, 1e-12)).numpy()
