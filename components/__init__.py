"""Kubeflow Pipelines components: one thin wrapper per library step (see ../DESIGN).

A step's component is the function named after the step (``p1-autoencoder`` ->
``p1_autoencoder``) in ``data``, ``experiments`` or ``report``; the DAG finds it by the
step's name (:func:`component_for`), so the name is not written a second time there."""

from __future__ import annotations

import importlib

MODULES = ("components.data", "components.experiments", "components.report")


def component_for(step: str):
    """The KFP component of the registry step ``step``."""
    name = step.replace("-", "_")
    for module in MODULES:
        found = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found
    raise KeyError(f"no component {name} for step {step!r} in {', '.join(MODULES)}")
