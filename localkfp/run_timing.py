"""Where a KFP run's wall time goes, from its Argo Workflow and pods (KUBECONFIG):

    python -m localkfp.run_timing <KFP run id> [--namespace kubeflow]

Per kind of pod (KFP's DAG and container drivers, the executors), how many and their time
from creation to the end; for the executors, the time before the main container starts
(scheduling, the launcher's init container copying itself in, container start) and the
main container's own time (KFP's launcher: MLMD, artifact download/upload, then the step).
Read from the pods (a large Workflow's node status may be compressed or offloaded).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import datetime


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def kind_of(name: str) -> str:
    """KFP's templates, as its pods are named (argocompiler: system-dag-driver,
    system-container-driver, [retry-]system-container-impl)."""
    for kind in ("dag-driver", "container-driver", "container-impl"):
        if kind in name:
            return kind
    return "other"


def _stats(values: list[float]) -> dict:
    return {"count": len(values), "sum_s": round(sum(values)),
            "mean_s": round(sum(values) / max(len(values), 1), 1)}


def main_spans(pods: list[dict]) -> list[tuple[datetime, datetime]]:
    """(start, end) of each pod's main container that has ended."""
    spans = []
    for pod in pods:
        for status in pod.get("status", {}).get("containerStatuses", []):
            ended = (status.get("state") or {}).get("terminated")
            if status["name"] == "main" and ended:
                spans.append((_time(ended["startedAt"]), _time(ended["finishedAt"])))
    return spans


def most_at_once(spans: list[tuple[datetime, datetime]]) -> int:
    """The most spans open at one instant (one that ends as another starts does not overlap)."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in events:  # at equal times -1 sorts first: an end before a start
        running += step
        most = max(most, running)
    return most


def summary(workflow: dict, pods: list[dict]) -> dict:
    """Seconds per kind of pod (creation to its last container's end), and the executors'
    time before their main container starts and in it."""
    status = workflow.get("status", {})
    started, finished = _time(status.get("startedAt")), _time(status.get("finishedAt"))
    kinds: dict[str, list[float]] = defaultdict(list)
    before, main = [], []
    for pod in pods:
        created = _time(pod["metadata"]["creationTimestamp"])
        ends = {c["name"]: (c.get("state") or {}).get("terminated")
                for c in pod.get("status", {}).get("containerStatuses", [])}
        if not ends or not all(ends.values()):
            continue  # still running, or deleted before it ended
        kind = kind_of(pod["metadata"]["name"])
        kinds[kind].append((max(_time(t["finishedAt"]) for t in ends.values()) - created)
                           .total_seconds())
        if kind == "container-impl" and ends.get("main"):
            before.append((_time(ends["main"]["startedAt"]) - created).total_seconds())
            main.append((_time(ends["main"]["finishedAt"]) - _time(ends["main"]["startedAt"]))
                        .total_seconds())
    return {"wall_s": (finished - started).total_seconds() if started and finished else None,
            "pods": {k: _stats(v) for k, v in sorted(kinds.items())},
            "executor_before_main_s": _stats(before), "executor_main_s": _stats(main),
            "executor_main_most_at_once": most_at_once(main_spans(
                [p for p in pods if kind_of(p["metadata"]["name"]) == "container-impl"]))}


def main(argv: list[str] | None = None) -> None:
    from kubernetes import client, config

    from digitstudy.cluster.pods import RUN_ID_LABEL

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
