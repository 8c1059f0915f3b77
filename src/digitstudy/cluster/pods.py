"""Pods the scheduler cannot place, in one line (``make doctor``, ``pipeline-submit WAIT=1``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

# KFP's API server labels every pod of a run with its run id
# (backend/src/apiserver/template/v2_template.go ~420, util.LabelKeyWorkflowRunId)
RUN_ID_LABEL = "pipeline/runid"
PENDING = "status.phase=Pending"  # the field selector that lists them


@dataclass(frozen=True)
class Unschedulable:
    """Pods the scheduler could not place: how many, and its most common message."""

    count: int
    reason: str
    other_reasons: int = 0

    def __str__(self) -> str:
        more = (f" (and {self.other_reasons} other reason{'s' if self.other_reasons > 1 else ''})"
                if self.other_reasons else "")
        return (f"{self.count} pod{'s' if self.count > 1 else ''} Pending, not schedulable: "
                f"{self.reason}{more}")


def unschedulable(pods) -> Unschedulable | None:
    """The pods (V1Pod) whose PodScheduled condition is False/Unschedulable, or None."""
    reasons = Counter()
    for pod in pods:
        for condition in (pod.status.conditions or []) if pod.status else []:
            if (condition.type == "PodScheduled" and condition.status == "False"
                    and condition.reason == "Unschedulable"):
                reasons[(condition.message or "no message").strip()] += 1
    if not reasons:
        return None
    (reason, _), *others = reasons.most_common()
    return Unschedulable(sum(reasons.values()), reason, len(others))
