"""``make doctor``: is the cluster ready to run the study? (Kubernetes API only, no kfp.)

Checks, each reported as OK / WARN / FAIL with what to do about it:
Kubernetes API reachable; KFP deployments available; the digitstudy MinIO deployment,
its Service and its bucket Job; the ``digitstudy-minio`` Secret (keys only, values are
never read out); the ``kfp-launcher`` ConfigMap pointing pipeline artifacts at that MinIO;
GPU nodes (allocatable ``nvidia.com/gpu``, the node label the training steps select, the
taint they tolerate); optionally the buckets themselves over S3.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import urllib3

from digitstudy import storage
from digitstudy.config.cluster import GpuPlacement

log = logging.getLogger(__name__)

NAMESPACE = "kubeflow"
MINIO = "digitstudy-minio"  # Deployment, Service and Secret name (k8s/base)
BUCKET_JOB = "digitstudy-minio-buckets"
SECRET_KEYS = ("accesskey", "secretkey", "endpoint")
LAUNCHER_CONFIGMAP = "kfp-launcher"
PIPELINE_ROOT = storage.PIPELINE_ROOT
KFP_DEPLOYMENTS = ("ml-pipeline", "ml-pipeline-ui", "ml-pipeline-persistenceagent",
                   "ml-pipeline-scheduledworkflow", "workflow-controller",
                   "metadata-grpc-deployment", "mysql")
GPU_RESOURCE = "nvidia.com/gpu"
TIMEOUT = 10  # seconds per API request

Status = Literal["OK", "WARN", "FAIL"]


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str


class Unreachable(Exception):
    pass


def _api(call: Callable[..., Any], *args, **kwargs) -> Any:
    """One API request with a timeout; connection problems become :class:`Unreachable`."""
    try:
        return call(*args, _request_timeout=TIMEOUT, **kwargs)
    except (urllib3.exceptions.HTTPError, OSError) as err:
        raise Unreachable(str(err)) from None


def _api_error(err: Exception, what: str, hint: str) -> Finding | None:
    status = getattr(err, "status", None)
    if status == 404:
        return Finding(what, "FAIL", f"not found. {hint}")
    if status in (401, 403):
        return Finding(what, "FAIL", f"not allowed to read it (HTTP {status}); check your "
                                     "kubeconfig user's RBAC permissions")
    return None


def _guard(what: str, hint: str, fn: Callable[[], list[Finding]]) -> list[Finding]:
    from kubernetes.client.exceptions import ApiException

    try:
        return fn()
    except ApiException as err:
        finding = _api_error(err, what, hint)
        if finding is None:
            return [Finding(what, "FAIL", f"API error {err.status}: {err.reason}")]
        return [finding]


def _ready(deployment) -> tuple[int, int]:
    wanted = deployment.spec.replicas if deployment.spec and deployment.spec.replicas is not None else 1
    return (deployment.status.available_replicas or 0) if deployment.status else 0, wanted


def check_deployments(apps, namespace: str, names: tuple[str, ...], what: str, hint: str) -> list[Finding]:
    def run() -> list[Finding]:
        missing, waiting, ready = [], [], []
        for name in names:
            try:
                have, want = _ready(_api(apps.read_namespaced_deployment, name, namespace))
            except Exception as err:  # ApiException 404 -> missing; others re-raised
                if getattr(err, "status", None) == 404:
                    missing.append(name)
                    continue
                raise
            (ready if have >= want else waiting).append(f"{name} {have}/{want}")
        if missing:
            return [Finding(what, "FAIL", f"missing in {namespace}: {', '.join(missing)}. {hint}")]
        if waiting:
            return [Finding(what, "FAIL", f"not available yet: {', '.join(waiting)} "
                                          f"(kubectl -n {namespace} get pods; wait or check events)")]
        return [Finding(what, "OK", f"{len(ready)} deployments available")]
    return _guard(what, hint, run)


def check_secret(core, namespace: str) -> list[Finding]:
    what = f"Secret {MINIO}"

    def run() -> list[Finding]:
        secret = _api(core.read_namespaced_secret, MINIO, namespace)
        data = secret.data or {}
        empty = [k for k in SECRET_KEYS if not data.get(k) or not base64.b64decode(data[k]).strip()]
        if empty:
            return [Finding(what, "FAIL", f"keys missing or empty: {', '.join(empty)} "
                                          "(scripts/kind_up.sh generates them)")]
        return [Finding(what, "OK", f"keys {', '.join(SECRET_KEYS)} present (values not shown)")]
    return _guard(what, "`make kind-up` generates it (on another cluster: see docs/cluster.md)", run)


def check_launcher(core, namespace: str) -> list[Finding]:
    what = f"ConfigMap {LAUNCHER_CONFIGMAP}"

    def run() -> list[Finding]:
        data = _api(core.read_namespaced_config_map, LAUNCHER_CONFIGMAP, namespace).data or {}
        root, providers = data.get("defaultPipelineRoot", ""), data.get("providers", "")
        if root != PIPELINE_ROOT or f"{MINIO}." not in providers:
            return [Finding(what, "FAIL", f"defaultPipelineRoot={root or '(unset)'} and providers "
                                          f"{'name' if MINIO in providers else 'do not name'} "
                                          f"{MINIO}: artifacts would go to KFP's default store. "
                                          "Re-apply the overlay (make kind-up)")]
        return [Finding(what, "OK", f"pipeline root {root} on {MINIO}")]
    return _guard(what, "KFP is not installed or the overlay was not applied", run)


def check_bucket_job(batch, namespace: str) -> list[Finding]:
    what = f"Job {BUCKET_JOB}"

    def run() -> list[Finding]:
        status = _api(batch.read_namespaced_job, BUCKET_JOB, namespace).status
        if status and status.succeeded:
            return [Finding(what, "OK", "buckets datasets, results, pipeline-root created")]
        failed = status.failed if status else 0
        return [Finding(what, "FAIL" if failed else "WARN",
                        f"not succeeded yet (failed pods: {failed or 0}); "
                        f"kubectl -n {namespace} logs job/{BUCKET_JOB}")]
    return _guard(what, "apply the overlay (make kind-up)", run)


def _gpus(node) -> int:
    value = (node.status.allocatable or {}).get(GPU_RESOURCE, "0") if node.status else "0"
    try:
        return int(value)
    except ValueError:
        return 0


def check_gpu_nodes(core, target: str, gpu: GpuPlacement) -> list[Finding]:
    what = "GPU nodes"

    def run() -> list[Finding]:
        nodes = _api(core.list_node).items
        with_gpu = [n for n in nodes if _gpus(n) > 0]
        if not with_gpu:
            if target == "gpu":
                return [Finding(what, "FAIL", f"no node has allocatable {GPU_RESOURCE} among "
                                              f"{len(nodes)} nodes: install the NVIDIA device plugin "
                                              "(k8s/overlays/gpu) on GPU nodes")]
            return [Finding(what, "OK", f"none among {len(nodes)} nodes (fine for TARGET=cpu)")]
        labelled = [n for n in with_gpu
                    if (n.metadata.labels or {}).get(gpu.node_label_key) == gpu.node_label_value]
        tainted = [n for n in with_gpu
                   if any(t.key == gpu.taint_key and t.effect == gpu.taint_effect
                          for t in (n.spec.taints or []) if n.spec)]
        total = sum(_gpus(n) for n in with_gpu)
        findings = [Finding(what, "OK", f"{len(with_gpu)} nodes, {total} allocatable {GPU_RESOURCE}: "
                                        + ", ".join(f"{n.metadata.name}={_gpus(n)}" for n in with_gpu))]
        label = f"{gpu.node_label_key}={gpu.node_label_value}"
        if len(labelled) < len(with_gpu):
            unlabelled = [n.metadata.name for n in with_gpu if n not in labelled]
            findings.append(Finding(
                "GPU node label", "FAIL" if target == "gpu" and not labelled else "WARN",
                f"training steps select {label}; unlabelled GPU nodes: {', '.join(unlabelled)} "
                f"(kubectl label node <name> {label})"))
        if len(tainted) < len(with_gpu):
            findings.append(Finding(
                "GPU node taint", "WARN",
                f"{len(with_gpu) - len(tainted)} GPU nodes lack the taint "
                f"{gpu.taint_key}:{gpu.taint_effect}, so CPU-only pods may occupy them "
                f"(kubectl taint node <name> {gpu.taint_key}=present:{gpu.taint_effect})"))
        return findings
    return _guard(what, "", run)


def check_buckets(storage_config) -> list[Finding]:
    what = "MinIO buckets"
    try:
        store = storage.Storage(storage_config)
        for bucket in storage.BUCKETS:
            store.require_bucket(bucket)
    except storage.StorageError as err:
        return [Finding(what, "FAIL", str(err))]
    return [Finding(what, "OK", f"{', '.join(storage.BUCKETS)} reachable at {storage_config.url}")]


def run_checks(core, apps, batch, *, namespace: str = NAMESPACE, target: str = "cpu",
               gpu: GpuPlacement, host: str = "", storage_config=None) -> list[Finding]:
    from kubernetes.client.exceptions import ApiException

    try:
        _api(core.read_namespace, namespace)
    except Unreachable as err:
        return [Finding("Kubernetes API", "FAIL", f"no cluster reachable at {host or '?'} ({err}). "
                                                  "Start one (make kind-up) or select a context")]
    except ApiException as err:
        finding = _api_error(err, f"namespace {namespace}",
                             "KFP is not installed here (make kind-up installs it)")
        return [Finding("Kubernetes API", "OK", f"reachable at {host}"),
                finding or Finding("Kubernetes API", "FAIL", f"API error {err.status}: {err.reason}")]
    findings = [Finding("Kubernetes API", "OK", f"reachable at {host}, namespace {namespace} exists")]
    try:
        findings += check_deployments(apps, namespace, KFP_DEPLOYMENTS, "KFP",
                                      "Install KFP 2.17 standalone (make kind-up)")
        findings += check_deployments(apps, namespace, (MINIO,), "MinIO",
                                      "Apply k8s/overlays/<kind|gpu> (make kind-up)")
        findings += check_bucket_job(batch, namespace)
        findings += check_secret(core, namespace)
        findings += check_launcher(core, namespace)
        findings += check_gpu_nodes(core, target, gpu)
    except Unreachable as err:
        findings.append(Finding("Kubernetes API", "FAIL", f"connection lost: {err}"))
    if storage_config is not None:
        findings += check_buckets(storage_config)
    else:
        findings.append(Finding("MinIO buckets", "WARN", "not checked over S3 (no MINIO_* settings "
                                                         "or .cache/minio.env on this machine)"))
    return findings


def render(findings: list[Finding], header: str) -> str:
    width = max(len(f.check) for f in findings)
    lines = [header] + [f"  {f.status:<4}  {f.check:<{width}}  {f.message}" for f in findings]
    fails = sum(f.status == "FAIL" for f in findings)
    warns = sum(f.status == "WARN" for f in findings)
    lines.append(f"{'NOT READY' if fails else 'READY'}: {fails} failed, {warns} warnings")
    return "\n".join(lines)
