"""Problem 3 fixtures: a tiny-profile GAN shrunk further (same layers) and synthetic digits."""

from __future__ import annotations

import numpy as np
import pytest
from profile_overrides import small_gan_profile

from digitstudy.runner import run_step


@pytest.fixture(scope="session")
def p3_profile_with():
    """``p3_profile_with(p3__quality={...})``: the small GAN profile plus overrides."""
    return small_gan_profile


# The data and profile the step tests share: 20 train + 6 test per class, GAN on 10 per class.
@pytest.fixture(scope="module")
def profile(p3_profile_with):
    return p3_profile_with(
        p2__reduced={"train_per_class": 20, "test_per_class": 6, "seed": 1},
        p2__real_sizes=[10, 20], p2__generated_counts=[0, 20],
        p2__classifier={"train": {"epochs": 1, "batch_size": 64, "learning_rate": 0.001,
                                  "patience": None}},
        p3__train_sets=["10", "full"], p3__real_sizes=[10], p3__synthetic_counts=[0, 5, 15],
        p3__full_per_class=8,
        p3__quality={"samples_per_class": 10, "reference_real_size": 20, "grid_columns": 4},
        p3__proposed={"real_size": 10, "augmented_per_class": 20, "gan_epochs": 1},
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory, profile, digits):
    """fetch-mnist -> reduced-mnist -> augment(10) from a DATA_DIR with both MNIST splits."""
    root = tmp_path_factory.mktemp("p3")
    (root / "data" / "mnist").mkdir(parents=True)
    (x_tr, y_tr), (x_te, y_te) = digits(30, seed=1), digits(10, seed=2)
    np.savez(root / "data" / "mnist" / "mnist.npz", x_train=x_tr, y_train=y_tr, x_test=x_te,
             y_test=y_te)
    run_step("fetch-mnist", profile, dataset=root / "ds", source=str(root / "data"))
    run_step("reduced-mnist", profile, dataset=root / "ds", reduced=root / "red")
    run_step("p2-augment", profile, reduced=root / "red", pools=root / "pools",
             figure=root / "figure", real_size=10)
    return root
