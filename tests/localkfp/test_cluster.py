"""The local Kubeflow Pipelines end to end: `make cluster-up`, a small pipeline submitted with
kfp.Client reaches SUCCEEDED, its driver and launcher pods ran under the kubelet, its artifacts
are in the object store and its executions in MLMD; `make cluster-down` leaves nothing.

Needs root and the build cache (`make cluster-build`; KFP's checkout, `make kfp-src`). Without
them the test skips with that command; with CI=true it fails naming it. It takes the machine's
node for a few minutes: nothing else may hold the `localkfp` network namespace meanwhile.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from localkfp.smoke_pipeline import ITEMS, smoke_pipeline
from tooling import in_ci, missing_tool

pytestmark = [pytest.mark.slow, pytest.mark.localcluster]
ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("LOCALKFP_STATE", "/var/lib/localkfp"))


def run(*args, timeout=1800, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          **kw)


@pytest.fixture(scope="module")
def cluster(node_lock):
    if os.geteuid() != 0:
        missing_tool("root", "the local cluster runs containerd and a kubelet", "sudo make test")
    missing = run("localkfp/cluster_build.sh", "--check")
    if missing.returncode != 0:
        missing_tool("the local cluster's build cache", missing.stdout + missing.stderr,
                     "make kfp-src KFP_GIT=<KFP's repository or a mirror> && make cluster-build")
    if Path("/run/netns/localkfp").exists():
        message = "a local node is up already (network namespace localkfp): make cluster-down"
        pytest.fail(message) if in_ci() else pytest.skip(message)
    up = run("make", "cluster-up")
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        env = dict(line.split("=", 1) for line in up.stdout.splitlines()
                   if line.startswith(("KFP_HOST=", "KUBECONFIG=")))
        yield env
    finally:
        down = run("make", "cluster-down", timeout=300)
        assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]


def kubectl(env, *args) -> str:
    return run(str(kube_bin() / "kubectl"), "--kubeconfig", env["KUBECONFIG"], *args,
               timeout=60).stdout


def kube_bin() -> Path:
    out = run("bash", "-c", ". localkfp/lib.sh && echo $KUBE_BIN")
    return Path(out.stdout.strip())


def test_smoke_pipeline_runs_on_the_local_kfp(cluster, tmp_path):
    import kfp
    from kfp import compiler

    image = run("make", "-s", "print-cpu-image").stdout.strip()
    package = tmp_path / "smoke.yaml"
    compiler.Compiler().compile(smoke_pipeline(image), str(package))
    client = kfp.Client(host=cluster["KFP_HOST"])
    run_id = client.create_run_from_pipeline_package(
        str(package), arguments={}, run_name="localkfp-smoke",
        experiment_name="localkfp").run_id
    deadline = time.monotonic() + 900
    while (state := str(client.get_run(run_id).state).upper()) not in (
            "SUCCEEDED", "FAILED", "CANCELED", "SKIPPED"):
        assert time.monotonic() < deadline, f"run {run_id} still {state}"
        time.sleep(5)
    details = client.get_run(run_id).run_details
    tasks = {t.display_name: t.state for t in (details.task_details or [])}
    assert state == "SUCCEEDED", f"{state}: {tasks}\n{kubectl(cluster, 'get', 'pods', '-A')}"

    # driver and launcher pods ran under the kubelet (runtime-role annotations, argo.go/container.go)
    pods = json.loads(kubectl(cluster, "get", "pods", "-n", "kubeflow", "-o", "json"))["items"]
    roles = [p["metadata"].get("annotations", {}).get("pipelines.kubeflow.org/runtime-role")
             for p in pods]
    assert roles.count("driver") >= 6 and roles.count("launcher") == 2 + len(ITEMS) + 1, roles
    assert all(p["status"]["phase"] == "Succeeded" for p in pods), [
        (p["metadata"]["name"], p["status"]["phase"]) for p in pods]

    # the artifact is in the object store, and the executions and artifacts in MLMD
    mlmd = json.loads(run(mlmd_python(), "localkfp/kfp/mlmd_run.py", "--mlmd",
                          f"{NODE_IP}:8080", "--run-id", run_id, timeout=120).stdout)
    steps = [e for e in mlmd["executions"] if e["name"] in ("produce", "shout", "square", "total")]
    assert sorted(e["name"] for e in steps) == ["produce", "shout"] + ["square"] * len(ITEMS) + [
        "total"], mlmd
    assert all(e["state"] == "COMPLETE" for e in steps), mlmd
    data_uri = next(uri for uri in mlmd["artifacts"] if uri.endswith("/data"))
    assert object_exists(data_uri), data_uri
    # the UI previews it as its Input/Output tab does: with the store session MLMD records
    # (a Secret and the store's Service name), through the UI server on the host
    preview = ui_artifact(data_uri, mlmd["sessions"][data_uri])
    assert preview == read_object(data_uri)[:256], preview


def test_argo_offloads_and_retries_failed_steps(cluster):
    """cluster-up's Argo: KFP's settings plus node-status offloading (kfp/argo_patch.py) and
    digitstudy's retry default (kfp/project.sh: make argo-retries)."""
    import yaml

    from digitstudy.cluster.argo_retries import CONFIGMAP, DEFAULTS_KEY, retries

    data = json.loads(kubectl(cluster, "-n", "kubeflow", "get", "configmap", CONFIGMAP,
                              "-o", "json"))["data"]
    assert yaml.safe_load(data["persistence"])["nodeStatusOffLoad"] is True
    found = retries(data[DEFAULTS_KEY])
    assert found.failed_steps and found.lost_pods, str(found)
    assert yaml.safe_load(data[DEFAULTS_KEY])["spec"]["hostAliases"], "the node's hostAliases"


NODE_IP = "10.255.255.2"
UI_PORT = int(os.environ.get("UI_PORT", "3000"))  # localkfp/kfp/env.sh


def mlmd_python() -> str:
    return str(Path(run("localkfp/mlmd/build_venv.sh").stdout.strip()) / "bin" / "python")


def store():
    """The local cluster's SeaweedFS (credentials from its state)."""
    from minio import Minio

    creds = dict(line.split("=", 1) for line in
                 (STATE / "kfp" / "credentials.env").read_text().split())
    return Minio(f"{NODE_IP}:9000", creds["S3_ACCESS_KEY"], creds["S3_SECRET_KEY"], secure=False)


def object_exists(uri: str) -> bool:
    """``minio://bucket/key`` is in the local cluster's store."""
    bucket, key = uri.removeprefix("minio://").split("/", 1)
    return store().stat_object(bucket, key).size > 0


def read_object(uri: str) -> bytes:
    bucket, key = uri.removeprefix("minio://").split("/", 1)
    response = store().get_object(bucket, key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def ui_artifact(uri: str, session: str, peek: int = 256) -> bytes:
    """``uri``'s first ``peek`` bytes from the local UI server, asked as the UI's client asks
    (frontend/src/lib/Apis.ts readFile/buildReadFileUrl ~311-356: artifacts/get with the
    artifact's store_session_info as providerInfo)."""
    import requests

    bucket, key = uri.removeprefix("minio://").split("/", 1)
    answer = requests.get(f"http://127.0.0.1:{UI_PORT}/artifacts/get", timeout=60, params={
        "source": "minio", "bucket": bucket, "key": key, "peek": peek, "providerInfo": session})
    assert answer.status_code == 200, f"{answer.status_code}: {answer.text[:500]}"
    return answer.content
