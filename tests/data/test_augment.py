"""The seven augmentations, "combined" and the balanced generator (study section 2.1)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from digitstudy.augment import (
    AUGMENTATIONS,
    TRANSFORMS,
    augment,
    gaussian_matrix,
    generate_augmented,
    warp,
)
from digitstudy.config import ProfileError, load_profile
from digitstudy.data.reduced_mnist import per_class_prefix

CFG = load_profile("paper").p2.augment


def cfg(**changes):
    return CFG.model_copy(update=changes)


@pytest.fixture
def batch(digits):
    return digits(4)  # 40 images, 4 per class


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_changes_images_keeps_shape_and_range(name, batch):
    x, _ = batch
    out = augment(x, name, CFG, seed=0)
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    changed = np.abs(out - x / 255).max(axis=(1, 2)) > 1e-3
    # a random parameter may fall near its identity value (angle ~0, zoom ~1) for an image;
    # cutout may land on background and combined may skip every transform of an image
    assert changed.mean() >= (0.5 if name in ("cutout", "combined") else 0.9)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_same_seed_same_output_other_seed_other_output(name, batch):
    x, _ = batch
    a, b, c = (augment(x, name, CFG, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name, changes", [
    ("rotation", {"rotation_degrees": 0.0}),
    ("zoom", {"zoom_range": (1.0, 1.0)}),
    ("translation", {"translation_pixels": 0.0}),
    ("elastic", {"elastic_alpha": 0.0}),
    ("white_noise", {"white_noise_std": 0.0}),
    ("brightness", {"brightness_max_delta": 0.0}),
    ("combined", {"strength": 0.0}),
])
def test_zero_strength_parameters_are_identities(name, changes, batch):
    x, _ = batch
    np.testing.assert_array_equal(augment(x, name, cfg(**changes), seed=0), x / np.float32(255))


def test_uint8_and_float_inputs_agree(batch):
    x, _ = batch
    np.testing.assert_allclose(augment(x, "combined", CFG, 3),
                               augment(x.astype(np.float32) / 255, "combined", CFG, 3), atol=1e-6)


def test_bad_inputs_are_errors(batch):
    x, _ = batch
    with pytest.raises(ValueError, match="unknown augmentation 'blur'"):
        augment(x, "blur", CFG, 0)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        augment(x.astype(np.float32), "zoom", CFG, 0)
    with pytest.raises(ValueError, match=r"\(n, h, w\)"):
        augment(x[0], "zoom", CFG, 0)


def test_combined_strength_one_applies_every_transform(batch):
    x, _ = batch
    out = augment(x, "combined", cfg(strength=1.0, brightness_max_delta=0.0), seed=0)
    # white noise everywhere: every image changed, and background pixels too
    assert (np.abs(out - x / 255).max(axis=(1, 2)) > 1e-3).all()


def test_geometry_rotation_and_integer_shift_are_exact(batch):
    x, _ = batch
    f = x.astype(np.float32) / 255
    n = len(f)
    zeros, ones = np.zeros(n, np.float32), np.ones(n, np.float32)
    rotated = warp(f, zeros + 90, ones, np.zeros((n, 2)))
    assert any(np.allclose(rotated, np.rot90(f, k, axes=(1, 2)), atol=1e-5) for k in (1, -1))
    shifted = warp(f, zeros, ones, np.tile([2.0, -3.0], (n, 1)))
    expected = np.zeros_like(f)
    expected[:, 2:, :-3] = f[:, :-2, 3:]
    np.testing.assert_allclose(shifted, expected, atol=1e-6)


def test_zoom_enlarges_the_digit():
    f = np.zeros((2, 28, 28), np.float32)
    f[:, 10:18, 10:18] = 1  # an 8x8 block about the centre (13.5, 13.5)
    big = warp(f, np.zeros(2), np.full(2, 1.5), np.zeros((2, 2)))
    assert (big > 0.5).sum(axis=(1, 2)).tolist() == [12 * 12] * 2


def test_gaussian_matrix_matches_gaussian_filter():
    field = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28)).astype(np.float32)
    g = gaussian_matrix(28, 4.0)
    expected = gaussian_filter(field, sigma=(0, 4, 4), mode="constant", truncate=3.0)
    np.testing.assert_allclose(g @ field @ g.T, expected, atol=1e-6)


def test_generator_is_balanced_keeps_labels_and_nests(digits):
    x, y = digits(5)
    out, labels, sources = generate_augmented(x, y, 12, CFG, seed=[4, 300])
    assert out.shape == (120, 28, 28) and out.dtype == np.float32
    assert np.bincount(labels, minlength=10).tolist() == [12] * 10
    np.testing.assert_array_equal(labels, y[sources])  # each label is its source image's
    for d in range(10):  # every real image of a class is used 2 or 3 times (12 from 5)
        uses = np.bincount(sources[labels == d], minlength=len(y))[y == d]
        assert uses.min() >= 2 and uses.max() <= 3
    # rank-major: the first 10 * k samples hold k per class (smaller counts are prefixes)
    np.testing.assert_array_equal(per_class_prefix(labels, 4), np.arange(40))
    again = generate_augmented(x, y, 12, CFG, seed=[4, 300])[0]
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, generate_augmented(x, y, 12, CFG, seed=[4, 700])[0])


def test_generator_needs_every_class(digits):
    x, y = digits(2)
    with pytest.raises(ValueError, match="class 9 has no real images"):
        generate_augmented(x[y != 9], y[y != 9], 3, CFG, seed=0)


def test_profile_validates_augment_parameters():
    from digitstudy.config import profile_from_dict

    for key, value, message in (("strength", 1.5, "p2.augment.strength: Input should be less"),
                                ("zoom_range", [1.1, 0.9], "zoom_range must be [low, high]")):
        data = load_profile("tiny").model_dump(mode="json")
        data["p2"]["augment"][key] = value
        with pytest.raises(ProfileError, match=re.escape(message)):
            profile_from_dict(data)


def test_paper_profile_lists_every_parameter():
    assert set(TRANSFORMS) == {"white_noise", "brightness", "cutout", "rotation", "translation",
                               "zoom", "elastic"}
    p2 = load_profile("paper").p2
    assert p2.classifier.train.epochs == 20 and p2.classifier.train.batch_size == 32
    assert p2.real_sizes == [300, 700, 1000] and p2.generated_counts == [0, 1000, 2000, 3000]
    assert (p2.reduced.train_per_class, p2.reduced.test_per_class) == (1000, 200)
