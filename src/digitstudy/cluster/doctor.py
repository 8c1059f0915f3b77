"""``make doctor``: is the cluster ready to run the study? (Kubernetes API only, no kfp.)

Checks, each reported as OK / WARN / FAIL with what to do about it: Kubernetes API
reachable; KFP deployments available (or, where KFP runs outside Kubernetes, its API at
``KFP_HOST``); the digitstudy MinIO deployment and its bucket Job (or, where the namespace
has none, the store's buckets over S3); the ``digitstudy-minio`` Secret (keys only, values
are never read out); the ``kfp-launcher`` ConfigMap holding our bucket as an ``Overrides``
entry of KFP's ``providers.minio`` (k8s/launcher); Argo's node-status offloading; the KFP
backend version (the image tag of the ``ml-pipeline`` API server) against the kfp SDK's;
GPU nodes (allocatable ``nvidia.com/gpu``, and the profile's optional node selector and
toleration against the nodes' labels and taints); pods the scheduler cannot place;
optionally the buckets themselves over S3.
"""

from __future__ import annotations

import base64
import importlib.metadata
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import urllib3
import yaml

from digitstudy import storage
from digitstudy.cluster.argo_retries import CONFIGMAP as ARGO_CONFIGMAP
from digitstudy.config.cluster import GpuPlacement

log = logging.getLogger(__name__)

NAMESPACE = "kubeflow"
MINIO = "digitstudy-minio"  # Deployment, Service and Secret name (k8s/base)
BUCKET_JOB = "digitstudy-minio-buckets"
SECRET_KEYS = ("accesskey", "secretkey", "endpoint")
LAUNCHER_CONFIGMAP = "kfp-launcher"
PIPELINE_ROOT = storage.PIPELINE_ROOT
# the KFP API server: its image tag is the backend release (kubeflow/pipelines 2.17.0
# manifests/kustomize/base/pipeline/kustomization.yaml:45-47 sets it). Its HTTP healthz also
# says it: "tag_name" is the TAG_NAME env var (backend/src/apiserver/main.go:465-491), which
# KFP's image sets at build time (backend/Dockerfile:63-66), "unknown" where nothing set it.
API_SERVER = ("ml-pipeline", "ml-pipeline-api-server")
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
    wanted = (
        deployment.spec.replicas if deployment.spec and deployment.spec.replicas is not None else 1
    )
    return (deployment.status.available_replicas or 0) if deployment.status else 0, wanted


def check_deployments(apps, namespace: str, names: tuple[str, ...], what: str,
                      hint: str) -> list[Finding]:
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
            return [
                Finding(
                    what,
                    "FAIL",
                    f"not available yet: {', '.join(waiting)} "
                    f"(kubectl -n {namespace} get pods; wait or check events)",
                )
            ]
        return [Finding(what, "OK", f"{len(ready)} deployments available")]
    return _guard(what, hint, run)


def none_deployed(apps, namespace: str, names: tuple[str, ...]) -> bool:
    """True when none of ``names`` is a Deployment in ``namespace`` (an API error other than
    404: False, and the deployment check reports it)."""
    from kubernetes.client.exceptions import ApiException

    for name in names:
        try:
            _api(apps.read_namespaced_deployment, name, namespace)
            return False
        except ApiException as err:
            if err.status != 404:
                return False
    return True


def kfp_healthz(host: str) -> dict | str:
    """KFP's healthz at ``host`` (a dict), else why it did not answer."""
    import requests

    try:
        response = requests.get(f"{host.rstrip('/')}/apis/v2beta1/healthz", timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as err:
        return str(err)
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def check_kfp(apps, namespace: str, kfp_host: str | None) -> list[Finding]:
    """KFP's Deployments, or, where it has none in ``namespace`` (KFP's services run outside
    Kubernetes, as on the local KFP: localkfp/README.md), its API at ``kfp_host``."""
    hint = "Install KFP 2.17 standalone (make kind-up)"
    if kfp_host and none_deployed(apps, namespace, KFP_DEPLOYMENTS):
        healthz = kfp_healthz(kfp_host)
        if isinstance(healthz, dict):
            tag = str(healthz.get("tag_name") or "unknown")
            return [Finding("KFP", "OK", f"the API answers at {kfp_host}; no KFP Deployments in "
                                         f"{namespace}: its services run outside Kubernetes"),
                    version_finding(tag, f"the API's healthz says tag_name {tag!r}")]
        return [Finding("KFP", "FAIL", f"no KFP Deployments in {namespace}, and no KFP API at "
                                       f"{kfp_host} ({healthz}). {hint}")]
    return (check_deployments(apps, namespace, KFP_DEPLOYMENTS, "KFP", hint)
            + check_kfp_version(apps, namespace))


def check_store(apps, batch, namespace: str, storage_config) -> list[Finding]:
    """digitstudy's MinIO (k8s/base) and its bucket Job; where the namespace has no MinIO
    Deployment and the host has S3 settings, the store is outside Kubernetes (any S3 store;
    the local KFP's SeaweedFS): its buckets are checked over S3 instead."""
    if storage_config is not None and none_deployed(apps, namespace, (MINIO,)):
        return [Finding("MinIO", "OK", f"no {MINIO} Deployment in {namespace}: the store is "
                                       f"outside Kubernetes ({storage_config.url}, checked over "
                                       "S3 below)")]
    return (check_deployments(apps, namespace, (MINIO,), "MinIO",
                              "Apply k8s/overlays/<kind|gpu> (make kind-up)")
            + check_bucket_job(batch, namespace))


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
    return _guard(what, "`make kind-up` generates it (on another cluster: see docs/cluster.md)",
                  run)


def check_launcher(core, namespace: str) -> list[Finding]:
    what = f"ConfigMap {LAUNCHER_CONFIGMAP}"
    hint = (f"patch it: kubectl -n {namespace} patch configmap kfp-launcher --patch-file "
            "k8s/launcher/kfp-launcher-patch.yaml (make kind-up does)")

    def run() -> list[Finding]:
        data = _api(core.read_namespaced_config_map, LAUNCHER_CONFIGMAP, namespace).data or {}
        try:
            minio = (yaml.safe_load(data.get("providers") or "{}") or {}).get("minio") or {}
        except yaml.YAMLError as err:
            return [Finding(what, "FAIL", f"`providers` is not YAML ({err}); the launcher "
                                          f"fails every task. {hint}")]
        bucket = storage.PIPELINE_ROOT_BUCKET
        ours = [o for o in minio.get("Overrides") or [] if o.get("bucketName") == bucket]
        if not ours or not str(ours[0].get("endpoint", "")).startswith(f"{MINIO}."):
            return [Finding(what, "FAIL", f"no `providers.minio.Overrides` entry for bucket "
                                          f"{bucket} on {MINIO}: our runs' artifacts would go "
                                          f"to KFP's default store. {hint}")]
        if not (minio.get("default") or {}).get("credentials"):
            return [Finding(what, "FAIL", "`providers.minio.default` with credentials is "
                                          "missing: the launcher rejects the section "
                                          f"(backend/src/v2/config/s3.go:98-100). {hint}")]
        root = data.get("defaultPipelineRoot") or "(unset: minio://mlpipeline/v2/artifacts)"
        return [Finding(what, "OK", f"{bucket} overrides to {ours[0]['endpoint']}; KFP's "
                                    f"defaultPipelineRoot {root} and default store kept")]
    return _guard(what, "KFP is not installed here (make kind-up installs it)", run)


def _minor(version: str) -> tuple[int, int] | None:
    match = re.match(r"^v?(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else None


def version_finding(tag: str, source: str, sdk: str | None = None) -> Finding:
    """The backend release ``tag`` (read from ``source``) against the kfp SDK's minor."""
    what = "KFP version"
    sdk = sdk or importlib.metadata.version("kfp")
    backend, client = _minor(tag), _minor(sdk)
    if backend is None:
        return Finding(what, "WARN", f"backend version unknown ({source}); kfp SDK {sdk}")
    if backend != client:
        return Finding(what, "WARN", f"backend {tag} but kfp SDK {sdk}: minor versions "
                                     "differ, so the backend may not support what this "
                                     "SDK compiles (pin k8s/KFP_VERSION and the SDK to "
                                     "the same minor)")
    return Finding(what, "OK", f"backend {tag}, kfp SDK {sdk}")


def check_kfp_version(apps, namespace: str, sdk: str | None = None) -> list[Finding]:
    what = "KFP version"

    def run() -> list[Finding]:
        deployment = _api(apps.read_namespaced_deployment, API_SERVER[0], namespace)
        pod = (
            deployment.spec.template.spec if deployment.spec and deployment.spec.template else None
        )
        containers = (pod.containers if pod else None) or []
        image = next((c.image for c in containers if c.name == API_SERVER[1]),
                     containers[0].image if containers else "")
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        return [version_finding(tag, f"API server image {image!r}", sdk)]
    return _guard(what, "KFP is not installed here (make kind-up installs it)", run)


def check_bucket_job(batch, namespace: str) -> list[Finding]:
    what = f"Job {BUCKET_JOB}"

    def run() -> list[Finding]:
        status = _api(batch.read_namespaced_job, BUCKET_JOB, namespace).status
        if status and status.succeeded:
            return [Finding(what, "OK", f"buckets {', '.join(storage.BUCKETS)} created")]
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
                                              f"{len(nodes)} nodes: install the NVIDIA device "
                                              "plugin (k8s/overlays/gpu; it needs nvidia as "
                                              "containerd's default runtime) or the GPU Operator")]
            return [Finding(what, "OK", f"none among {len(nodes)} nodes (fine for TARGET=cpu)")]
        total = sum(_gpus(n) for n in with_gpu)
        findings = [
            Finding(
                what,
                "OK",
                f"{len(with_gpu)} nodes, {total} allocatable {GPU_RESOURCE}: "
                + ", ".join(f"{n.metadata.name}={_gpus(n)}" for n in with_gpu),
            )
        ]
        if target != "gpu":
            return findings
        usable = with_gpu
        if gpu.node_selector is not None:
            sel = gpu.node_selector
            usable = [n for n in usable if (n.metadata.labels or {}).get(sel.key) == sel.value]
            if len(usable) < len(with_gpu):
                missing = [n.metadata.name for n in with_gpu if n not in usable]
                findings.append(Finding(
                    "GPU node selector", "FAIL" if not usable else "WARN",
                    f"the profile selects {sel.key}={sel.value}; GPU nodes without it: "
                    f"{', '.join(missing)} (label them, or drop cluster.gpu.node_selector)"))
        blocked = []
        for n in usable:
            taints = [t for t in (n.spec.taints if n.spec else None) or []
                      if t.effect in ("NoSchedule", "NoExecute")]
            tol = gpu.toleration
            left = [t for t in taints if tol is None or t.key != tol.key or t.effect != tol.effect]
            if left:
                blocked.append(f"{n.metadata.name} "
                               f"({', '.join(f'{t.key}:{t.effect}' for t in left)})")
        if blocked:
            findings.append(Finding(
                "GPU node taints", "FAIL" if len(blocked) == len(usable) else "WARN",
                f"training pods do not tolerate the taints of {', '.join(blocked)}: set "
                "cluster.gpu.toleration in the profile (docs/cluster.md, GPU placement)"))
        return findings
    return _guard(what, "", run)


def check_node_status_offload(core, namespace: str) -> list[Finding]:
    """Argo's node-status offloading (``persistence.nodeStatusOffLoad`` in its ConfigMap):
    without it the whole study in one run outgrows the Workflow object (observed on the local
    KFP: docs/cluster.md, "Workflow size")."""
    what = "Argo node status"

    def run() -> list[Finding]:
        data = _api(core.read_namespaced_config_map, ARGO_CONFIGMAP, namespace).data or {}
        try:
            persistence = yaml.safe_load(data.get("persistence") or "{}") or {}
        except yaml.YAMLError:
            persistence = {}
        if persistence.get("nodeStatusOffLoad"):
            return [Finding(what, "OK", "offloaded to Argo's database (persistence."
                                        "nodeStatusOffLoad): large runs fit")]
        return [Finding(what, "WARN", "kept in the Workflow (no persistence.nodeStatusOffLoad in "
                                      f"{ARGO_CONFIGMAP}): the whole study in one run outgrows "
                                      "it; submit parts separately (PARTS=) or enable "
                                      "offloading (docs/cluster.md, 'Workflow size')")]
    return _guard(what, f"no {ARGO_CONFIGMAP} in {namespace}: is Argo installed with KFP?", run)


def check_argo_retries(core, namespace: str) -> list[Finding]:
    """What Argo retries of a ``set_retry`` task under the install's templateDefaults
    (digitstudy.cluster.argo_retries): OK when failed steps and lost pods both are, else WARN."""
    from digitstudy.cluster.argo_retries import DEFAULTS_KEY, ArgoConfigError, retries

    what = "Argo retries"

    def run() -> list[Finding]:
        data = _api(core.read_namespaced_config_map, ARGO_CONFIGMAP, namespace).data or {}
        try:
            found = retries(data.get(DEFAULTS_KEY))
        except ArgoConfigError as err:
            return [Finding(what, "WARN", str(err))]
        if found.failed_steps and found.lost_pods:
            return [Finding(what, "OK", str(found))]
        return [Finding(what, "WARN", f"{found}; `make argo-retries` sets digitstudy's default "
                                      "(docs/cluster.md, 'Retries')")]
    return _guard(what, f"no {ARGO_CONFIGMAP} in {namespace}: is Argo installed with KFP?", run)


def check_pending_pods(core, namespace: str) -> list[Finding]:
    """Pods the scheduler cannot place (e.g. training pods asking for more nvidia.com/gpu
    than any node has): WARN with the scheduler's message, else OK."""
    from digitstudy.cluster.pods import PENDING, unschedulable

    what = "Pending pods"

    def run() -> list[Finding]:
        pods = _api(core.list_namespaced_pod, namespace, field_selector=PENDING).items
        line = unschedulable(pods)
        return [Finding(what, "WARN", str(line)) if line else
                Finding(what, "OK", f"none unschedulable in {namespace}")]
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
               gpu: GpuPlacement, host: str = "", storage_config=None,
               kfp_host: str | None = None) -> list[Finding]:
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
                finding or Finding("Kubernetes API", "FAIL",
                                   f"API error {err.status}: {err.reason}")]
    findings = [Finding("Kubernetes API", "OK",
                        f"reachable at {host}, namespace {namespace} exists")]
    try:
        findings += check_kfp(apps, namespace, kfp_host)
        findings += check_store(apps, batch, namespace, storage_config)
        findings += check_secret(core, namespace)
        findings += check_launcher(core, namespace)
        findings += check_node_status_offload(core, namespace)
        findings += check_argo_retries(core, namespace)
        findings += check_gpu_nodes(core, target, gpu)
        findings += check_pending_pods(core, namespace)
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
