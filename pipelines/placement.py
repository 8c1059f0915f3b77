"""Where each kind of task runs: applied to every task the DAG creates.

``TARGET`` is chosen at compile time (``make pipeline-compile TARGET=cpu|gpu``). Data
steps are deterministic (cacheable, CPU); training steps retry with backoff and, in
the GPU target, request a GPU.
"""

from __future__ import annotations

import os

TARGET = os.environ.get("DIGITSTUDY_TARGET", "cpu")


def data_task(task):
    """Deterministic data preparation: same inputs, same outputs, so KFP may cache it."""
    task.set_caching_options(True)
    return task


def training_task(task):
    """Model training: retried with backoff (node loss, preemption); not cached across seeds."""
    task.set_retry(num_retries=2, backoff_duration="60s", backoff_factor=2.0)
    return task


def report_task(task):
    task.set_caching_options(False)
    return task
