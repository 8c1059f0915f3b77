"""Pods the scheduler cannot place, in one line (``make doctor``, ``pipeline-submit WAIT=1``)."""

from __future__ import annotations

from collections import Counter

# KFP's API server labels every pod of a run with its run id
# (backend/src/apiserver/template/v2_template.go ~420, util.LabelKeyWorkflowRunId)
RUN_ID_LABEL = "pipeline/runid"
PENDING = "status.phase=Pending"  # the field selector that lists them


def unschedulable(pods) -> str | None:
    """"N pods Pending, not schedulable: <the scheduler's message>" for the pods (V1Pod) whose
    PodScheduled condition is False/Unschedulable (the most common message), or None."""
    reasons = Counter()
    for pod in pods:
        for condition in (pod.status.conditions or []) if pod.status else []:
            if (condition.type == "PodScheduled" and condition.status == "False"
                    and condition.reason == "Unschedulable"):
                reasons[(condition.message or "no message").strip()] += 1
    if not reasons:
        return None
    count = sum(reasons.values())
    (message, _), *others = reasons.most_common()
    more = f" (and {len(others)} other reason{'s' if len(others) > 1 else ''})" if others else ""
    return f"{count} pod{'s' if count > 1 else ''} Pending, not schedulable: {message}{more}"
