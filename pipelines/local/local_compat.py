"""Where kfp.local (2.17.3) differs from the KFP backend for the DAG this project compiles.

Nested fan-in: a task inside two ``dsl.ParallelFor`` levels, collected with ``dsl.Collected``
outside both, reaches the consumer as ONE flat list of artifacts on the backend: the driver
walks every nested iteration DAG breadth-first and appends each artifact
(backend/src/v2/driver/resolve.go ``CollectInputs``, release 2.17.0, lines 866-1000).
kfp.local instead hands over a list of per-iteration lists, which its executor-input builder
cannot serialise (kfp/local/executor_input_utils.py ``dsl_artifact_to_artifact_list``:
``'list' object has no attribute 'name'``). :func:`install` flattens the list there, as the
backend does; nothing else in kfp.local is changed, and only local runs call it.
"""

from __future__ import annotations

import kfp
from kfp.local import executor_input_utils

CHECKED_VERSIONS = ("2.17.",)


def _flatten(value):
    if isinstance(value, list):
        return [a for item in value for a in _flatten(item)]
    return [value]


def install() -> None:
    """Make kfp.local flatten nested ``dsl.Collected`` artifact lists (idempotent)."""
    if not kfp.__version__.startswith(CHECKED_VERSIONS):
        raise RuntimeError(f"pipelines/local/local_compat.py was checked against kfp "
                           f"{', '.join(CHECKED_VERSIONS)}x, not kfp {kfp.__version__}: "
                           "re-check whether kfp.local still needs it")
    original = executor_input_utils.dsl_artifact_to_artifact_list
    if getattr(original, "_digitstudy_flattens", False):
        return

    def flattened(artifact):
        return original(_flatten(artifact) if isinstance(artifact, list) else artifact)

    flattened._digitstudy_flattens = True
    executor_input_utils.dsl_artifact_to_artifact_list = flattened
