"""k8s/ manifests: every overlay builds offline and passes schema validation; the pieces
that must agree (Secret keys, launcher config, buckets, NodePorts, GPU placement) agree."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from digitstudy import storage
from digitstudy.cluster import doctor
from digitstudy.config import load_profile

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = ["base", "overlays/kind", "overlays/gpu"]
K8S_VERSION = "1.34.0"  # the kind node image (kind-config.yaml) runs Kubernetes 1.34
INSTALL_HINT = "run scripts/install_tools.sh (make tools)"


@cache
def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        out = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True)
        major = re.search(r"Kustomize Version: v(\d+)", out.stdout)
        if major and int(major.group(1)) >= 4:
            return ["kubectl", "kustomize"]
    return None


@cache
def build(overlay: str) -> tuple[dict, ...]:
    command = kustomize_command()
    if command is None:
        pytest.skip(f"no kustomize >= v4 (kubectl kustomize or kustomize) on PATH: {INSTALL_HINT}")
    out = subprocess.run([*command, str(K8S / overlay)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, f"kustomize build {overlay} failed:\n{out.stderr}"
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def find(docs, kind: str, name: str) -> dict:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_specs(docs):
    for d in docs:
        if d["kind"] in ("Deployment", "DaemonSet", "Job"):
            yield d, d["spec"]["template"]["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_builds_offline_and_every_object_is_schema_valid(overlay):
    kv = pytest.importorskip("kubernetes_validate",
                             reason=f"kubernetes-validate missing from the venv: {INSTALL_HINT}")
    docs = build(overlay)
    assert docs, f"{overlay} builds to nothing"
    errors = []
    for doc in docs:
        try:
            kv.validate(doc, K8S_VERSION, strict=True)  # strict: unknown fields are errors too
        except kv.ValidationError as err:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {err.message} at "
                          f"{'/'.join(map(str, err.path))}")
    assert not errors, "\n".join(errors)


def test_validator_really_rejects_bad_objects():
    kv = pytest.importorskip("kubernetes_validate", reason=INSTALL_HINT)
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
           "spec": {"ports": [{"port": "not-a-number"}], "selectr": {}}}
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_or_credential_is_committed(overlay):
    docs = build(overlay)
    assert not [d for d in docs if d["kind"] == "Secret"], "Secrets are generated at install time"
    text = "\n".join(p.read_text() for p in K8S.rglob("*.yaml"))
    for leaked in ("minio123", "password:", "accesskey:", "secretkey: "):
        assert leaked not in text.lower().replace("accesskeykey", "").replace("secretkeykey", "")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_pinned_and_pods_hardened(overlay):
    for doc, spec in pod_specs(build(overlay)):
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        for container in spec["containers"]:
            image = container["image"]
            assert re.search(r":[\w.-]+$|@sha256:", image) and not image.endswith(":latest"), (
                f"{name}: image {image} is not pinned")
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert "requests" in container.get("resources", {}) or doc["kind"] == "DaemonSet", name
        if doc["metadata"]["namespace"] == "kubeflow":
            assert spec["securityContext"]["runAsNonRoot"] is True, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secret_references_match_the_installed_secret(overlay):
    """Every secretKeyRef names digitstudy-minio and a key scripts/kind_up.sh generates."""
    script = (ROOT / "scripts" / "kind_up.sh").read_text()
    generated = set(re.findall(r'echo "([a-z]+)=', script))  # lower-case: Secret keys
    assert generated == set(doctor.SECRET_KEYS)
    refs = [env["valueFrom"]["secretKeyRef"] for _, spec in pod_specs(build(overlay))
            for c in spec["containers"] for env in c.get("env", []) if "valueFrom" in env]
    assert refs
    for ref in refs:
        assert ref["name"] == doctor.MINIO and ref["key"] in generated


def test_launcher_config_points_at_our_minio():
    docs = build("base")
    launcher = find(docs, "ConfigMap", doctor.LAUNCHER_CONFIGMAP)["data"]
    assert launcher["defaultPipelineRoot"] == doctor.PIPELINE_ROOT
    scheme, bucket = re.match(r"^(\w+)://([^/]+)/", launcher["defaultPipelineRoot"]).groups()
    providers = yaml.safe_load(launcher["providers"])
    assert set(providers) == {scheme}  # the root's scheme selects this provider section
    default = providers[scheme]["default"]
    service = find(docs, "Service", doctor.MINIO)
    port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "api")
    assert default["endpoint"] == f"{doctor.MINIO}.{service['metadata']['namespace']}.svc.cluster.local:{port}"
    assert default["disableSSL"] is True and default["forcePathStyle"] is True
    ref = default["credentials"]["secretRef"]
    assert default["credentials"]["fromEnv"] is False
    assert (ref["secretName"], ref["accessKeyKey"], ref["secretKeyKey"]) == (
        doctor.MINIO, "accesskey", "secretkey")
    assert bucket == storage.PIPELINE_ROOT_BUCKET
    kind_up = (ROOT / "scripts" / "kind_up.sh").read_text()
    assert f"ENDPOINT_IN_CLUSTER={doctor.MINIO}.${{NAMESPACE}}.svc.cluster.local:{port}" in kind_up


def test_bucket_job_creates_every_bucket_the_code_uses():
    job = find(build("base"), "Job", doctor.BUCKET_JOB)
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    created = re.search(r"for bucket in ([\w\- ]+); do", script).group(1).split()
    assert created == list(storage.BUCKETS)
    minio = find(build("base"), "Deployment", doctor.MINIO)
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == \
        minio["spec"]["template"]["spec"]["containers"][0]["image"]  # same pinned release (ships mc)


def test_kind_nodeports_match_kind_config_port_mappings():
    config = yaml.safe_load((ROOT / "kind-config.yaml").read_text())
    mappings = {m["containerPort"]: m["hostPort"] for n in config["nodes"]
                for m in n.get("extraPortMappings", [])}
    docs = build("overlays/kind")
    node_ports = {p["nodePort"]: (s["metadata"]["name"], p["port"]) for s in docs
                  if s["kind"] == "Service" and s["spec"].get("type") == "NodePort"
                  for p in s["spec"]["ports"]}
    assert set(node_ports) == set(mappings)
    assert mappings[next(np for np, (n, p) in node_ports.items() if n == doctor.MINIO and p == 9000)] == 9000
    assert mappings[next(np for np, (n, _) in node_ports.items() if n == "digitstudy-kfp-ui")] == 8080
    kind_up = (ROOT / "scripts" / "kind_up.sh").read_text()
    assert "ENDPOINT_ON_HOST=localhost:9000" in kind_up
    for node in config["nodes"]:
        assert "@sha256:" in node["image"], "kind node images are pinned by digest"


def test_kind_opens_minio_to_the_host_and_base_does_not():
    base = find(build("base"), "NetworkPolicy", doctor.MINIO)["spec"]["ingress"]
    assert all("from" in rule for rule in base)
    kind = find(build("overlays/kind"), "NetworkPolicy", doctor.MINIO)["spec"]["ingress"]
    assert kind and all("from" not in rule for rule in kind)


def test_gpu_overlay_device_plugin_matches_the_profile_placement():
    gpu = load_profile("paper").cluster.gpu
    plugin = find(build("overlays/gpu"), "DaemonSet", "nvidia-device-plugin-daemonset")
    spec = plugin["spec"]["template"]["spec"]
    assert plugin["metadata"]["namespace"] == "kube-system"
    assert spec["nodeSelector"] == {gpu.node_label_key: gpu.node_label_value}
    assert {"key": gpu.taint_key, "operator": "Exists", "effect": gpu.taint_effect} in spec["tolerations"]
    assert not [d for d in build("overlays/kind") if d["kind"] == "DaemonSet"]
    sizes = {o: find(build(o), "PersistentVolumeClaim", doctor.MINIO)["spec"]["resources"]["requests"]
             ["storage"] for o in OVERLAYS}
    assert sizes == {"base": "20Gi", "overlays/kind": "5Gi", "overlays/gpu": "200Gi"}
