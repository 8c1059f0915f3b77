"""Which Keras backend a training step runs under: the profile's ``backend``, tensorflow by default.

Keras reads ``KERAS_BACKEND`` once, when it is first imported, so a step selects its backend
before it imports anything that imports Keras (:func:`digitstudy.runner.run_step` does so for
every training step); a process that has already imported Keras under another backend
cannot switch, and says so.
"""

from __future__ import annotations

import os
import sys

from digitstudy.errors import UserError

BACKENDS = ("tensorflow", "jax")  # those the library's training steps support
DEFAULT = "tensorflow"  # the study's own stack


def use_backend(name: str) -> None:
    """Make ``name`` this process's Keras backend (before Keras is imported)."""
    if name not in BACKENDS:
        raise UserError(f"backend {name!r}: choose one of {', '.join(BACKENDS)}")
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != name:
            raise UserError(f"backend {name!r} asked for, but this process imported Keras "
                            f"under {keras.backend.backend()!r} already (KERAS_BACKEND="
                            f"{os.environ.get('KERAS_BACKEND', '')!r}); start it with "
                            f"KERAS_BACKEND={name}")
        return
    os.environ["KERAS_BACKEND"] = name
