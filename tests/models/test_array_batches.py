"""ArrayBatches: the training input of every fit, the same under any Keras backend."""

from __future__ import annotations

import keras
import numpy as np

from digitstudy.models.training import ArrayBatches


def epoch_orders(batches: ArrayBatches, epochs, first: int = 0) -> list[np.ndarray]:
    orders = []
    for epoch in range(first, first + epochs):
        batches.set_epoch(epoch)
        orders.append(np.concatenate([batches[i][1] for i in range(len(batches))]))
    return orders


def test_every_epoch_is_a_permutation_from_seed_and_epoch():
    y = np.arange(23)
    one, two = (epoch_orders(ArrayBatches(y[:, None], y, 5, seed=3), 3) for _ in range(2))
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)  # same seed, same batches
        assert sorted(a) == list(y)  # every row once per epoch
    assert not np.array_equal(one[0], one[1])  # reshuffled per epoch
    other = epoch_orders(ArrayBatches(y[:, None], y, 5, seed=4), 1)[0]
    assert not np.array_equal(one[0], other)


def test_a_resumed_sequence_sees_the_epochs_an_uninterrupted_one_sees():
    y = np.arange(40)
    whole = epoch_orders(ArrayBatches(y, y, 8, seed=1), 4)
    resumed = epoch_orders(ArrayBatches(y, y, 8, seed=1), 2, first=2)
    for a, b in zip(whole[2:], resumed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_unseeded_keeps_order_and_the_last_batch_is_short():
    x = np.arange(10, dtype=np.float32)
    batches = ArrayBatches(x, x, 4)
    assert len(batches) == 3
    np.testing.assert_array_equal(batches[2][0], [8, 9])


def test_multi_input_rows_stay_together():
    a, b = np.arange(6), np.arange(6) * 10
    batches = ArrayBatches((a, b), a, 6, seed=0)
    (xa, xb), y = batches[0]
    np.testing.assert_array_equal(xb, xa * 10)
    np.testing.assert_array_equal(y, xa)


def test_fit_reads_each_epoch_in_the_order_of_its_number():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).random((12, 2), dtype=np.float32)
    batches = ArrayBatches(x, np.arange(12), 4, seed=0)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, batches.epoch))

    model.fit(batches, epochs=4, initial_epoch=1, verbose=0, shuffle=False,
              callbacks=[batches.callback(), Record()])
    assert seen == [(1, 1), (2, 2), (3, 3)]
