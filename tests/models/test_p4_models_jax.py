"""Grad-CAM and the attention models' maps under the JAX backend (test_p4_models.py again)."""

from __future__ import annotations

import pytest
from jax_backend import run_under_jax

pytestmark = pytest.mark.slow


def test_grad_cam_and_maps_pass_under_jax(pytestconfig):
    run_under_jax(pytestconfig, "tests/models/test_p4_models.py", "-k",
                  "grad_cam or attention_weights")
