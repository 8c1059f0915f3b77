"""Where the pipeline's steps run on a cluster: GPU placement, resource requests, retries.

Used when the pipeline is compiled for a cluster (``make pipeline-compile TARGET=cpu|gpu``)
and by ``make doctor``. CPU and memory are Kubernetes quantities (``"500m"``, ``"4Gi"``).

Retries (``retry``) are compiled by KFP 2.17 into an Argo ``retryStrategy`` (kubeflow/
pipelines 2.17.0 backend/src/v2/compiler/argocompiler/container.go:582-588 and 667-685:
``limit``, ``backoff.duration``, ``backoff.factor``, ``backoff.maxDuration``, no
``retryPolicy``). What Argo v4.0.5 does with them (workflow/controller/operator.go):

- ``backoff.maxDuration`` is a *total* window measured from the first attempt's start
  (1028-1041): once it has passed no retry starts, and a retry whose backoff would end
  after it is not started (1080-1085); a retried pod also gets the window's end as its
  deadline (1094-1095 -> ARGO_DEADLINE, workflowpod.go:343), so an attempt still running
  then is stopped. The window must therefore cover every attempt plus the waits between
  them: :attr:`RetryPolicy.window` derives it from ``max_step_duration``, the longest one
  attempt of a training step may take;
- ``backoff.factor`` is parsed as an integer (1055-1058; util/intstr/parametrizable.go:
  12-21, strconv.Atoi): KFP writes the float 2.0 as "2", but 1.5 would make the controller
  fail the node, so the factor must be a whole number;
- which failures are retried is ``retryPolicy``, which KFP cannot set. Argo's default is
  OnFailure (pkg/apis/workflow/v1alpha1/workflow_types.go:2295-2304): a main container
  that exits non-zero (an exception, OOMKilled) is retried, a pod that is deleted (node
  loss, preemption, eviction: NodeError, operator.go:1289) is not. KFP 2.17.0's own
  install, however, sets ``workflowDefaults.templateDefaults.retryStrategy`` to
  ``{limit: 2, retryPolicy: OnError}`` (manifests/kustomize/third-party/argo/base/
  workflow-controller-configmap-patch.yaml), and Argo merges template defaults into each
  template as a strategic merge patch (operator.go:4448-4490): our limit and backoff
  stay, ``retryPolicy: OnError`` is filled in. On a stock KFP 2.17.0 install a training
  step is then retried when its pod is lost (NodeError) and *not* when it fails
  (NodeFailed). docs/cluster.md ("Retries") says how to choose; none of this was
  observed on a cluster here.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, NonNegativeInt, PositiveInt, field_validator

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
_UNIT = {"s": 1, "m": 60, "h": 3600}


def seconds(duration: str) -> int:
    """``'90s'``, ``'10m'``, ``'4h'`` -> seconds."""
    return int(duration[:-1]) * _UNIT[duration[-1]]


class Resources(Section):
    cpu: CpuQuantity  # request
    memory: MemoryQuantity  # request


class TrainingResources(Resources):
    gpus: PositiveInt = 1  # nvidia.com/gpu per training step (GPU target only)


class NodeSelector(Section):
    key: str
    value: str


class Toleration(Section):
    key: str  # tolerated with operator Exists (any value)
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class GpuPlacement(Section):
    """Optional extras for training steps on TARGET=gpu (both off by default).

    The ``nvidia.com/gpu`` request alone keeps training pods on nodes that advertise GPUs.
    ``node_selector``: only for a label your GPU nodes really carry (GPU Feature Discovery's
    ``nvidia.com/gpu.present=true`` is not set by GKE or EKS, and vanishes with autoscaled
    nodes). ``toleration``: only when GPU nodes are tainted, e.g. GKE's
    ``nvidia.com/gpu=present:NoSchedule``.
    """

    node_selector: NodeSelector | None = None
    toleration: Toleration | None = None


class RetryPolicy(Section):
    """Retries of training steps with exponential backoff (module docstring: what Argo
    retries, and why the window is derived)."""

    count: NonNegativeInt  # retries after the first attempt
    backoff: Duration  # wait before the first retry
    factor: int = Field(ge=1)  # each further wait is `factor` times the previous one
    max_step_duration: Duration  # the longest one attempt of a training step may run

    @field_validator("factor", mode="before")
    @classmethod
    def _whole(cls, value):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise ValueError(f"{value!r}: Argo parses backoff.factor as an integer "
                             "(util/intstr/parametrizable.go, strconv.Atoi); use 1, 2, 3, ...")
        return value

    def waits(self) -> list[int]:
        """Seconds of backoff before each retry."""
        return [seconds(self.backoff) * self.factor ** k for k in range(self.count)]

    @property
    def window_seconds(self) -> int:
        """Argo's ``backoff.maxDuration``: every attempt at its longest plus every wait."""
        return (self.count + 1) * seconds(self.max_step_duration) + sum(self.waits())

    @property
    def window(self) -> str:
        return f"{self.window_seconds}s"


class ClusterConfig(Section):
    gpu: GpuPlacement = GpuPlacement()
    training: TrainingResources
    data: Resources  # data preparation, aggregation: CPU only on every target
    retry: RetryPolicy
