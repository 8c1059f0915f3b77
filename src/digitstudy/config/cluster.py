"""Where the pipeline's steps run on a cluster: GPU placement, resource requests, retries.

Used when the pipeline is compiled for a cluster (``make pipeline-compile TARGET=cpu|gpu``)
and by ``make doctor``. The GPU node label and taint here must match the nodes (see the
``k8s/overlays/gpu`` notes); CPU and memory are Kubernetes quantities (``"500m"``, ``"4Gi"``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, NonNegativeInt, PositiveInt

from digitstudy.config.base import Section


def _pattern(regex: str, what: str) -> type[str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"not {what}: {value!r}")
        return value

    return Annotated[str, AfterValidator(check)]


CpuQuantity = _pattern(r"^(\d+(\.\d+)?|\d+m)$", "a Kubernetes CPU quantity (e.g. '2', '500m')")
MemoryQuantity = _pattern(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$",
                          "a Kubernetes memory quantity (e.g. '8Gi')")
Duration = _pattern(r"^\d+(s|m|h)$", "a duration (e.g. '60s', '10m', '1h')")


class Resources(Section):
    cpu: CpuQuantity  # request
    memory: MemoryQuantity  # request


class TrainingResources(Resources):
    gpus: PositiveInt = 1  # nvidia.com/gpu per training step (GPU target only)


class GpuPlacement(Section):
    """The node label training steps select and the taint they tolerate (GPU target)."""

    node_label_key: str
    node_label_value: str
    taint_key: str
    taint_effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class RetryPolicy(Section):
    """Retries of training steps (preemption, OOM-kills, flaky nodes), with backoff."""

    count: NonNegativeInt
    backoff: Duration  # first wait
    factor: float = Field(ge=1)
    max_backoff: Duration


class ClusterConfig(Section):
    gpu: GpuPlacement
    training: TrainingResources
    data: Resources  # data preparation, aggregation: CPU only on every target
    retry: RetryPolicy
