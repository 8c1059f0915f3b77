"""Fake nvidia.com/gpu units on the local KFP's node, and what N of them change.

The scheduler counts an extended resource from the node's status alone: patching
``status.capacity`` makes the node advertise N units with no GPU and no device plugin (what
the device plugin's time-slicing ``replicas`` does on a real GPU node: docs/cluster.md, "GPU
sharing"). Only on the local node: a real cluster's nodes are not patched.

    python -m localkfp.fake_gpu --units 1 2 [--data s3://datasets/live-fixture]

runs Part 1 of tiny for TARGET=gpu (the CPU image standing in for the GPU image, training
asking for a quarter CPU so that the node's 2 CPUs do not limit it, KFP's cache off) once per
N, and prints each run's wall time and the most training pods that ran at once.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import yaml

NODE = "localkfp-node"  # localkfp/lib.sh NODE_NAME
GPU = "nvidia.com/gpu"
TRAINING_CPU = "250m"


def advertise(core, units: int, timeout: float = 60) -> None:
    """The node's status says it has ``units`` nvidia.com/gpu; waits until allocatable agrees."""
    nodes = [n.metadata.name for n in core.list_node().items]
    if nodes != [NODE]:
        raise RuntimeError(f"fake GPUs only on the local KFP's node {NODE}, not on {nodes}")
    core.patch_node_status(NODE, {"status": {"capacity": {GPU: str(units)}}})
    deadline = time.monotonic() + timeout
    while (core.read_node(NODE).status.allocatable or {}).get(GPU) != str(units):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the node's allocatable {GPU} never became {units}")
        time.sleep(1)


def withdraw(core) -> None:
    core.patch_node_status(NODE, [{"op": "remove", "path": "/status/capacity/nvidia.com~1gpu"}])


def shared_gpu_profile(folder: Path) -> Path:
    """The tiny profile with training asking for TRAINING_CPU: GPU units, not the node's CPUs,
    limit how many train at once."""
    from digitstudy.config import profile_path

    data = yaml.safe_load(profile_path("tiny").read_text())
    data["cluster"]["training"]["cpu"] = TRAINING_CPU
    path = folder / "tiny-gpu-share.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def gpu_units(pod: dict) -> int:
    """The nvidia.com/gpu a pod (as the API serializes it) asks for: its containers' limits."""
    return sum(int(((c.get("resources") or {}).get("limits") or {}).get(GPU, 0))
               for c in pod["spec"]["containers"])


def measure(core, host: str, units: int, data: str, folder: Path) -> dict:
    from kubernetes import client

    from components import images
    from digitstudy.cluster.pods import RUN_ID_LABEL
    from localkfp import run_timing
    from pipelines import submit

    advertise(core, units)
    os.environ["DIGITSTUDY_GPU_IMAGE"] = images.CPU_IMAGE
    run = submit.start_run(str(shared_gpu_profile(folder)), "gpu", host, data_source=data,
                           parts="p1", build_dir=folder, cache=False)
    started = time.monotonic()
    state = submit.wait_for_run(run.client, run.run_id, 3 * 3600, sleep=5)
    wall = time.monotonic() - started
    pods = client.ApiClient().sanitize_for_serialization(core.list_namespaced_pod(
        "kubeflow", label_selector=f"{RUN_ID_LABEL}={run.run_id}").items)
    training = [p for p in pods if gpu_units(p)]
    spans = run_timing.main_spans(training)
    return {"units": units, "run": run.run_name, "state": state, "wall_s": round(wall),
            "training_pods": len(training), "most_at_once": run_timing.most_at_once(spans),
            "training_span_s": round((max(e for _, e in spans) - min(s for s, _ in spans))
                                     .total_seconds()) if spans else None}


def main(argv: list[str] | None = None) -> None:
    from kubernetes import client, config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data", default="s3://datasets/live-fixture")
    parser.add_argument("--host", default=os.environ.get("KFP_HOST", "http://10.255.255.2:8888"))
    args = parser.parse_args(argv)
    config.load_kube_config()
    core = client.CoreV1Api()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for units in args.units:
                print(json.dumps(measure(core, args.host, units, args.data, Path(folder))),
                      flush=True)
    finally:
        withdraw(core)


if __name__ == "__main__":
    main()
