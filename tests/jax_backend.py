"""Run a set of this suite's tests again under Keras's JAX backend, in a child pytest.

Keras binds its backend at import, and this process imported it under TensorFlow, so the
tests that differ by backend (the GAN's train step, Grad-CAM, the chained embedding, the
array batches) run again in a child process with ``KERAS_BACKEND=jax``. Only those: the
builders are the same Keras code under both backends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_under_jax(*selection: str, timeout: float = 900) -> str:
    """``pytest -n 0 <selection>`` with KERAS_BACKEND=jax; its output, or AssertionError."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    # no shuffling in the child: its order is the files' (the parent's seed is not its own)
    args = ["-n", "0", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-W", "ignore::DeprecationWarning", *selection]
    # Keras is imported (and its backend checked) before the tests, in the same process.
    child = ("import sys, keras, pytest; b = keras.backend.backend(); "
             "print('keras backend:', b); sys.exit(3 if b != 'jax' else pytest.main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", child, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"under JAX: pytest {' '.join(selection)}\n{out[-4000:]}"
    assert "keras backend: jax" in out and " passed" in out, out[-2000:]
    return out
