"""Filtered synthesis on a fake generator and classifier (numpy only, fast): every kept digit
meets the threshold, the pool is balanced and rank-major, draws are batched, and a class that
cannot be filled is an error naming the settings."""

from __future__ import annotations

import numpy as np
import pytest

from digitstudy.experiments.filtered_synthesis import FilterExhausted, filtered_pool
from digitstudy.models.gan import balanced_labels


class FakeGan:
    """Writes the label and a noise-driven 'quality' q in (0, 1) into the first two pixels."""

    def __init__(self):
        self.calls = 0

    def __call__(self, noise, labels):
        self.calls += 1
        x = np.zeros((len(labels), 28, 28), np.uint8)
        x[:, 0, 0] = labels
        x[:, 0, 1] = np.rint(255 / (1 + np.exp(-noise[:, 0])))
        return x


def fake_classifier(dead: tuple[int, ...] = ()):
    """p(encoded label) = q (0 for ``dead`` classes), the rest spread evenly."""
    def classify(x):
        labels, q = x[:, 0, 0].astype(int), x[:, 0, 1] / 255.0
        q = np.where(np.isin(labels, dead), 0.0, q)
        probs = np.repeat(((1 - q) / 9)[:, None], 10, axis=1)
        probs[np.arange(len(x)), labels] = q
        return probs
    return classify


def test_every_kept_digit_meets_the_threshold_and_the_pool_is_balanced():
    gan, classify = FakeGan(), fake_classifier()
    pool = filtered_pool(gan, classify, 40, noise_dim=3, threshold=0.8, max_draws_factor=20,
                         batch_size=200, seed=1)
    assert pool.x.shape == (400, 28, 28) and pool.x.dtype == np.uint8
    np.testing.assert_array_equal(pool.y, balanced_labels(40))  # balanced, rank-major
    np.testing.assert_array_equal(pool.x[:, 0, 0], pool.y)  # each digit generated for its label
    conf = classify(pool.x)[np.arange(len(pool.y)), pool.y]
    assert (conf >= 0.8).all()
    np.testing.assert_allclose(pool.confidence, conf)
    # q >= 0.8 needs noise >= ~1.39 (p ~ 0.08): most draws were rejected, in few batched calls
    assert (pool.draws > 4 * 40).all() and (pool.acceptance < 0.25).all()
    assert gan.calls < pool.draws.sum() / 50
    again = filtered_pool(FakeGan(), classify, 40, noise_dim=3, threshold=0.8,
                          max_draws_factor=20, batch_size=200, seed=1)
    np.testing.assert_array_equal(again.x, pool.x)  # seeded


def test_a_class_that_never_passes_is_an_error_naming_the_settings():
    with pytest.raises(FilterExhausted, match=r"class 3 kept 0/10 .*after 50 draws.*"
                       r"p3\.filter\.max_draws_factor 5.*p3\.filter\.threshold"):
        filtered_pool(FakeGan(), fake_classifier(dead=(3,)), 10, noise_dim=2, threshold=0.5,
                      max_draws_factor=5, batch_size=64, seed=0)
