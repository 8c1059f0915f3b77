import keras
import numpy as np

from digitstudy.config import load_profile
from digitstudy.experiments.problem1 import (
    frame_pairs,
    mean_vectors,
    pad_flatten,
    utterance_embeddings,
)
from digitstudy.models.autoencoders import (
    build_dense_autoencoder,
    build_merger,
    build_pair_autoencoder,
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
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.2] * 4


def test_dense_autoencoder_shape_and_l2():
    ae, enc = build_dense_autoencoder(1300, 256, 300, 1e-3)
    assert dense_units(ae) == [256, 300, 256, 1300]
    assert enc.output_shape == (None, 300)
    assert all(layer.kernel_regularizer is not None for layer in ae.layers if isinstance(layer, keras.layers.Dense))


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
        z = enc(np.concatenate([s[0], s[1]])[None]).numpy()
        for t in range(2, len(s)):
            z = merger([z, s[t][None]]).numpy()
        return z[0]

    np.testing.assert_allclose(got, np.stack([manual(s) for s in seqs]), atol=1e-5)
