"""The local single node (localkfp/node, localkfp/argo): brought up from the build cache, a
two-step Argo workflow run on it, brought down with nothing left behind.

Needs root and the binaries `make cluster-build` puts in the build cache. Under ``CI=true`` a
missing build cache is a failure naming that command; elsewhere the test skips, saying why and
what to run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tooling import in_ci, missing_tool

ROOT = Path(__file__).resolve().parents[2]
NODE = ROOT / "localkfp" / "node"
ARGO = ROOT / "localkfp" / "argo"


def cache_dir() -> Path:
    base = os.environ.get("DIGITSTUDY_CACHE") or str(Path.home() / ".cache" / "digitstudy")
    return Path(base) / "localkfp"


def versions() -> dict[str, str]:
    text = (NODE.parent / "lib.sh").read_text()
    return dict(line.split("=", 1) for line in text.splitlines()
                if line.split("=", 1)[0] in ("KUBE_VERSION", "ETCD_VERSION", "ARGO_VERSION"))


def needed() -> list[Path]:
    v, c = versions(), cache_dir()
    kube = c / "bin" / f"kube-{v['KUBE_VERSION']}"
    return [*(kube / b for b in ("kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                 "kubelet", "kubectl")),
            c / "bin" / f"etcd-{v['ETCD_VERSION']}" / "etcd",
            c / "bin" / f"argo-{v['ARGO_VERSION']}" / "workflow-controller",
            c / "images" / f"argoexec-{v['ARGO_VERSION']}.tar"]


def require_node() -> None:
    missing = [p.name for p in needed() if not p.exists()]
    if missing:
        message = (f"the local node's build cache {cache_dir()} lacks {', '.join(missing)}; "
                   "build it with: make cluster-build")
        if in_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    if os.geteuid() != 0:
        missing_tool("root", "the local node runs containerd and a kubelet", "sudo make test")
    if Path("/run/netns/localkfp").exists():
        message = "a local node is up already (network namespace localkfp): stop it with make cluster-down"
        if in_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)


def run(script: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.localcluster
def test_node_runs_a_two_step_argo_workflow_and_leaves_nothing_behind(node_lock):
    require_node()
    # the default state folder (LOCALKFP_STATE, /var/lib/localkfp): its image store is reused
    env = dict(os.environ)
    up = run(NODE / "up.sh", env, 300)
    try:
        assert up.returncode == 0, f"node up failed:\n{up.stdout}\n{up.stderr}"
        assert "Ready" in up.stdout
        argo = run(ARGO / "up.sh", env, 180)
        assert argo.returncode == 0, f"argo up failed:\n{argo.stdout}\n{argo.stderr}"
        check = run(ARGO / "check.sh", env, 300)
        assert check.returncode == 0, f"workflow failed:\n{check.stdout}\n{check.stderr}"
        assert "Succeeded" in check.stdout and "hello-from-produce" in check.stdout
    finally:
        down = run(NODE / "down.sh", env, 180)
    assert down.returncode == 0, f"node down left something behind:\n{down.stdout}\n{down.stderr}"
    assert "left behind" not in down.stderr


def test_node_scripts_source_one_set_of_versions():
    v = versions()
    assert v == {"KUBE_VERSION": "v1.34.4", "ETCD_VERSION": "v3.6.16", "ARGO_VERSION": "v4.0.5"}
    kube_mod = (ROOT / "localkfp" / "kube" / "go.mod").read_text()
    assert f"k8s.io/kubernetes {v['KUBE_VERSION']}" in kube_mod
    assert "go.etcd.io/etcd/server/v3 " + v["ETCD_VERSION"] in (ROOT / "localkfp" / "etcd" / "go.mod").read_text()
    # every staging module the wrapper replaces is at the matching v0.x release
    minor = v["KUBE_VERSION"].removeprefix("v1.")
    replaced = [line.split("=>")[1].split() for line in kube_mod.splitlines() if "=>" in line]
    assert replaced and all(ver == f"v0.{minor}" for _, ver in replaced)
