"""Where each kind of task runs: applied to every task the DAG creates.

``configure(target, profile.cluster)`` is called before the pipeline is built for a
cluster (``make pipeline-compile TARGET=cpu|gpu``, ``make pipeline-submit``). Without it
(``make run`` through kfp.local) tasks get only caching and retries.

- data tasks (deterministic preparation): cacheable, CPU/memory requests from
  ``cluster.data``, always on CPU; those reading a dataset ``source`` get the MinIO
  credentials from the ``digitstudy-minio`` Secret as environment variables;
- training tasks: retried with exponential backoff (``cluster.retry``), CPU/memory from
  ``cluster.training``; with ``TARGET=gpu`` they also run the GPU image, request
  ``nvidia.com/gpu`` (a static resource type: a parameterised type inside
  ``dsl.ParallelFor`` hits a KFP compiler bug), select the GPU node label and tolerate
  the GPU taint (``cluster.gpu``);
- report tasks: never cached (they name the run), CPU, MinIO credentials (they upload
  the report to ``results/<run>/``).
Secret values never enter the compiled YAML: only the Secret's name and keys do.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from kfp import kubernetes

from digitstudy.config.cluster import ClusterConfig

TARGETS = ("cpu", "gpu")
GPU_RESOURCE = "nvidia.com/gpu"
MINIO_SECRET = "digitstudy-minio"
# Secret key -> environment variable read by digitstudy.storage.StorageConfig.from_env
MINIO_ENV = {"endpoint": "MINIO_ENDPOINT", "accesskey": "MINIO_ACCESS_KEY",
             "secretkey": "MINIO_SECRET_KEY"}
LOCAL_RETRY = {"num_retries": 2, "backoff_duration": "60s", "backoff_factor": 2.0}

TARGET = os.environ.get("DIGITSTUDY_TARGET", "cpu")
CLUSTER: ClusterConfig | None = None  # None: a local run, nothing Kubernetes-specific


def configure(target: str, cluster: ClusterConfig | None) -> None:
    """Compile for ``target`` on a cluster with ``cluster`` placement (None: local run)."""
    global TARGET, CLUSTER
    if target not in TARGETS:
        raise ValueError(f"target {target!r}: choose one of {', '.join(TARGETS)}")
    TARGET, CLUSTER = target, cluster


@contextmanager
def configured(target: str, cluster: ClusterConfig | None):
    """``configure`` for the duration of one compile, then back to the previous placement
    (so a later local run in the same process gets no cluster settings)."""
    previous = (TARGET, CLUSTER)
    configure(target, cluster)
    try:
        yield
    finally:
        configure(*previous)


def _requests(task, resources) -> None:
    task.set_cpu_request(resources.cpu).set_memory_request(resources.memory)


def _reads_storage(task) -> bool:
    return "source" in (task.component_spec.inputs or {})


def _minio_credentials(task) -> None:
    # optional: without the Secret (a cluster set up by hand) the steps fall back to the
    # canonical dataset URLs and skip the report upload, saying so in their logs.
    kubernetes.use_secret_as_env(task, secret_name=MINIO_SECRET, secret_key_to_env=MINIO_ENV,
                                 optional=True)


def data_task(task):
    """Deterministic data preparation: same inputs, same outputs, so KFP may cache it."""
    task.set_caching_options(True)
    if CLUSTER is not None:
        _requests(task, CLUSTER.data)
        if _reads_storage(task):
            _minio_credentials(task)
    return task


def training_task(task):
    """Model training: retried with backoff (node loss, preemption, OOM); GPU on TARGET=gpu."""
    if CLUSTER is None:
        return task.set_retry(**LOCAL_RETRY)
    retry = CLUSTER.retry
    task.set_retry(num_retries=retry.count, backoff_duration=retry.backoff,
                   backoff_factor=retry.factor, backoff_max_duration=retry.max_backoff)
    _requests(task, CLUSTER.training)
    if TARGET == "gpu":
        from components.settings import GPU_IMAGE

        task.container_spec.image = GPU_IMAGE
        task.set_accelerator_type(GPU_RESOURCE).set_accelerator_limit(CLUSTER.training.gpus)
        gpu = CLUSTER.gpu
        kubernetes.add_node_selector(task, gpu.node_label_key, gpu.node_label_value)
        kubernetes.add_toleration(task, key=gpu.taint_key, operator="Exists",
                                  effect=gpu.taint_effect)
    return task


def report_task(task):
    """Aggregation: never cached (it names the run), uploads the report to MinIO."""
    task.set_caching_options(False)
    if CLUSTER is not None:
        _requests(task, CLUSTER.data)
        _minio_credentials(task)
    return task
