"""digitstudy.cluster.argo_retries: what a set_retry task is retried on, and our default."""

from __future__ import annotations

import pytest
import yaml
from kubernetes.client import V1ConfigMap

from digitstudy.cluster import argo_retries
from digitstudy.cluster.argo_retries import ArgoConfigError, retries, with_retry_strategy

# KFP 2.17.0's workflowDefaults plus the local node's hostAliases (localkfp/kfp/argo_patch.py)
INSTALLED = """spec:
  ttlStrategy: {secondsAfterCompletion: 3600}
  templateDefaults:
    retryStrategy: {limit: '2', retryPolicy: OnError}
  hostAliases:
  - {ip: 10.255.255.2, hostnames: [ml-pipeline]}
"""


@pytest.mark.parametrize("defaults, failed, lost", [
    (INSTALLED, False, True),  # KFP's install: lost pods only
    ("", True, False),  # no templateDefaults: Argo's OnFailure
    ("spec: {templateDefaults: {retryStrategy: {retryPolicy: Always}}}", True, True),
    ("spec: {templateDefaults: {retryStrategy: {retryPolicy: OnFailure}}}", True, False),
])
def test_what_is_retried(defaults, failed, lost):
    found = retries(defaults)
    assert (found.failed_steps, found.lost_pods) == (failed, lost)


def test_our_default_retries_both_and_keeps_the_rest():
    text = with_retry_strategy(INSTALLED)
    found = retries(text)
    assert found.failed_steps and found.lost_pods
    assert "exit code > 0" in str(found)
    data, before = yaml.safe_load(text), yaml.safe_load(INSTALLED)
    assert data["spec"]["ttlStrategy"] == before["spec"]["ttlStrategy"]
    assert data["spec"]["hostAliases"] == before["spec"]["hostAliases"]
    assert data["spec"]["templateDefaults"]["retryStrategy"] == argo_retries.RETRY_STRATEGY
    assert with_retry_strategy(text) == text


def test_an_unknown_expression_is_shown_not_judged():
    found = retries("spec: {templateDefaults: {retryStrategy: {expression: 'retries < 1'}}}")
    assert "not checked" in str(found) and "retries < 1" in str(found)


@pytest.mark.parametrize("bad", ["spec: [", "- a list"])
def test_defaults_that_are_not_a_mapping_name_the_configmap_key(bad):
    with pytest.raises(ArgoConfigError, match="workflow-controller-configmap's workflowDefaults"):
        retries(bad)


class FakeCore:
    def __init__(self, defaults):
        self.data = {} if defaults is None else {"workflowDefaults": defaults}
        self.patches = []

    def read_namespaced_config_map(self, name, namespace):
        assert (name, namespace) == ("workflow-controller-configmap", "kubeflow")
        return V1ConfigMap(data=dict(self.data))

    def patch_namespaced_config_map(self, name, namespace, body):
        self.patches.append(body)
        self.data.update(body["data"])


@pytest.mark.parametrize("defaults", [INSTALLED, None])
def test_set_retry_default_patches_once(defaults):
    core = FakeCore(defaults)
    assert argo_retries.set_retry_default(core, "kubeflow")
    assert not argo_retries.set_retry_default(core, "kubeflow")
    assert len(core.patches) == 1
    assert retries(core.data["workflowDefaults"]).failed_steps
