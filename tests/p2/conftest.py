"""Synthetic, linearly separable "digits" for Problem 2 tests (no real data needed)."""

from __future__ import annotations

import numpy as np
import pytest

from digitstudy.config import load_profile, profile_from_dict


def make_digits(per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (10 * per_class, 28, 28): class k is a bright 8x8 block at its own place on a
    3x4 grid, jittered by up to 1 pixel, with faint noise; labels uint8, classes interleaved."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10, dtype=np.uint8), per_class)
    x = rng.integers(0, 20, (len(labels), 28, 28)).astype(np.uint8)
    rows = 2 + (labels // 4) * 9 + rng.integers(-1, 2, len(labels))
    cols = 1 + (labels % 4) * 7 + rng.integers(-1, 2, len(labels))
    rr, cc = np.arange(28)[None, :, None], np.arange(28)[None, None, :]
    block = ((rr >= rows[:, None, None]) & (rr < rows[:, None, None] + 8)
             & (cc >= cols[:, None, None]) & (cc < cols[:, None, None] + 6))
    x[block] = rng.integers(180, 256, int(block.sum()))
    return x, labels


@pytest.fixture
def digits():
    return make_digits


@pytest.fixture
def p2_profile():
    """The tiny profile with a p2 grid shrunk to seconds; overrides merge into p2."""

    def build(**p2):
        data = load_profile("tiny").model_dump(mode="json")
        for key, value in p2.items():
            if isinstance(value, dict):
                data["p2"][key] |= value
            else:
                data["p2"][key] = value
        return profile_from_dict(data)

    return build
