"""The study's Problem 4 models: parameter structure, block placement, save/reload."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from digitstudy.config.p4 import MNIST_MODEL_NAMES, SPEECH_MODEL_NAMES
from digitstudy.models.attention import attention_weights
from digitstudy.models.attention_cnn import (
    MNIST_MODELS,
    SPEECH_MODELS,
    BlockSettings,
    build_named,
)
from digitstudy.models.gradcam import grad_cam

MNIST = (28, 28, 1)
SPEECH = (128, 128, 3)


def weight_shapes(model: keras.Model) -> list[tuple[int, ...]]:
    return sorted(tuple(w.shape) for w in model.weights)


def added_shapes(model: keras.Model, base: keras.Model) -> list[tuple[int, ...]]:
    rest = weight_shapes(base)
    extra = []
    for shape in weight_shapes(model):
        if shape in rest:
            rest.remove(shape)
        else:
            extra.append(shape)
    assert not rest, f"{model.name} lost weights of shapes {rest}"
    return sorted(extra)


def test_registry_matches_the_profile_names():
    assert tuple(MNIST_MODELS) == MNIST_MODEL_NAMES
    assert tuple(SPEECH_MODELS) == SPEECH_MODEL_NAMES


def test_base_cnn_is_the_study_architecture():
    model = build_named("base_cnn", MNIST)
    assert model.get_layer("flatten").output.shape[-1] == 1600  # 5x5x64
    assert model.count_params() == 225_034  # "approximately 200,000"
    assert model.get_layer("dense1_dropout").rate == 0.3


@pytest.mark.parametrize("name, extra", [
    ("spatial_attention", [(1,), (1, 1, 32, 1)]),  # Conv2D(1, 1x1) over 32 channels
    ("se", [(4,), (4, 32), (32,), (32, 4)]),  # Dense(4) + Dense(32) only
    ("cbam", [(1,), (4,), (4, 32), (7, 7, 2, 1), (32,), (32, 4)]),  # shared MLP + 7x7 conv
    ("self_attention", sorted([(64, 4, 64)] * 3 + [(4, 64)] * 3 + [(4, 64, 64), (64,)]
                              + [(64,), (64,)])),  # MHA(4 heads, key 64) + LayerNorm
    ("self_attention_add_norm", sorted([(64, 4, 64)] * 3 + [(4, 64)] * 3 + [(4, 64, 64), (64,)]
                                       + [(64,), (64,)])),  # the same weights, one more add
])
def test_mnist_attention_models_add_only_their_block(name, extra):
    base = build_named("base_cnn", MNIST)
    assert added_shapes(build_named(name, MNIST), base) == sorted(extra)


@pytest.mark.parametrize("name, block, features", [
    ("spatial_attention", "attention1_spatial", (13, 13, 32)),
    ("cbam", "attention1_cbam", (13, 13, 32)),
    ("se", "attention1_se", (13, 13, 32)),
    ("self_attention", "attention2_self", (5, 5, 64)),
    ("self_attention_add_norm", "attention2_self_add_norm", (5, 5, 64)),
])
def test_mnist_blocks_sit_where_the_study_puts_them(name, block, features):
    model = build_named(name, MNIST)
    assert tuple(model.get_layer(block).input.shape[1:]) == features


def test_study_self_attention_is_literal_and_add_norm_is_the_variant():
    """The study's row: MHA -> LayerNorm (no residual); the variant: LayerNorm(x + MHA(x))."""
    assert not build_named("self_attention", MNIST).get_layer("attention2_self").residual
    variant = build_named("self_attention_add_norm", MNIST)
    assert variant.get_layer("attention2_self_add_norm").residual


@pytest.mark.parametrize("name, block", [("cbam", "attention1_cbam"),
                                         ("cnn_with_cbam", "attention2_cbam")])
def test_cbam_channel_pooling_follows_the_setting(name, block):
    shape = MNIST if name == "cbam" else SPEECH
    assert build_named(name, shape).get_layer(block).channel.pooling == ("avg",)  # the study
    woo = build_named(name, shape, blocks=BlockSettings(cbam_pooling=("avg", "max")))
    assert woo.get_layer(block).channel.pooling == ("avg", "max")


def test_speech_models_match_table_11():
    base = build_named("baseline_lenet", SPEECH)
    assert base.get_layer("flatten").output.shape[-1] == 13_456
    assert base.count_params() == 1_628_726  # "~1.62M"
    cbam = build_named("cnn_with_cbam", SPEECH)
    assert tuple(cbam.get_layer("attention1_cbam").input.shape[1:]) == (124, 124, 6)  # pre-pool
    assert tuple(cbam.get_layer("attention2_cbam").input.shape[1:]) == (58, 58, 16)
    assert {"bn1", "bn2"} <= {layer.name for layer in cbam.layers}
    assert abs(cbam.count_params() - 1_630_000) < 5_000  # "~1.63M"
    hybrid = build_named("hybrid_channel_attention", SPEECH, input_noise=0.02)
    assert hybrid.get_layer("attention1_dropout").rate == 0.1
    assert hybrid.get_layer("dense1_dropout").rate == 0.5
    assert hybrid.get_layer("dense2").kernel_regularizer.l2 == pytest.approx(1e-3)
    assert hybrid.get_layer("train_noise").stddev == 0.02
    assert abs(hybrid.count_params() - 1_629_144) < 500  # the study's summary


def test_training_noise_is_off_at_inference():
    model = build_named("hybrid_channel_attention", SPEECH, input_noise=0.5)
    x = np.random.default_rng(0).random((2, *SPEECH), dtype=np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not np.allclose(model(x, training=True), model(x, training=False))


@pytest.mark.parametrize("name", ["cbam", "self_attention", "self_attention_add_norm"])
def test_model_with_a_block_saves_and_reloads(name, tmp_path):
    model = build_named(name, MNIST)
    x = np.random.default_rng(1).random((4, *MNIST), dtype=np.float32)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    clone = keras.models.load_model(path)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    before, after = attention_weights(model, x), attention_weights(clone, x)
    assert before.keys() == after.keys()
    for block in before:
        for key in before[block]:
            np.testing.assert_allclose(after[block][key], before[block][key], atol=1e-6)


def test_grad_cam_is_a_unit_map_at_input_size():
    model = build_named("baseline_lenet", SPEECH)
    x = np.random.default_rng(2).random((2, *SPEECH), dtype=np.float32)
    cams = grad_cam(model, x, "conv2")
    assert cams.shape == (2, 128, 128)
    assert cams.min() >= 0.0 and cams.max() <= 1.0 + 1e-6
