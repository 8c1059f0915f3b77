"""Attention blocks: shape-preserving, weights in [0, 1] of the right shape, serialisable."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from digitstudy.models.attention import (
    CBAM,
    AttentionBlock,
    ChannelAttention,
    PatchSelfAttention,
    SpatialAttention,
)

SHAPE = (3, 6, 5, 16)  # non-square on purpose

# block, expected {weight name: shape}
CASES = {
    "spatial": (lambda: SpatialAttention(kernel_size=1), {"spatial": (3, 6, 5, 1)}),
    "cbam_spatial_gate": (lambda: SpatialAttention(kernel_size=7, pool_channels=True),
                          {"spatial": (3, 6, 5, 1)}),
    "se": (lambda: ChannelAttention(reduction=8, pooling=("avg",)), {"channel": (3, 16)}),
    "cbam_channel_gate": (lambda: ChannelAttention(pooling=("avg", "max")), {"channel": (3, 16)}),
    "hybrid": (lambda: ChannelAttention(pooling=("avg",), layer_norm=True), {"channel": (3, 16)}),
    "cbam": (lambda: CBAM(reduction=8, kernel_size=7),
             {"channel": (3, 16), "spatial": (3, 6, 5, 1)}),
    "self": (lambda: PatchSelfAttention(num_heads=4, key_dim=8), {"patches": (3, 4, 30, 30)}),
    "self_add_norm": (lambda: PatchSelfAttention(num_heads=2, key_dim=8, residual=True),
                      {"patches": (3, 2, 30, 30)}),
}


@pytest.fixture(scope="module")
def features():
    return np.random.default_rng(0).normal(size=SHAPE).astype("float32")


@pytest.mark.parametrize("case", sorted(CASES))
def test_block_keeps_shape_and_returns_weights_in_unit_interval(case, features):
    make, expected = CASES[case]
    block = make()
    out = block(features)
    assert tuple(out.shape) == SHAPE
    out2, weights = block(features, return_attention=True)
    np.testing.assert_allclose(np.asarray(out2), np.asarray(out), rtol=1e-5, atol=1e-6)
    assert {k: tuple(v.shape) for k, v in weights.items()} == expected
    for w in weights.values():
        w = np.asarray(w)
        assert w.min() >= 0.0 and w.max() <= 1.0


def test_self_attention_rows_are_softmax(features):
    _, weights = PatchSelfAttention(num_heads=4, key_dim=8)(features, return_attention=True)
    np.testing.assert_allclose(np.asarray(weights["patches"]).sum(axis=-1), 1.0, rtol=1e-5)


def test_spatial_and_channel_attention_scale_the_features(features):
    block = SpatialAttention(kernel_size=1)
    out, w = block(features, return_attention=True)
    np.testing.assert_allclose(np.asarray(out), features * np.asarray(w["spatial"]), rtol=1e-5)
    se = ChannelAttention(pooling=("avg",))
    out, w = se(features, return_attention=True)
    np.testing.assert_allclose(np.asarray(out),
                               features * np.asarray(w["channel"])[:, None, None, :],
                               rtol=1e-5)


def test_se_hidden_width_follows_the_reduction():
    se = ChannelAttention(reduction=8, pooling=("avg",))
    se.build((None, 13, 13, 32))
    assert se.squeeze.units == 4 and se.excite.units == 32  # the study's Dense(4) -> Dense(32)
    tiny = ChannelAttention(reduction=8)
    tiny.build((None, 9, 9, 6))
    assert tiny.squeeze.units == 1


@pytest.mark.parametrize("case", sorted(CASES))
def test_blocks_serialise(case, features):
    block = CASES[case][0]()
    block(features)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(block))
    assert type(clone) is type(block) and isinstance(clone, AttentionBlock)
    assert clone.get_config() == block.get_config()


def test_bad_channel_attention_arguments_are_errors():
    with pytest.raises(ValueError, match="pooling"):
        ChannelAttention(pooling=("avg", "median"))
    with pytest.raises(ValueError, match="reduction"):
        ChannelAttention(reduction=0)


@pytest.mark.parametrize("pooling, same", [(("avg",), True), (("avg", "max"), False)])
def test_cbam_channel_gate_sees_only_its_pooled_descriptors(pooling, same):
    """Two maps with equal channel means but different channel maxima: the study's
    avg-only gate weighs them alike, Woo et al.'s avg + max gate does not."""
    rng = np.random.default_rng(3)
    peaked = rng.normal(size=(1, 4, 4, 8)).astype("float32")
    flat = np.broadcast_to(peaked.mean(axis=(1, 2), keepdims=True), peaked.shape).copy()
    keras.utils.set_random_seed(3)  # the gate's MLP weights (a dead ReLU would give 0.5 everywhere)
    block = CBAM(reduction=2, kernel_size=3, pooling=pooling)
    weights = [np.asarray(block(x, return_attention=True)[1]["channel"]) for x in (peaked, flat)]
    assert not np.allclose(weights[0], 0.5, atol=1e-3), "degenerate gate: the test shows nothing"
    assert np.allclose(*weights, atol=1e-6) == same
    assert block.get_config()["pooling"] == list(pooling)
