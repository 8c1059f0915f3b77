"""The Keras backend of training steps: the profile's `backend`, applied before Keras loads."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import pytest

from digitstudy import backend
from digitstudy.config import load_profile
from digitstudy.errors import UserError
from digitstudy.runner import step_settings
from digitstudy.steps import STEPS


def test_both_profiles_default_to_tensorflow():
    assert load_profile("tiny").backend == load_profile("paper").backend == "tensorflow"


def test_training_steps_and_the_report_carry_the_backend():
    profile = load_profile("tiny").model_copy(update={"backend": "jax"})
    for name, step in STEPS.items():
        settings = step_settings(name, profile)
        wanted = step.trains or name == "aggregate-results"  # the report names it
        assert (settings.get("backend") == "jax") == wanted, name


def test_unknown_backend_is_refused_by_name():
    with pytest.raises(UserError, match="'torch'"):
        backend.use_backend("torch")


def test_a_process_with_keras_loaded_cannot_switch():
    current = keras.backend.backend()
    backend.use_backend(current)  # the same one: fine
    other = "jax" if current == "tensorflow" else "tensorflow"
    with pytest.raises(UserError, match=f"KERAS_BACKEND={other}"):
        backend.use_backend(other)


def test_a_fresh_process_gets_the_backend_asked_for():
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    code = ("from digitstudy.backend import use_backend; use_backend('jax'); "
            "import keras; print(keras.backend.backend())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "jax"
