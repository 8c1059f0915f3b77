"""Which failures Argo retries on a KFP install, and the default digitstudy sets.

KFP 2.17.0 compiles ``set_retry`` into a retryStrategy with a limit and a backoff but no
retryPolicy (backend/src/v2/compiler/argocompiler/container.go ~577-588). Argo merges the
controller's ``templateDefaults`` into every template, a template's own fields winning
(argo-workflows v4.0.5 workflow/controller/operator.go ~4448-4490), and KFP's install sets
``templateDefaults.retryStrategy {limit: 2, retryPolicy: OnError}``
(manifests/kustomize/third-party/argo/base/workflow-controller-configmap-patch.yaml). So on a
stock install a step whose container fails is not retried, inside ``ParallelFor`` or
outside: only a lost pod is (observed on the local KFP, docs/cluster.md "Retries").

:data:`RETRY_STRATEGY` keeps OnError's behaviour for DAGs and adds failed pods: with policy
``Always`` Argo asks the ``expression`` (operator.go ~1140-1150), whose ``lastRetry.exitCode``
is the failed pod's exit code and "-1" for a DAG (``buildRetryStrategyLocalScope``, ~2050-2070).
A DAG that failed because a step failed is then not run again whole. The cost: a task without
``set_retry`` (the data steps) also gets the default's 2 retries when its container fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

CONFIGMAP = "workflow-controller-configmap"  # KFP installs Argo with it in its namespace
DEFAULTS_KEY = "workflowDefaults"
RETRY_STRATEGY = {
    "limit": "2",
    "retryPolicy": "Always",
    "expression": 'lastRetry.status == "Error" || asInt(lastRetry.exitCode) > 0',
}


class ArgoConfigError(ValueError):
    """The ConfigMap's workflowDefaults is not a YAML mapping."""


@dataclass(frozen=True)
class Retries:
    """What a ``set_retry`` task's pod is retried on, under the install's templateDefaults."""

    failed_steps: bool  # the container exited non-zero
    lost_pods: bool  # the pod was deleted, evicted, or its node went away (NodeError)
    policy: str  # templateDefaults' retryStrategy, as found

    def __str__(self) -> str:
        if self.failed_steps and self.lost_pods:
            return f"failed steps and lost pods are retried ({self.policy})"
        if self.lost_pods:
            return (f"only lost pods are retried ({self.policy}): a step that fails is not "
                    "retried, set_retry notwithstanding")
        return f"only failed steps are retried ({self.policy}): a lost pod is not"


def _defaults(text: str | None) -> dict:
    try:
        data = yaml.safe_load(text or "") or {}
    except yaml.YAMLError as err:
        raise ArgoConfigError(f"{CONFIGMAP}'s {DEFAULTS_KEY} is not YAML: {err}") from None
    if not isinstance(data, dict):
        raise ArgoConfigError(f"{CONFIGMAP}'s {DEFAULTS_KEY} is not a mapping")
    return data


def retries(workflow_defaults: str | None) -> Retries:
    """How Argo treats a ``set_retry`` task's failed or lost pod with these workflowDefaults
    (the task's own retryStrategy sets no policy or expression: KFP 2.17.0)."""
    spec = _defaults(workflow_defaults).get("spec") or {}
    strategy = ((spec.get("templateDefaults") or {}).get("retryStrategy")) or {}
    expression = strategy.get("expression", "")
    # RetryPolicyActual: OnFailure when unset, Always when only an expression is set
    # (pkg/apis/workflow/v1alpha1/workflow_types.go ~2295-2304)
    policy = strategy.get("retryPolicy") or ("Always" if expression else "OnFailure")
    on_failed = policy in ("Always", "OnFailure")
    on_error = policy in ("Always", "OnError")
    if expression and expression != RETRY_STRATEGY["expression"]:
        shown = f"retryPolicy {policy}, expression {expression!r}: not checked"
    else:
        shown = f"retryPolicy {policy}" + (", exit code > 0" if expression else "")
    return Retries(on_failed, on_error, shown)


def with_retry_strategy(workflow_defaults: str | None) -> str:
    """``workflow_defaults`` with templateDefaults.retryStrategy set to :data:`RETRY_STRATEGY`,
    everything else (TTL, hostAliases, ...) kept."""
    data = _defaults(workflow_defaults)
    spec = data.setdefault("spec", {})
    spec.setdefault("templateDefaults", {})["retryStrategy"] = dict(RETRY_STRATEGY)
    return yaml.safe_dump(data, sort_keys=False)


def set_retry_default(core, namespace: str) -> bool:
    """Patch the install's ConfigMap (Argo's controller reloads it: new runs get it). Returns
    whether it changed."""
    configmap = core.read_namespaced_config_map(CONFIGMAP, namespace)
    before = (configmap.data or {}).get(DEFAULTS_KEY)
    after = with_retry_strategy(before)
    if before is not None and _defaults(before) == _defaults(after):
        return False
    core.patch_namespaced_config_map(CONFIGMAP, namespace, {"data": {DEFAULTS_KEY: after}})
    return True
