"""The chained utterance embedding and the autoencoders under the JAX backend."""

from __future__ import annotations

import pytest
from jax_backend import run_under_jax

pytestmark = pytest.mark.slow


def test_problem1_models_pass_under_jax(pytestconfig):
    run_under_jax(pytestconfig, "tests/models/test_p1_models.py",
                  "tests/models/test_array_batches.py")
