import keras
import numpy as np
import pytest

from digitstudy.config import load_profile
from digitstudy.experiments.problem1 import (
    frame_pairs,
    last_pairs,
    mean_vectors,
    median_cosine,
    pad_flatten,
    pair_latent_means,
    utterance_embeddings,
)
from digitstudy.models.autoencoders import (
    build_dense_autoencoder,
    build_merger,
    build_pair_autoencoder,
    dead_units,
)
from digitstudy.models.mlp import build_mlp

P1 = load_profile("paper").p1


def dense_units(model):
    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def test_baseline_mlp_has_the_study_layers():
    model = build_mlp(13, P1.baseline.classifier)
    assert model.input_shape == (None, 13)
    assert dense_units(model) == [256, 128, 64, 32, 10]
    drops = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert drops == [0.3] * 4
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert model.layers[-1].activation.__name__ == "softmax"


def test_improved_mlp_has_batch_norm_and_dropout_0_2():
    model = build_mlp(32, P1.utterance.classifier)
    assert dense_units(model) == [512, 256, 128, 64, 10]
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers) == 4
    assert [layer.rate for layer in model.layers if isinstance(layer,
                                                               keras.layers.Dropout)] == [0.2] * 4


def test_dense_autoencoder_shape_and_l2():
    ae, enc = build_dense_autoencoder(1300, 256, 300, 1e-3)
    assert dense_units(ae) == [256, 300, 256, 1300]
    assert enc.output_shape == (None, 300)
    assert all(layer.kernel_regularizer is not None for layer in ae.layers if isinstance(layer,
                                                                                         keras.layers.Dense))


def regularised(model) -> set[str]:
    return {layer.name for layer in model.layers
            if isinstance(layer, keras.layers.Dense) and layer.kernel_regularizer is not None}


@pytest.mark.parametrize(("scope", "layers"), [
    ("all", {"enc_hidden", "bottleneck", "dec_hidden", "reconstruction"}),
    ("hidden", {"enc_hidden", "bottleneck", "dec_hidden"}),
    ("none", set()),
])
def test_l2_scope_names_the_layers_that_carry_the_penalty(scope, layers):
    ae, _ = build_dense_autoencoder(40, 8, 4, 1e-3, l2_scope=scope)
    assert regularised(ae) == layers
    x = np.ones((2, 40), dtype=np.float32)
    ae(x)
    assert len(ae.losses) == len(layers)  # one penalty term per regularised kernel


def test_zero_l2_and_unknown_scope():
    ae, _ = build_dense_autoencoder(40, 8, 4, 0.0, l2_scope="all")
    assert regularised(ae) == set()
    with pytest.raises(ValueError, match="l2_scope 'outer'"):
        build_dense_autoencoder(40, 8, 4, 1e-3, l2_scope="outer")


def test_dead_units_are_the_codes_zero_for_every_input():
    codes = np.array([[0.0, 1.0, 0.0, 0.0],
                      [0.0, 0.0, 2.0, 0.0],
                      [0.0, 3.0, 0.0, 0.0]])
    assert dead_units(codes) == 2  # units 0 and 3
    assert dead_units(np.zeros((5, 7))) == 7
    assert dead_units(np.ones((1, 3))) == 0


def test_dead_units_of_a_relu_layer_with_negative_bias_are_counted():
    ae, enc = build_dense_autoencoder(6, 4, 3, 0.0)
    bottleneck = enc.get_layer("bottleneck")
    kernel, bias = bottleneck.get_weights()
    bias[:2] = -1e3  # two units can never fire on these inputs
    bottleneck.set_weights([kernel, bias])
    x = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    assert dead_units(enc.predict(x, verbose=0)) >= 2


def test_diagnostic_embeddings_last_pair_and_pair_mean():
    seqs = [np.arange(6, dtype=np.float32).reshape(3, 2), np.array([[7.0, 8.0]], dtype=np.float32)]
    np.testing.assert_array_equal(last_pairs(seqs), [[2, 3, 4, 5], [7, 8, 7, 8]])
    means = pair_latent_means(seqs, lambda pairs: pairs[:, :1] * 10)  # "latent" = 10 * first value
    np.testing.assert_allclose(means, [[(0 + 2) * 10 / 2], [70]])
    a = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    assert median_cosine(a, a) == pytest.approx(1.0)
    assert median_cosine(a, -a) == pytest.approx(-1.0)


def test_pair_autoencoder_and_merger_sizes():
    ae, enc = build_pair_autoencoder(13, 128, 32)
    assert ae.input_shape == (None, 26) and dense_units(ae) == [128, 32, 128, 26]
    merger = build_merger(32, 13, 64)
    assert dense_units(merger) == [64, 32]
    assert [tuple(i.shape) for i in merger.inputs] == [(None, 32), (None, 13)]


def test_feature_helpers():
    seqs = [np.ones((3, 2)), 2 * np.ones((1, 2))]
    np.testing.assert_array_equal(mean_vectors(seqs), [[1, 1], [2, 2]])
    flat = pad_flatten(seqs, 4)
    assert flat.shape == (2, 8) and flat[1, 2:].sum() == 0
    pairs = frame_pairs([np.arange(6).reshape(3, 2), np.array([[7, 8]])])
    np.testing.assert_array_equal(pairs, [[0, 1, 2, 3], [2, 3, 4, 5], [7, 8, 7, 8]])


def test_chained_embedding_equals_the_frame_by_frame_definition():
    keras.utils.set_random_seed(0)
    _, enc = build_pair_autoencoder(3, 8, 4)
    merger = build_merger(4, 3, 8)
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 3)).astype(np.float32) for n in (1, 2, 5)]
    got = utterance_embeddings(seqs, enc, merger)

    def manual(s):
        if len(s) < 2:
            s = np.concatenate([s, s])
        z = keras.ops.convert_to_numpy(enc(np.concatenate([s[0], s[1]])[None]))
        for t in range(2, len(s)):
            z = keras.ops.convert_to_numpy(merger([z, s[t][None]]))
        return z[0]

    np.testing.assert_allclose(got, np.stack([manual(s) for s in seqs]), atol=1e-5)
