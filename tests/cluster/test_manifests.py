"""k8s/ manifests: every overlay builds offline and passes schema validation; the pieces
that must agree (Secret keys, launcher config, buckets, NodePorts, GPU placement) agree."""

from __future__ import annotations

import os
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
OVERLAYS = ["base", "overlays/kind", "overlays/gpu", "overlays/gpu-multi-user",
            "overlays/gpu-shared"]
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
                     "overlays/gpu-multi-user": "200Gi", "overlays/gpu-shared": "200Gi"}


def test_profiles_place_nothing_extra_on_gpu_nodes_by_default():
    for name in ("tiny", "paper"):
        gpu = load_profile(name).cluster.gpu
        assert gpu.node_selector is None and gpu.toleration is None, name


# --- GPU sharing: NVIDIA device-plugin time-slicing (k8s/components/gpu-time-slicing) --------

TIME_SLICING = K8S / "components" / "gpu-time-slicing" / "time-slicing.yaml"  # the one setting
PLUGIN_DS = "nvidia-device-plugin-daemonset"
# The plugin's config format at the version the gpu overlay pins (nvcr.io/nvidia/
# k8s-device-plugin:v0.17.1), transcribed from NVIDIA/k8s-device-plugin at tag v0.17.1
# (3c378193). The plugin parses the file with sigs.k8s.io/yaml, i.e. Go's encoding/json, which
# silently ignores keys it does not know (api/config/v1/config.go:129-130): a misspelt optional
# key would be dropped without a word, hence the known-key check here (exact spelling: stricter
# than encoding/json, which also matches keys case-insensitively).
PLUGIN_CONFIG_KEYS = {"version", "flags", "resources", "sharing", "imex"}  # config.go:33-39
PLUGIN_SHARING_KEYS = {"timeSlicing", "mps"}  # sharing.go:20-25
PLUGIN_REPLICATED_KEYS = {"renameByDefault", "failRequestsGreaterThanOne",
                          "resources"}  # replicas.go:29-33
PLUGIN_RESOURCE_KEYS = {"name", "rename", "devices", "replicas"}  # replicas.go:80-85


def time_slicing_errors(config: dict, resource: str) -> list[str]:
    """What the v0.17.1 plugin would reject, ignore or advertise under another name in a
    time-slicing config meant to share ``resource`` (an empty list: it is accepted as meant)."""
    errors = [f"unknown key {k!r}" for k in set(config) - PLUGIN_CONFIG_KEYS]
    if config.get("version", "v1") != "v1":  # config.go:135-141 ("" means v1)
        errors.append(f"version {config['version']!r}: only v1 is known")
    sharing = config.get("sharing") or {}
    errors += [f"unknown key sharing.{k}" for k in set(sharing) - PLUGIN_SHARING_KEYS]
    if "mps" in sharing:  # sharing.go:36-52: MPS wins over time-slicing when both are set
        errors.append("sharing.mps is set: time-slicing and MPS are mutually exclusive")
    slicing = sharing.get("timeSlicing")
    if not isinstance(slicing, dict):
        return [*errors, "no sharing.timeSlicing"]
    errors += [f"unknown key sharing.timeSlicing.{k}"
               for k in set(slicing) - PLUGIN_REPLICATED_KEYS]
    for flag in ("renameByDefault", "failRequestsGreaterThanOne"):  # bool (replicas.go:30-31)
        if not isinstance(slicing.get(flag, False), bool):
            errors.append(f"{flag} is not a bool")
    if slicing.get("renameByDefault"):  # replicas.go:206-210, consts.go:26: <name>.shared
        errors.append(f"renameByDefault: the GPUs would be advertised as {resource}.shared")
    resources = slicing.get("resources")
    if not isinstance(resources, list) or not resources:  # replicas.go:192-204
        return [*errors, "no resources specified"]
    for i, item in enumerate(resources):
        where = f"sharing.timeSlicing.resources[{i}]"
        errors += [f"unknown key {where}.{k}" for k in set(item) - PLUGIN_RESOURCE_KEYS]
        if item.get("name") != resource:  # required (replicas.go:223-226)
            errors.append(f"{where}.name is {item.get('name')!r}, not {resource}")
        replicas = item.get("replicas")  # required, an int >= 2 (replicas.go:243-255)
        if type(replicas) is not int or replicas < 2:
            errors.append(f"{where}.replicas is {replicas!r}: an int >= 2 is required")
        # rename, and devices other than all, are reset with a warning in v0.17.1
        # (config.go:88-102, replicas.go:35-65): setting them would not do what it says
        if "rename" in item or item.get("devices", "all") != "all":
            errors.append(f"{where}: rename / devices are ignored by v0.17.1")
    return errors


def device_plugin(overlay: str) -> tuple[dict, dict]:
    """The plugin DaemonSet's container and pod spec in ``overlay``."""
    spec = find(build(overlay), "DaemonSet", PLUGIN_DS)["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    return container, spec


def test_time_slicing_config_is_the_plugins_format_and_shares_what_training_requests():
    from pipelines.placement import GPU_RESOURCE  # what TARGET=gpu training steps request

    setting = yaml.safe_load(TIME_SLICING.read_text())
    assert time_slicing_errors(setting, GPU_RESOURCE) == []
    assert setting["sharing"]["timeSlicing"]["failRequestsGreaterThanOne"] is True
    # a request above 1 then fails admission (internal/rm/rm.go:78-79): every profile asks 1
    for name in ("tiny", "paper"):
        assert load_profile(name).cluster.training.gpus == 1, name


def test_time_slicing_checker_rejects_what_the_plugin_would_not_take_as_meant():
    def config(**resource):
        return {"version": "v1", "sharing": {"timeSlicing": {"resources": [
            {"name": "nvidia.com/gpu", "replicas": 4} | resource]}}}

    assert time_slicing_errors(config(), "nvidia.com/gpu") == []
    for bad in (config(replicas=1), config(replicas="4"), config(replicas=True),
                config(replica=4), config(name="nvidia.com/mig-1g.10gb"), config(devices=[0]),
                config(rename="nvidia.com/gpu.shared"), {**config(), "version": "v2"},
                {"version": "v1", "sharing": {"timeSharing": config()["sharing"]["timeSlicing"]}},
                {"version": "v1", "sharing": {"timeSlicing": {"resources": []}}}):
        assert time_slicing_errors(bad, "nvidia.com/gpu"), bad
    renamed = config()
    renamed["sharing"]["timeSlicing"]["renameByDefault"] = True
    assert time_slicing_errors(renamed, "nvidia.com/gpu")
    misspelt = config()
    misspelt["sharing"]["timeSlicing"]["failRequestGreaterThanOne"] = True  # would be ignored
    assert time_slicing_errors(misspelt, "nvidia.com/gpu")


def test_gpu_shared_overlay_mounts_the_one_setting_where_the_plugin_reads_it():
    docs = build("overlays/gpu-shared")
    container, spec = device_plugin("overlays/gpu-shared")
    env = {e["name"]: e["value"] for e in container["env"]}
    path = Path(env["CONFIG_FILE"])  # the plugin's --config-file (main.go:121-126 at v0.17.1)
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(path.parent)]
    assert mount.get("readOnly") is True
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    configmap = find(docs, "ConfigMap", volume["configMap"]["name"])  # the hashed name
    assert configmap["metadata"]["namespace"] == "kube-system"  # the DaemonSet's namespace
    assert "items" not in volume["configMap"] and path.name in configmap["data"]
    # the overlay ships the setting's file unchanged: one replica count, from one place
    shipped = yaml.safe_load(configmap["data"][path.name])
    assert shipped == yaml.safe_load(TIME_SLICING.read_text())
    sharing_maps = [d for d in docs
                    if d["kind"] == "ConfigMap" and "sharing:" in str(d.get("data"))]
    assert sharing_maps == [configmap]
    # everything else is the whole-GPU overlay's: same plugin, same env, mounts, tolerations
    whole, whole_spec = device_plugin("overlays/gpu")
    assert [e for e in container["env"] if e["name"] != "CONFIG_FILE"] == whole["env"]
    assert [m for m in container["volumeMounts"] if m is not mount] == whole["volumeMounts"]
    assert container["image"] == whole["image"] and spec["tolerations"] == whole_spec["tolerations"]


def test_plain_gpu_overlays_stay_one_pod_per_gpu():
    for overlay in ("overlays/gpu", "overlays/gpu-multi-user"):
        container, _ = device_plugin(overlay)
        assert "CONFIG_FILE" not in {e["name"] for e in container["env"]}, overlay
        assert not [d for d in build(overlay) if d["kind"] == "ConfigMap"
                    and "sharing:" in str(d.get("data"))], overlay


def test_replicas_are_set_in_ones_own_overlay_as_the_component_says(tmp_path):
    """The override in k8s/components/gpu-time-slicing/kustomization.yaml: replacing the
    generated ConfigMap gives the plugin the new count and renames what the DaemonSet mounts."""
    mine = yaml.safe_load(TIME_SLICING.read_text())
    mine["sharing"]["timeSlicing"]["resources"][0]["replicas"] = 3
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(mine))
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(K8S / "overlays" / "gpu-shared", tmp_path)],  # no absolute
        "configMapGenerator": [{"name": "nvidia-device-plugin-config", "namespace": "kube-system",
                                "behavior": "replace", "files": ["config.yaml=mine.yaml"]}]}))
    assert "behavior: replace" in (TIME_SLICING.parent / "kustomization.yaml").read_text()
    command = kustomize_command() or missing_tool("kustomize", "no kustomize >= v4", INSTALL_HINT)
    out = subprocess.run([*command, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    spec = find(docs, "DaemonSet", PLUGIN_DS)["spec"]["template"]["spec"]
    (name,) = [v["configMap"]["name"] for v in spec["volumes"] if "configMap" in v]
    assert yaml.safe_load(find(docs, "ConfigMap", name)["data"]["config.yaml"]) == mine
    _, shipped = device_plugin("overlays/gpu-shared")
    assert name not in {v["configMap"]["name"] for v in shipped["volumes"] if "configMap" in v}, \
        "a changed config must change the pod template (the plugin reads it only at start)"
