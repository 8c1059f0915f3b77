"""make doctor against a fake Kubernetes API (real client model objects, no cluster)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import urllib3
import yaml
from kubernetes.client import (
    V1ConfigMap,
    V1Container,
    V1Deployment,
    V1DeploymentSpec,
    V1DeploymentStatus,
    V1Job,
    V1JobStatus,
    V1LabelSelector,
    V1Namespace,
    V1Node,
    V1NodeList,
    V1NodeSpec,
    V1NodeStatus,
    V1ObjectMeta,
    V1Pod,
    V1PodCondition,
    V1PodList,
    V1PodSpec,
    V1PodStatus,
    V1PodTemplateSpec,
    V1Secret,
    V1Taint,
)
from kubernetes.client.exceptions import ApiException

from digitstudy.cluster import doctor
from digitstudy.cluster.argo_retries import with_retry_strategy
from digitstudy.config import load_profile
from digitstudy.config.cluster import GpuPlacement, NodeSelector, Toleration

ROOT = Path(__file__).resolve().parents[2]
GPU = load_profile("paper").cluster.gpu  # the default: no selector, no toleration
LABEL, TAINT = ("nvidia.com/gpu.present", "true"), ("nvidia.com/gpu", "NoSchedule")
PLACED = GpuPlacement(node_selector=NodeSelector(key=LABEL[0], value=LABEL[1]),
                      toleration=Toleration(key=TAINT[0], effect=TAINT[1]))
# KFP 2.17.0's kfp-launcher (defaultPipelineRoot from pipeline-install-config: "") after
# scripts/kind_up.sh applied k8s/launcher/kfp-launcher-patch.yaml to it
PATCHED_LAUNCHER = {"defaultPipelineRoot": "", **yaml.safe_load(
    (ROOT / "k8s" / "launcher" / "kfp-launcher-patch.yaml").read_text())["data"]}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def deployment(available: int, replicas: int = 1, image: str | None = None) -> V1Deployment:
    pod = V1PodSpec(containers=[V1Container(name="ml-pipeline-api-server", image=image)]) \
        if image else None
    return V1Deployment(spec=V1DeploymentSpec(replicas=replicas, selector=V1LabelSelector(),
                                              template=V1PodTemplateSpec(spec=pod)),
                        status=V1DeploymentStatus(available_replicas=available))


def node(name: str, gpus: int = 0, label: bool = False, taint: bool = False) -> V1Node:
    labels = {LABEL[0]: LABEL[1]} if label else {}
    taints = [V1Taint(key=TAINT[0], value="present", effect=TAINT[1])] if taint else None
    return V1Node(metadata=V1ObjectMeta(name=name, labels=labels), spec=V1NodeSpec(taints=taints),
                  status=V1NodeStatus(allocatable={"cpu": "8", doctor.GPU_RESOURCE: str(gpus)}))


# KFP 2.17.0's workflowDefaults (manifests/kustomize/third-party/argo/base/
# workflow-controller-configmap-patch.yaml)
KFP_DEFAULTS = """spec:
  ttlStrategy: {secondsAfterCompletion: 3600, secondsAfterSuccess: 3600, secondsAfterFailure: 3600}
  templateDefaults:
    retryStrategy: {limit: '2', retryPolicy: OnError}
"""


def not_found(*_args, **_kwargs):
    raise ApiException(status=404, reason="Not Found")


class FakeCluster:
    """Answers like a healthy kind cluster after `make kind-up`; tests break one piece."""

    def __init__(self):
        self.deployments = {name: deployment(1) for name in doctor.KFP_DEPLOYMENTS}
        self.deployments["ml-pipeline"] = deployment(1,
                                                     image="ghcr.io/kubeflow/kfp-api-server:2.17.0")
        self.deployments[doctor.MINIO] = deployment(1)
        self.secret = V1Secret(data={k: b64("value-" + k) for k in doctor.SECRET_KEYS})
        self.launcher = V1ConfigMap(data=dict(PATCHED_LAUNCHER))
        self.argo = V1ConfigMap(data={"persistence": "nodeStatusOffLoad: true\n",
                                      "workflowDefaults": with_retry_strategy(KFP_DEFAULTS)})
        self.job = V1Job(status=V1JobStatus(succeeded=1))
        self.nodes = [node("kind-control-plane")]
        self.pods: list[V1Pod] = []
        self.namespace_error: Exception | None = None
        self.calls: list[tuple] = []

    # CoreV1Api
    def read_namespace(self, name, _request_timeout=None):
        self.calls.append(("namespace", name, _request_timeout))
        if self.namespace_error:
            raise self.namespace_error
        return V1Namespace(metadata=V1ObjectMeta(name=name))

    def read_namespaced_secret(self, name, namespace, _request_timeout=None):
        if self.secret is None:
            not_found()
        return self.secret

    def read_namespaced_config_map(self, name, namespace, _request_timeout=None):
        if name == doctor.ARGO_CONFIGMAP:
            return self.argo
        return self.launcher

    def list_node(self, _request_timeout=None):
        return V1NodeList(items=self.nodes)

    def list_namespaced_pod(self, namespace, field_selector=None, _request_timeout=None):
        assert field_selector == "status.phase=Pending"
        return V1PodList(items=self.pods)

    # AppsV1Api
    def read_namespaced_deployment(self, name, namespace, _request_timeout=None):
        if name not in self.deployments:
            not_found()
        return self.deployments[name]

    # BatchV1Api
    def read_namespaced_job(self, name, namespace, _request_timeout=None):
        if self.job is None:
            not_found()
        return self.job


def run(fake: FakeCluster, target: str = "cpu", **kwargs) -> dict[str, doctor.Finding]:
    findings = doctor.run_checks(fake, fake, fake, target=target, gpu=GPU, host="https://k:6443",
                                 **kwargs)
    return {f.check: f for f in findings}


def statuses(result) -> dict[str, str]:
    return {k: v.status for k, v in result.items()}


def test_healthy_kind_cluster_is_ready():
    fake = FakeCluster()
    result = run(fake)
    assert statuses(result) == {"Kubernetes API": "OK", "KFP": "OK", "KFP version": "OK",
                                "MinIO": "OK",
                                f"Job {doctor.BUCKET_JOB}": "OK", f"Secret {doctor.MINIO}": "OK",
                                "ConfigMap kfp-launcher": "OK", "Argo node status": "OK",
                                "Argo retries": "OK", "GPU nodes": "OK", "Pending pods": "OK",
                                "MinIO buckets": "WARN"}
    assert "fine for TARGET=cpu" in result["GPU nodes"].message
    assert all(call[2] == doctor.TIMEOUT for call in fake.calls)  # every request has a timeout
    text = doctor.render(list(result.values()), "hdr")
    assert text.endswith("READY: 0 failed, 1 warnings")


def test_secret_values_never_appear_in_the_output():
    fake = FakeCluster()
    text = doctor.render(list(run(fake).values()), "hdr")
    assert "value-" not in text and "accesskey, secretkey, endpoint present" in text


def test_unreachable_api_is_one_clear_failure():
    fake = FakeCluster()
    fake.namespace_error = urllib3.exceptions.MaxRetryError(None, "/api/v1/namespaces/kubeflow")
    findings = doctor.run_checks(fake, fake, fake, gpu=GPU, host="https://127.0.0.1:6443")
    assert len(findings) == 1 and findings[0].status == "FAIL"
    assert "no cluster reachable at https://127.0.0.1:6443" in findings[0].message


def test_kfp_not_installed():
    fake = FakeCluster()
    fake.namespace_error = ApiException(status=404, reason="Not Found")
    result = doctor.run_checks(fake, fake, fake, gpu=GPU, host="h")
    assert result[-1].status == "FAIL" and "KFP is not installed" in result[-1].message


def test_missing_and_unready_deployments_are_named():
    fake = FakeCluster()
    del fake.deployments["ml-pipeline-ui"]
    result = run(fake)
    assert (
        result["KFP"].status == "FAIL"
        and "missing in kubeflow: ml-pipeline-ui" in result["KFP"].message
    )
    fake = FakeCluster()
    fake.deployments[doctor.MINIO] = deployment(0)
    result = run(fake)
    assert result["MinIO"].status == "FAIL" and "digitstudy-minio 0/1" in result["MinIO"].message


def test_missing_secret_and_empty_key():
    fake = FakeCluster()
    fake.secret = None
    assert "not found" in run(fake)[f"Secret {doctor.MINIO}"].message
    fake.secret = V1Secret(data={"accesskey": b64("a"), "secretkey": b64(" ")})
    finding = run(fake)[f"Secret {doctor.MINIO}"]
    assert finding.status == "FAIL" and "secretkey, endpoint" in finding.message


def test_launcher_patched_keeps_kfp_defaults():
    finding = run(FakeCluster())["ConfigMap kfp-launcher"]
    assert finding.status == "OK" and "default store kept" in finding.message
    assert "pipeline-root overrides to digitstudy-minio.kubeflow" in finding.message


@pytest.mark.parametrize("data,why", [
    ({"defaultPipelineRoot": ""}, "no `providers.minio.Overrides` entry"),  # KFP's, unpatched
    ({"providers": "minio:\n  default:\n    endpoint: digitstudy-minio.kubeflow:9000\n"},
     "no `providers.minio.Overrides` entry"),  # the old replace-everything config
    ({"providers": "minio:\n  Overrides:\n  - {bucketName: pipeline-root, endpoint: "
                   "digitstudy-minio.kubeflow:9000}\n"}, "`providers.minio.default`"),
    ({"providers": "minio: [unclosed"}, "not YAML"),
])
def test_launcher_without_our_override_fails(data, why):
    fake = FakeCluster()
    fake.launcher = V1ConfigMap(data=data)
    finding = run(fake)["ConfigMap kfp-launcher"]
    assert finding.status == "FAIL" and why in finding.message
    assert "k8s/launcher/kfp-launcher-patch.yaml" in finding.message


@pytest.mark.parametrize("image,sdk,status,text", [
    ("ghcr.io/kubeflow/kfp-api-server:2.17.0", "2.17.3", "OK", "backend 2.17.0, kfp SDK 2.17.3"),
    ("ghcr.io/kubeflow/kfp-api-server:2.16.1", "2.17.3", "WARN", "minor versions differ"),
    ("registry.local:5000/kfp-api-server@sha256:abc", "2.17.3", "WARN", "backend version unknown"),
])
def test_kfp_backend_version_against_the_sdk(image, sdk, status, text):
    fake = FakeCluster()
    fake.deployments["ml-pipeline"] = deployment(1, image=image)
    (finding,) = doctor.check_kfp_version(fake, "kubeflow", sdk=sdk)
    assert finding.status == status and text in finding.message


def test_forbidden_is_reported_as_rbac():
    fake = FakeCluster()

    def forbidden(*a, **k):
        raise ApiException(status=403, reason="Forbidden")

    fake.read_namespaced_secret = forbidden
    assert "RBAC" in run(fake)[f"Secret {doctor.MINIO}"].message


def test_bucket_job_failed():
    fake = FakeCluster()
    fake.job = V1Job(status=V1JobStatus(failed=2))
    finding = run(fake)[f"Job {doctor.BUCKET_JOB}"]
    assert finding.status == "FAIL" and "kubectl -n kubeflow logs job/" in finding.message


def pending(message: str | None = None) -> V1Pod:
    """A Pending pod; with ``message``, one the scheduler could not place."""
    conditions = [V1PodCondition(type="PodScheduled", status="False", reason="Unschedulable",
                                 message=message)] if message else []
    return V1Pod(status=V1PodStatus(phase="Pending", conditions=conditions))


def test_unschedulable_pods_are_one_line_with_the_schedulers_reason():
    fake = FakeCluster()
    fake.pods = [pending()]  # still being scheduled: not a finding
    assert run(fake)["Pending pods"].status == "OK"
    gpu = "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    cpu = "0/1 nodes are available: 1 Insufficient cpu."
    fake.pods = [pending(gpu), pending(gpu), pending(cpu)]
    finding = run(fake)["Pending pods"]
    assert finding.status == "WARN" and "\n" not in finding.message
    assert finding.message == f"3 pods Pending, not schedulable: {gpu} (and 1 other reason)"


def test_gpu_target_without_gpu_nodes_fails():
    finding = run(FakeCluster(), target="gpu")["GPU nodes"]
    assert finding.status == "FAIL" and "NVIDIA device plugin" in finding.message


def test_default_placement_needs_no_label_and_flags_taints():
    fake = FakeCluster()
    fake.nodes = [node("cpu-1"), node("gpu-1", 2), node("gpu-2", 4, taint=True)]
    result = run(fake, target="gpu")  # GPU: the paper profile's placement, nothing extra
    assert result["GPU nodes"].status == "OK"
    assert "2 nodes, 6 allocatable nvidia.com/gpu: gpu-1=2, gpu-2=4" in result["GPU nodes"].message
    assert "GPU node selector" not in result
    taints = result["GPU node taints"]
    assert taints.status == "WARN" and "gpu-2 (nvidia.com/gpu:NoSchedule)" in taints.message
    fake.nodes = [node("gpu-1", 1, taint=True)]
    assert run(fake, target="gpu")["GPU node taints"].status == "FAIL"  # nowhere to schedule
    fake.nodes = [node("gpu-1", 1)]
    assert set(run(fake, target="gpu")) & {"GPU node taints", "GPU node selector"} == set()


def test_optional_selector_and_toleration_are_checked_against_the_nodes():
    fake = FakeCluster()
    fake.nodes = [node("gpu-1", 2, label=True, taint=True), node("gpu-2", 4)]
    result = {f.check: f for f in doctor.check_gpu_nodes(fake, "gpu", PLACED)}
    assert (
        result["GPU node selector"].status == "WARN"
        and "gpu-2" in result["GPU node selector"].message
    )
    assert "GPU node taints" not in result  # gpu-1's taint is tolerated, gpu-2 has none
    fake.nodes = [node("gpu-1", 1)]
    result = {f.check: f for f in doctor.check_gpu_nodes(fake, "gpu", PLACED)}
    assert result["GPU node selector"].status == "FAIL"  # nothing carries the label
    fake.nodes = [node("gpu-1", 1, label=True, taint=True)]
    assert [f.check for f in doctor.check_gpu_nodes(fake, "gpu", PLACED)] == ["GPU nodes"]
    # TARGET=cpu: placement is not checked at all
    assert [f.check for f in doctor.check_gpu_nodes(fake, "cpu", GPU)] == ["GPU nodes"]


@pytest.mark.usefixtures("sleeps")
def test_buckets_checked_over_s3(weed_server):
    """A server of its own: the session's may hold buckets another test made."""
    from digitstudy.storage import BUCKETS, Storage

    config = weed_server.config()
    missing = run(FakeCluster(), storage_config=config)["MinIO buckets"]
    assert missing.status == "FAIL" and "does not exist" in missing.message
    Storage(config).ensure_buckets(BUCKETS)
    assert run(FakeCluster(), storage_config=config)["MinIO buckets"].status == "OK"


def kfp_outside_kubernetes() -> FakeCluster:
    """The local KFP (localkfp/README.md): KFP's services and the store are processes, so the
    namespace holds neither KFP's Deployments nor digitstudy's MinIO."""
    fake = FakeCluster()
    fake.deployments = {}
    fake.job = None
    return fake


def test_kfp_outside_kubernetes_is_checked_through_its_api(kfp_api):
    result = run(kfp_outside_kubernetes(), kfp_host=kfp_api.url)
    kfp = result["KFP"]
    assert kfp.status == "OK" and f"the API answers at {kfp_api.url}" in kfp.message
    # the healthz's tag_name (KFP's TAG_NAME env var) is the backend's release
    version = result["KFP version"]
    assert version.status == "WARN" and "tag_name 'unknown'" in version.message
    kfp_api.body = {"commit_sha": "4a3592cb", "tag_name": "2.17.0", "multi_user": False}
    version = run(kfp_outside_kubernetes(), kfp_host=kfp_api.url)["KFP version"]
    assert (version.status, version.message.split(",")[0]) == ("OK", "backend 2.17.0")
    kfp_api.body = {"tag_name": "2.16.1"}
    version = run(kfp_outside_kubernetes(), kfp_host=kfp_api.url)["KFP version"]
    assert version.status == "WARN" and "minor versions differ" in version.message
    down = run(kfp_outside_kubernetes(), kfp_host="http://127.0.0.1:9")["KFP"]
    assert down.status == "FAIL" and "no KFP API at http://127.0.0.1:9" in down.message
    # without a host to ask, the missing Deployments are the finding, as on a cluster
    assert "missing in kubeflow: ml-pipeline" in run(kfp_outside_kubernetes())["KFP"].message


@pytest.mark.usefixtures("sleeps")
def test_store_outside_kubernetes_is_checked_over_s3(s3_server):
    from digitstudy.storage import BUCKETS, Storage

    config = s3_server.config()
    Storage(config).ensure_buckets(BUCKETS)
    result = run(kfp_outside_kubernetes(), storage_config=config)
    assert result["MinIO"].status == "OK" and "outside Kubernetes" in result["MinIO"].message
    assert f"Job {doctor.BUCKET_JOB}" not in result and result["MinIO buckets"].status == "OK"
    # no S3 settings on this machine: the missing Deployment stays a failure
    assert run(kfp_outside_kubernetes())["MinIO"].status == "FAIL"


@pytest.fixture
def kfp_api():
    """A stand-in for KFP's healthz on 127.0.0.1: GET /apis/v2beta1/healthz answers 200 with
    ``.body`` as JSON (KFP 2.17 without TAG_NAME set: tag_name "unknown"); ``.url``."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from types import SimpleNamespace

    api = SimpleNamespace(body={"commit_sha": "unknown", "tag_name": "unknown",
                                "multi_user": False})

    class Healthz(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the handler's name)
            ok = self.path == "/apis/v2beta1/healthz"
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(json.dumps(api.body).encode() if ok else b"")

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield api
    server.shutdown()


@pytest.mark.parametrize("defaults, says", [
    (KFP_DEFAULTS, "only lost pods are retried (retryPolicy OnError)"),
    ("spec: {ttlStrategy: {secondsAfterCompletion: 60}}", "only failed steps are retried"),
    ("spec: [", "is not YAML"),
])
def test_argo_retries_short_of_failed_steps_and_lost_pods_warn(defaults, says):
    fake = FakeCluster()
    fake.argo = V1ConfigMap(data={"workflowDefaults": defaults})
    finding = run(fake)["Argo retries"]
    assert finding.status == "WARN" and says in finding.message
    assert "make argo-retries" in finding.message or "not YAML" in finding.message


def test_argo_without_node_status_offloading_is_a_warning():
    fake = FakeCluster()
    fake.argo = V1ConfigMap(data={"workflowDefaults": "spec: {}"})  # KFP 2.17.0's stock install
    finding = run(fake)["Argo node status"]
    assert finding.status == "WARN" and "PARTS=" in finding.message
    assert "Workflow size" in finding.message
