"""Kubeflow Pipelines components: one thin wrapper per library step (see CONTRIBUTING.md).

``@component(steps.P1_AUTOENCODER)`` builds a step's component and records its registry step
(``.step``), from which the DAG takes the task's settings and placement; the body is one call
of :func:`digitstudy.runner.run_step` with the same step constant."""

from __future__ import annotations

# A step component's image is its placement's (pipelines/placement.py rebuilds every task's
# component on the image of its kind of task); this name only makes an unplaced use fail loudly.
UNPLACED_IMAGE = "unplaced:see-pipelines-placement"


def component(step):
    """The component of registry step ``step`` (a ``digitstudy.steps.Step``)."""
    from kfp import dsl

    def build(func):
        built = dsl.component(func, base_image=UNPLACED_IMAGE, install_kfp_package=False)
        built.step = step
        return built

    return build


def image_component(func):
    """A component that is no registry step (tests, benchmarks): the project's CPU image,
    kfp already installed there."""
    from kfp import dsl

    from components import images

    return dsl.component(func, base_image=images.CPU_IMAGE, install_kfp_package=False)
