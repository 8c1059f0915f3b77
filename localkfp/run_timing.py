"""Where a KFP run's wall time goes, from its Argo Workflow and pods (KUBECONFIG):

    python -m localkfp.run_timing <KFP run id> [--namespace kubeflow]

Per kind of pod (KFP's DAG and container drivers, the executors), how many and their time
from creation to the end; for the executors, the time before the main container starts
(scheduling, the launcher's init container copying itself in, container start) and the
main container's own time (KFP's launcher: MLMD, artifact download/upload, then the step).
Argo compresses a large Workflow's node status (status.compressedNodes: gzip + base64,
argo-workflows v4.0.5 workflow/packer/packer.go); both forms are read.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
from collections import defaultdict
from datetime import datetime

RUN_ID_LABEL = "pipeline/runid"  # KFP: backend/src/apiserver/template/v2_template.go ~420


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def nodes_of(workflow: dict) -> dict:
    status = workflow.get("status", {})
    if status.get("nodes"):
        return status["nodes"]
    if status.get("compressedNodes"):
        return json.loads(gzip.decompress(base64.b64decode(status["compressedNodes"])))
    return {}


def kind_of(template: str) -> str:
    """KFP's template names (argocompiler: system-dag-driver, system-container-driver,
    system-container-impl, retry-system-container-impl)."""
    for kind in ("dag-driver", "container-driver", "container-impl"):
        if kind in template:
            return kind
    return template


def summary(workflow: dict, pods: list[dict]) -> dict:
    """Seconds per kind of pod, and the executors' time before and in their main container."""
    started, finished = _time(workflow["status"].get("startedAt")), _time(
        workflow["status"].get("finishedAt"))
    kinds: dict[str, list[float]] = defaultdict(list)
    for node in nodes_of(workflow).values():
        if node.get("type") != "Pod" or not node.get("finishedAt"):
            continue
        seconds = (_time(node["finishedAt"]) - _time(node["startedAt"])).total_seconds()
        kinds[kind_of(node.get("templateName", ""))].append(seconds)
    before, main = [], []
    for pod in pods:
        if kind_of(pod["metadata"].get("annotations", {}).get(
                "workflows.argoproj.io/node-name", "") + pod["metadata"]["name"]) != \
                "container-impl":
            continue
        for status in pod.get("status", {}).get("containerStatuses", []):
            term = (status.get("state") or {}).get("terminated")
            if status["name"] == "main" and term:
                created = _time(pod["metadata"]["creationTimestamp"])
                before.append((_time(term["startedAt"]) - created).total_seconds())
                main.append((_time(term["finishedAt"]) - _time(term["startedAt"])).total_seconds())
    wall = (finished - started).total_seconds() if started and finished else None
    return {"wall_s": wall,
            "pods": {k: {"count": len(v), "sum_s": round(sum(v)), "mean_s": round(sum(v) / len(v),
                                                                                  1)}
                     for k, v in sorted(kinds.items())},
            "executor_before_main_s": {"count": len(before), "sum_s": round(sum(before)),
                                       "mean_s": round(sum(before) / max(len(before), 1), 1)},
            "executor_main_s": {"count": len(main), "sum_s": round(sum(main)),
                                "mean_s": round(sum(main) / max(len(main), 1), 1)}}


def main(argv: list[str] | None = None) -> None:
    from kubernetes import client, config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_id")
    parser.add_argument("--namespace", default="kubeflow")
    args = parser.parse_args(argv)
    config.load_kube_config()
    api = client.ApiClient()
    selector = f"{RUN_ID_LABEL}={args.run_id}"
    (workflow,) = client.CustomObjectsApi(api).list_namespaced_custom_object(
        "argoproj.io", "v1alpha1", args.namespace, "workflows", label_selector=selector)["items"]
    pods = api.sanitize_for_serialization(client.CoreV1Api(api).list_namespaced_pod(
        args.namespace, label_selector=selector).items)
    print(json.dumps(summary(workflow, pods), indent=2))


if __name__ == "__main__":
    main()
