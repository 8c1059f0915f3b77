"""k8s/ manifests: every overlay builds offline and passes schema validation; the pieces
that must agree (Secret keys, launcher config, buckets, NodePorts, GPU placement) agree."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import kubernetes_validate as kv  # a dev pin: always in the venv
import pytest
import yaml
from tooling import missing_tool

from digitstudy import storage
from digitstudy.cluster import doctor
from digitstudy.config import load_profile

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS = ["base", "overlays/kind", "overlays/gpu", "overlays/gpu-multi-user"]
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
        missing_tool("kustomize", "no kustomize >= v4 (kubectl kustomize or kustomize) on PATH",
                     INSTALL_HINT)
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


LAUNCHER_PATCH = K8S / "launcher" / "kfp-launcher-patch.yaml"
# KFP 2.17.0's own ConfigMap (manifests/kustomize/base/pipeline/kfp-launcher-configmap.yaml)
# as the platform-agnostic install renders it: pipeline-install-config's defaultPipelineRoot
# is "" (manifests/kustomize/base/installs/generic/pipeline-install-config.yaml:49).
KFP_LAUNCHER = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "kfp-launcher"},
                "data": {"defaultPipelineRoot": ""}}


def minio_session(providers: dict | None, root: str) -> dict:
    """The endpoint/secret the 2.17.0 launcher uses for ``root``, transcribed from
    backend/src/v2/config/env.go:118-193, minio.go:26-51 and s3.go:72-182 (a model of
    that Go code for the fields we set, not the code itself)."""
    bucket, key = re.match(r"^minio://([^/]+)/?(.*)$", root).groups()
    minio = (providers or {}).get("minio")
    if not minio or (minio.get("default") is None and minio.get("Overrides") is None):
        return {"endpoint": "seaweedfs.kubeflow:9000", "secret": "mlpipeline-minio-artifact"}
    default = minio.get("default")
    if not default or not default.get("credentials"):
        raise ValueError("invalid provider config: missing default credentials")  # s3.go:98
    session = {"endpoint": default["endpoint"],
               "secret": default["credentials"]["secretRef"]["secretName"]}
    for override in minio.get("Overrides") or []:
        if override["bucketName"] == bucket and key.startswith(override.get("keyPrefix", "")):
            assert "maxRetries" not in override, "s3.go:151 would dereference default.maxRetries"
            session["endpoint"] = override.get("endpoint") or session["endpoint"]
            session["secret"] = override["credentials"]["secretRef"]["secretName"]
            break
    return session


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_overlay_carries_a_kfp_launcher_configmap(overlay):
    """`kubectl apply -k` of an overlay must not replace KFP's own kfp-launcher."""
    assert not [d for d in build(overlay) if d["kind"] == "ConfigMap"
                and d["metadata"]["name"] == doctor.LAUNCHER_CONFIGMAP]


def test_launcher_patch_keeps_kfp_defaults_and_overrides_only_our_bucket(tmp_path):
    (tmp_path / "kfp-launcher.yaml").write_text(yaml.safe_dump(KFP_LAUNCHER))
    shutil.copy(LAUNCHER_PATCH, tmp_path / "patch.yaml")
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "namespace": "kubeflow", "resources": ["kfp-launcher.yaml"],
        "patches": [{"path": "patch.yaml"}]}))
    command = kustomize_command() or missing_tool("kustomize", "no kustomize >= v4", INSTALL_HINT)
    out = subprocess.run([*command, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    (patched,) = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert patched["data"]["defaultPipelineRoot"] == ""  # KFP's value, untouched
    assert set(patched["data"]) == {"defaultPipelineRoot", "providers"}
    providers = yaml.safe_load(patched["data"]["providers"])
    assert set(providers) == {"minio"}  # s3:// and gs:// roots keep KFP's behaviour
    assert "Overrides" in providers["minio"]  # the JSON key is capitalised (s3.go:28)

    service = find(build("base"), "Service", doctor.MINIO)
    port = next(p["port"] for p in service["spec"]["ports"] if p["name"] == "api")
    ours = f"{doctor.MINIO}.{service['metadata']['namespace']}.svc.cluster.local:{port}"
    got = minio_session(providers, storage.PIPELINE_ROOT + "/digitstudy-xyz/task/output")
    assert got == {"endpoint": ours, "secret": doctor.MINIO}
    stock = minio_session(None, "minio://mlpipeline/v2/artifacts/run/task")
    assert minio_session(providers, "minio://mlpipeline/v2/artifacts/run/task") == stock
    override = providers["minio"]["Overrides"][0]
    ref = override["credentials"]["secretRef"]
    assert override["credentials"]["fromEnv"] is False and override["disableSSL"] is True
    assert (ref["accessKeyKey"], ref["secretKeyKey"]) == ("accesskey", "secretkey")
    kind_up = (ROOT / "scripts" / "kind_up.sh").read_text()
    assert f"ENDPOINT_IN_CLUSTER={doctor.MINIO}.${{NAMESPACE}}.svc.cluster.local:{port}" in kind_up
    assert (
        "patch configmap kfp-launcher" in kind_up
        and "k8s/launcher/kfp-launcher-patch.yaml" in kind_up
    )


def test_the_launcher_model_sees_a_broken_providers_section():
    with pytest.raises(ValueError, match="missing default credentials"):
        minio_session({"minio": {"Overrides": []}}, storage.PIPELINE_ROOT)


def test_kfp_backend_version_is_pinned_once_and_matches_the_sdk_minor():
    version = (K8S / "KFP_VERSION").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+",
                        version)  # a backend tag (2.17.0 exists; 2.17.3 is SDK-only)
    pins = dict(line.split("==") for line in (ROOT / "requirements.lock").read_text().split()
                if "==" in line)
    assert version.split(".")[:2] == pins["kfp"].split(".")[:2]
    kind_up = (ROOT / "scripts" / "kind_up.sh").read_text()
    makefile = (ROOT / "mk" / "cluster.mk").read_text()
    assert "k8s/KFP_VERSION" in kind_up and "k8s/KFP_VERSION" in makefile
    assert not re.search(r"2\.17\.\d", kind_up + makefile), "the version lives in k8s/KFP_VERSION"


def test_bucket_job_creates_every_bucket_the_code_uses():
    job = find(build("base"), "Job", doctor.BUCKET_JOB)
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    created = re.search(r"for bucket in ([\w\- ]+); do", script).group(1).split()
    assert created == list(storage.BUCKETS)
    minio = find(build("base"), "Deployment", doctor.MINIO)
    assert (
        job["spec"]["template"]["spec"]["containers"][0]["image"]
        == minio["spec"]["template"]["spec"]["containers"][0]["image"]
    )  # same pinned release (ships mc)


def test_kind_nodeports_match_kind_config_port_mappings():
    config = yaml.safe_load((ROOT / "kind-config.yaml").read_text())
    mappings = {m["containerPort"]: m["hostPort"] for n in config["nodes"]
                for m in n.get("extraPortMappings", [])}
    docs = build("overlays/kind")
    node_ports = {p["nodePort"]: (s["metadata"]["name"], p["port"]) for s in docs
                  if s["kind"] == "Service" and s["spec"].get("type") == "NodePort"
                  for p in s["spec"]["ports"]}
    assert set(node_ports) == set(mappings)
    assert mappings[next(np for np,
                         (n, p) in node_ports.items() if n == doctor.MINIO and p == 9000)] == 9000
    assert mappings[next(np for np,
                         (n, _) in node_ports.items() if n == "digitstudy-kfp-ui")] == 8080
    kind_up = (ROOT / "scripts" / "kind_up.sh").read_text()
    assert "ENDPOINT_ON_HOST=localhost:9000" in kind_up
    for node in config["nodes"]:
        assert "@sha256:" in node["image"], "kind node images are pinned by digest"


def test_minio_admits_listed_namespaces_and_multi_user_adds_profile_namespaces():
    def peers(overlay):
        return find(build(overlay), "NetworkPolicy", doctor.MINIO)["spec"]["ingress"]

    (rule,) = peers("base")
    (listed,) = [p for p in rule["from"] if "matchExpressions" in p.get("namespaceSelector", {})]
    (expr,) = listed["namespaceSelector"]["matchExpressions"]
    assert (expr["key"], expr["operator"], expr["values"]) == ("kubernetes.io/metadata.name", "In",
                                                               ["kubeflow"])
    assert all("podSelector" not in p for p in rule["from"])  # any pod of those namespaces
    assert peers("overlays/gpu") == peers("base")
    (multi,) = peers("overlays/gpu-multi-user")
    assert {"namespaceSelector": {"matchLabels": {"pipelines.kubeflow.org/enabled": "true"}}} \
        in multi["from"] and listed in multi["from"]
    kind = peers("overlays/kind")
    assert kind and all("from" not in r for r in kind)  # NodePort traffic from the host


def test_gpu_overlay_device_plugin_runs_on_every_node():
    plugin = find(build("overlays/gpu"), "DaemonSet", "nvidia-device-plugin-daemonset")
    spec = plugin["spec"]["template"]["spec"]
    assert plugin["metadata"]["namespace"] == "kube-system"
    assert "nodeSelector" not in spec and "affinity" not in spec  # no label to wait for
    assert {"key": "nvidia.com/gpu", "operator": "Exists",
            "effect": "NoSchedule"} in spec["tolerations"]
    env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
    assert env["FAIL_ON_INIT_ERROR"] == "false"  # idles on nodes without GPUs
    assert not [d for d in build("overlays/kind") if d["kind"] == "DaemonSet"]
    sizes = {o: find(build(o), "PersistentVolumeClaim",
                     doctor.MINIO)["spec"]["resources"]["requests"]
             ["storage"] for o in OVERLAYS}
    assert sizes == {"base": "20Gi", "overlays/kind": "5Gi", "overlays/gpu": "200Gi",
                     "overlays/gpu-multi-user": "200Gi"}


def test_profiles_place_nothing_extra_on_gpu_nodes_by_default():
    for name in ("tiny", "paper"):
        gpu = load_profile(name).cluster.gpu
        assert gpu.node_selector is None and gpu.toleration is None, name
