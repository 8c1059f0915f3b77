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


def child_order(config) -> list[str]:
    """The child pytest's order options: the parent's pytest-randomly seed when the parent
    shuffles (``make test-random``: ``SEED=<n>`` repeats the child's order too), the files'
    order when it does not (``make test``)."""
    if not config.pluginmanager.hasplugin("randomly"):
        return ["-p", "no:randomly"]
    seed = config.getoption("randomly_seed", None)
    if not isinstance(seed, int) or not config.getoption("randomly_reorganize", True):
        return ["-p", "no:randomly"]
    return ["-p", "randomly", f"--randomly-seed={seed}"]


def run_under_jax(config, *selection: str, timeout: float = 900) -> str:
    """``pytest -n 0 <selection>`` with KERAS_BACKEND=jax, in the order :func:`child_order`
    takes from the parent's ``config``; its output, or AssertionError."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    args = ["-n", "0", "-q", "-p", "no:cacheprovider", *child_order(config),
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
