"""Where each kind of task runs: one explicit value the DAG builder is given.

- :meth:`Placement.local` (``make run`` through kfp.local): caching rules only, no retries (a
  failing local step is reported at once, and Ctrl-C is not delayed by retry backoff);
- :meth:`Placement.cluster` with ``target="cpu"`` or ``"gpu"`` (``make pipeline-compile``,
  ``make pipeline-submit``): resource requests from the profile's ``cluster`` section,
  retries for training tasks, MinIO credentials from the ``digitstudy-minio`` Secret for the
  tasks that read a dataset ``source`` or upload the report; with ``gpu``, training tasks run
  the GPU image and request ``nvidia.com/gpu``.

Three kinds of task: ``data`` (deterministic preparation: cached, CPU only), ``train``
(fits a model: retried on a cluster, GPU on the gpu target) and ``report`` (never cached: it
names the run). Secret values never enter the compiled YAML: only the Secret's name and keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kfp import dsl, kubernetes

from components import settings as images
from digitstudy.config.cluster import ClusterConfig

TARGETS = ("cpu", "gpu")
GPU_RESOURCE = "nvidia.com/gpu"
MINIO_SECRET = "digitstudy-minio"
# Secret key -> environment variable read by digitstudy.storage.StorageConfig.from_env
MINIO_ENV = {"endpoint": "MINIO_ENDPOINT", "accesskey": "MINIO_ACCESS_KEY",
             "secretkey": "MINIO_SECRET_KEY"}


@cache
def _in_image(component, image: str):
    """``component`` built on ``image`` (the same Python function, so the same name)."""
    if component.component_spec.implementation.container.image == image:
        return component
    return dsl.component(component.python_func, base_image=image, install_kfp_package=False)


@dataclass(frozen=True)
class Placement:
    kind: str  # "local", "cpu" or "gpu"
    cluster: ClusterConfig | None = None
    cpu_image: str = images.CPU_IMAGE
    gpu_image: str = images.GPU_IMAGE

    @classmethod
    def local(cls) -> Placement:
        return cls("local")

    @classmethod
    def for_cluster(cls, target: str, cluster: ClusterConfig, *, cpu_image: str = images.CPU_IMAGE,
                    gpu_image: str = images.GPU_IMAGE) -> Placement:
        if target not in TARGETS:
            raise ValueError(f"target {target!r}: choose one of {', '.join(TARGETS)}")
        return cls(target, cluster, cpu_image, gpu_image)

    @property
    def on_cluster(self) -> bool:
        return self.cluster is not None

    # --- the three kinds of task -----------------------------------------------------------

    def data(self, component, **inputs):
        """Deterministic data preparation: same inputs, same outputs, so KFP may cache it."""
        task = _in_image(component, self.cpu_image)(**inputs).set_caching_options(True)
        if self.on_cluster:
            self._requests(task, self.cluster.data)
            if "source" in inputs:
                self._minio_credentials(task)
        return task

    def train(self, component, **inputs):
        """Model training: retried on a cluster, on a GPU with the gpu target."""
        image = self.gpu_image if self.kind == "gpu" else self.cpu_image
        task = _in_image(component, image)(**inputs).set_caching_options(True)
        if not self.on_cluster:
            return task
        retry = self.cluster.retry
        task.set_retry(num_retries=retry.count, backoff_duration=retry.backoff,
                       backoff_factor=retry.factor, backoff_max_duration=retry.max_backoff)
        self._requests(task, self.cluster.training)
        if self.kind == "gpu":
            task.set_accelerator_type(GPU_RESOURCE).set_accelerator_limit(
                self.cluster.training.gpus)
            gpu = self.cluster.gpu
            kubernetes.add_node_selector(task, gpu.node_label_key, gpu.node_label_value)
            kubernetes.add_toleration(task, key=gpu.taint_key, operator="Exists",
                                      effect=gpu.taint_effect)
        return task

    def report(self, component, **inputs):
        """Aggregation: never cached (it names the run); uploads the report to MinIO."""
        task = _in_image(component, self.cpu_image)(**inputs).set_caching_options(False)
        if self.on_cluster:
            self._requests(task, self.cluster.data)
            self._minio_credentials(task)
        return task

    # --- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _requests(task, resources) -> None:
        task.set_cpu_request(resources.cpu).set_memory_request(resources.memory)

    @staticmethod
    def _minio_credentials(task) -> None:
        # optional: without the Secret (a cluster set up by hand) the steps fall back to the
        # canonical dataset URLs and skip the report upload, saying so in their logs.
        kubernetes.use_secret_as_env(task, secret_name=MINIO_SECRET,
                                     secret_key_to_env=MINIO_ENV, optional=True)
