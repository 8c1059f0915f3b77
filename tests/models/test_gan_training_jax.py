"""The GAN's train step, checkpoints and resume, and the model tests, under the JAX backend."""

from __future__ import annotations

import pytest
from jax_backend import run_under_jax

pytestmark = pytest.mark.slow


def test_gan_training_and_models_pass_under_jax(pytestconfig):
    run_under_jax(pytestconfig, "tests/models/test_gan_training.py",
                  "tests/models/test_gan_model.py")
