"""Where each kind of task runs: one explicit value the DAG builder is given.

- :meth:`Placement.local` (``make run`` through kfp.local): caching rules only, no retries (a
  failing local step is reported at once, and Ctrl-C is not delayed by retry backoff);
  cluster retries are the cluster's business;
- :meth:`Placement.cluster` with ``target="cpu"`` or ``"gpu"`` (``make pipeline-compile``,
  ``make pipeline-submit``): resource requests from the profile's ``cluster`` section,
  retries for training tasks (what Argo retries: digitstudy.config.cluster), MinIO credentials from
the ``digitstudy-minio`` Secret for the
  tasks that read a dataset ``source`` or upload the report; with ``gpu``, training tasks run
  the GPU image and request ``nvidia.com/gpu``.

Three kinds of task: ``data`` (deterministic preparation: cached, CPU only), ``train``
(fits a model: retried on a cluster, GPU on the gpu target, KERAS_BACKEND set to the
profile's ``backend``) and ``report`` (never cached: it
names the run). Secret values never enter the compiled YAML: only the Secret's name and keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from kfp import dsl, kubernetes

from components import images
from digitstudy import checkpoints
from digitstudy.config.cluster import ClusterConfig
from digitstudy.storage import CHECKPOINTS_BUCKET

TARGETS = ("cpu", "gpu")
RUN_LABEL_PATH = "metadata.labels['workflows.argoproj.io/workflow']"
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
    # the image names are looked up when a placement is made, not at import
    cpu_image: str = field(default_factory=lambda: images.CPU_IMAGE)
    gpu_image: str = field(default_factory=lambda: images.GPU_IMAGE)
    gpu_jax_image: str = field(default_factory=lambda: images.GPU_JAX_IMAGE)

    @classmethod
    def local(cls) -> Placement:
        return cls("local")

    @classmethod
    def for_cluster(cls, target: str, cluster: ClusterConfig, *, cpu_image: str | None = None,
                    gpu_image: str | None = None,
                    gpu_jax_image: str | None = None) -> Placement:
        if target not in TARGETS:
            raise ValueError(f"target {target!r}: choose one of {', '.join(TARGETS)}")
        return cls(target, cluster, cpu_image or images.CPU_IMAGE, gpu_image or images.GPU_IMAGE,
                   gpu_jax_image or images.GPU_JAX_IMAGE)

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
        task = _in_image(component, self._training_image(inputs["settings"]["backend"]))(
            **inputs).set_caching_options(True)
        # The profile's Keras backend (its settings carry it: digitstudy.steps.Step.reads);
        # the step selects it too, so a runner that drops task variables (kfp.local) agrees.
        task.set_env_variable("KERAS_BACKEND", inputs["settings"]["backend"])
        if not self.on_cluster:
            return task
        retry = self.cluster.retry
        # backoff_max_duration becomes Argo's backoff.maxDuration, a total window from the
        # first attempt's start (argo-workflows v4.0.5 workflow/controller/operator.go
        # 1028-1041): it must cover every attempt and wait, so it is derived from
        # max_step_duration (digitstudy.config.cluster.RetryPolicy.window).
        task.set_retry(num_retries=retry.count, backoff_duration=retry.backoff,
                       backoff_factor=float(retry.factor), backoff_max_duration=retry.window)
        self._requests(task, self.cluster.training)
        self._checkpoint_store(task)
        if self.kind == "gpu":
            # the nvidia.com/gpu request alone keeps the pod on a GPU node; a selector and a
            # toleration only where the profile asks for them (cluster.gpu)
            task.set_accelerator_type(GPU_RESOURCE).set_accelerator_limit(
                self.cluster.training.gpus)
            gpu = self.cluster.gpu
            if gpu.node_selector is not None:
                kubernetes.add_node_selector(task, gpu.node_selector.key, gpu.node_selector.value)
            if gpu.toleration is not None:
                kubernetes.add_toleration(task, key=gpu.toleration.key, operator="Exists",
                                          effect=gpu.toleration.effect)
        return task

    def report(self, component, **inputs):
        """Aggregation: never cached (it names the run); uploads the report to MinIO."""
        task = _in_image(component, self.cpu_image)(**inputs).set_caching_options(False)
        if self.on_cluster:
            self._requests(task, self.cluster.data)
            self._minio_credentials(task)
        return task

    # --- helpers ----------------------------------------------------------------------------

    def _training_image(self, backend: str) -> str:
        """The image of a training task: the CPU image holds TensorFlow only, so a JAX
        profile's training runs in the JAX GPU image, on the gpu target alone."""
        if self.kind == "gpu":
            return self.gpu_jax_image if backend == "jax" else self.gpu_image
        if backend == "jax" and self.on_cluster:
            raise ValueError("profile backend 'jax': the CPU image holds TensorFlow only; "
                             "compile with TARGET=gpu (the JAX GPU image, make image-gpu-jax) "
                             "or set backend: tensorflow")
        return self.cpu_image

    @staticmethod
    def _requests(task, resources) -> None:
        task.set_cpu_request(resources.cpu).set_memory_request(resources.memory)

    def _checkpoint_store(self, task) -> None:
        """Checkpoints that outlive the pod (digitstudy.checkpoints): the store, its MinIO
        credentials, and the run's identity. The run is the Argo workflow's name, a label on
        every pod (argo-workflows v4.0.5 workflow/controller/workflowpod.go:204), the same
        for each retry of a task; KFP_POD_NAME/KFP_RETRY_INDEX change with every retry."""
        task.set_env_variable(checkpoints.STORE_ENV, f"s3://{CHECKPOINTS_BUCKET}")
        kubernetes.use_field_path_as_env(task, env_name=checkpoints.RUN_ENV,
                                         field_path=RUN_LABEL_PATH)
        self._minio_credentials(task)

    @staticmethod
    def _minio_credentials(task) -> None:
        # optional: without the Secret (a cluster set up by hand) the steps fall back to the
        # canonical dataset URLs and skip the report upload, saying so in their logs.
        kubernetes.use_secret_as_env(task, secret_name=MINIO_SECRET,
                                     secret_key_to_env=MINIO_ENV, optional=True)
