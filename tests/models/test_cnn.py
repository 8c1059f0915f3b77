"""The Table 2 CNN and the reusable train-and-test helper."""

from __future__ import annotations

import pytest

from digitstudy.config import TrainConfig
from digitstudy.experiments.cnn_cell import train_and_test_cnn
from digitstudy.models.cnn import build_table2_cnn


def test_layers_are_table_2():
    model = build_table2_cnn()
    assert not model.compiled
    summary = []
    for layer in model.layers:
        cfg = layer.get_config()
        summary.append((type(layer).__name__, cfg.get("filters") or cfg.get("units")
                        or cfg.get("rate") or cfg.get("target_shape") or cfg.get("pool_size"),
                        cfg.get("kernel_size"), cfg.get("activation")))
    assert summary == [
        ("Reshape", (28, 28, 1), None, None),
        ("Conv2D", 32, (3, 3), "relu"),
        ("MaxPooling2D", (2, 2), None, None),
        ("Conv2D", 64, (3, 3), "relu"),
        ("MaxPooling2D", (2, 2), None, None),
        ("Flatten", None, None, None),
        ("Dense", 128, None, "relu"),
        ("Dropout", 0.5, None, None),
        ("Dense", 10, None, "softmax"),
    ]
    # 320 + 18,496 + 1600 * 128 + 128 + 1,290
    assert model.count_params() == 225_034


@pytest.mark.parametrize("shape", [(28, 28), (784,)])
def test_reshape_accepts_plain_and_flat_images(shape):
    model = build_table2_cnn(input_shape=shape)
    assert model.output_shape == (None, 10) and model.count_params() == 225_034


def test_not_an_image_shape_is_an_error():
    with pytest.raises(ValueError, match=r"input shape \(783,\)"):
        build_table2_cnn(input_shape=(783,))


FIXED = TrainConfig(epochs=4, batch_size=32, learning_rate=0.001, patience=None)


@pytest.mark.slow
def test_learns_a_separable_fixture_above_chance(digits):
    x_train, y_train = digits(30, seed=1)
    x_test, y_test = digits(10, seed=2)
    res = train_and_test_cnn(x_train, y_train, x_test, y_test, FIXED, seed=0, name="fixture")
    assert res.test_accuracy > 0.6  # chance is 0.1
    assert res.y_pred.shape == (100,) and 0 < res.test_loss < 2.3
    assert len(res.history["accuracy"]) == 4 == res.epochs_run and res.train_seconds > 0


def test_early_stopping_is_refused(digits):
    x, y = digits(1)
    with pytest.raises(ValueError, match="fixed epochs without validation data"):
        train_and_test_cnn(x, y, x, y, FIXED.model_copy(update={"patience": 3}), seed=0,
                           name="bad")
