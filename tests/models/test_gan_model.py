"""Table 4 networks: shapes, ranges, label conditioning, serialisation, offline aux weights,
and balanced labelled synthesis (no training here)."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest

from digitstudy.models import gan as G


@pytest.fixture(scope="module")
def arch(p3_profile):
    return p3_profile.p3.architecture


@pytest.fixture(scope="module")
def generator(arch):
    keras.utils.set_random_seed(0)
    return G.build_generator(arch)


def noise(n, dim, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def generate(generator, z, labels, training=False):
    return keras.ops.convert_to_numpy(
        generator([z, np.asarray(labels, np.int32).reshape(-1, 1)], training=training))


def test_generator_shape_and_range_for_each_label(generator, arch):
    z = noise(20, arch.noise_dim)
    for label in range(10):
        for training in (False, True):
            out = generate(generator, z * 50, [label] * 20, training=training)  # saturate tanh
            assert out.shape == (20, 28, 28, 1)
            assert out.min() >= -1.0 and out.max() <= 1.0
    assert generator.output_shape == (None, 28, 28, 1)


def test_generator_has_conditional_bn_after_each_transposed_conv(generator):
    names = [layer.name for layer in generator.layers]
    for block in ("up1", "up2"):
        assert names.index(f"{block}_cbn") == names.index(f"{block}_conv") + 1
        assert isinstance(generator.get_layer(f"{block}_conv"), keras.layers.Conv2DTranspose)
    assert generator.get_layer("to_image").activation.__name__ == "tanh"


def test_conditional_bn_layer_depends_on_label():
    layer = G.ConditionalBatchNorm(10)
    x = np.random.default_rng(1).standard_normal((6, 4, 4, 3)).astype(np.float32)
    a = keras.ops.convert_to_numpy(layer([x, np.zeros(6, np.int32)], training=True))
    b = keras.ops.convert_to_numpy(layer([x, np.full(6, 7, np.int32)], training=True))
    assert not np.allclose(a, b)
    gamma = keras.ops.convert_to_numpy(layer.gamma.embeddings)
    beta = keras.ops.convert_to_numpy(layer.beta.embeddings)
    normed = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + layer.epsilon)
    np.testing.assert_allclose(b, normed * gamma[7] + beta[7], rtol=1e-4, atol=1e-4)


def test_same_noise_different_labels_differ_through_conditional_bn(generator, arch):
    z = np.repeat(noise(1, arch.noise_dim), 10, axis=0)
    emb = generator.get_layer("label_embedding")
    saved = emb.get_weights()
    emb.set_weights([np.zeros_like(w) for w in saved])  # only the CBN sees the label now
    try:
        out = generate(generator, z, np.arange(10)).reshape(10, -1)
    finally:
        emb.set_weights(saved)
    assert np.abs(out[:, None] - out[None]).max(axis=-1)[~np.eye(10, dtype=bool)].min() > 1e-6


def test_generator_round_trips_through_keras_file(generator, arch, tmp_path):
    path = tmp_path / "generator.keras"
    generator.save(path)
    loaded = keras.models.load_model(path)
    z, labels = noise(5, arch.noise_dim, seed=3), np.arange(5)
    np.testing.assert_allclose(generate(loaded, z, labels), generate(generator, z, labels),
                               atol=1e-6)


def test_discriminator_gives_one_logit_per_labelled_image(arch):
    disc = G.build_discriminator(arch)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype(np.float32)
    out = keras.ops.convert_to_numpy(disc([x, np.arange(4).reshape(-1, 1)], training=False))
    assert out.shape == (4, 1)
    assert "features_label" in [layer.name for layer in disc.layers]


def test_aux_classifier_falls_back_to_random_init_offline(arch, monkeypatch, caplog):
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://example.invalid: no network (test)")

    monkeypatch.setattr(file_utils, "get_file", offline)
    offline_arch = arch.model_copy(update={"aux_base_weights": "imagenet"})
    with caplog.at_level(logging.WARNING, logger="digitstudy.models.gan"):
        model, used = G.build_aux_classifier(offline_arch)
    assert used is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "RANDOM INITIALISATION" in warnings[0]
    assert "imagenet" in warnings[0]
    logits = model(np.zeros((2, 28, 28, 1), np.float32), training=False)
    assert tuple(logits.shape) == (2, 10)
    assert model.get_layer("head_dense").units == arch.aux_dense_units
    base = next(la for la in model.layers if isinstance(la, keras.Model))
    norms = [la for la in base.layers if isinstance(la, keras.layers.BatchNormalization)]
    assert norms and all(la.momentum == arch.aux_bn_momentum for la in norms)


def test_synthesis_is_balanced_labelled_and_in_pixel_range(generator, arch):
    x, y = G.synthesize(generator, 7, seed=5)
    assert x.shape == (70, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == [7] * 10
    assert np.bincount(y[:30], minlength=10).tolist() == [3] * 10  # any prefix is balanced
    again, _ = G.synthesize(generator, 7, seed=5)
    np.testing.assert_array_equal(x, again)
    # each image is the generator's output for its own label, mapped from [-1, 1] to 0-255
    z = np.random.default_rng(5).standard_normal((70, arch.noise_dim)).astype(np.float32)
    direct = generate(generator, z[:10], y[:10])[..., 0]
    np.testing.assert_allclose(x[:10], np.clip(np.rint((direct + 1) * 127.5), 0, 255), atol=1)
