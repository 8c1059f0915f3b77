"""localkfp.fake_gpu: fake nvidia.com/gpu units on the local node only."""

from __future__ import annotations

import pytest
from kubernetes.client import V1Node, V1NodeList, V1NodeStatus, V1ObjectMeta

from digitstudy.config import load_profile
from localkfp import fake_gpu


class FakeCore:
    def __init__(self, names):
        self.names, self.capacity, self.patches = names, {}, []

    def list_node(self):
        return V1NodeList(items=[V1Node(metadata=V1ObjectMeta(name=n)) for n in self.names])

    def patch_node_status(self, name, body):
        self.patches.append((name, body))
        self.capacity.update(body["status"]["capacity"])

    def read_node(self, name):
        return V1Node(status=V1NodeStatus(allocatable=dict(self.capacity)))


def test_advertise_patches_the_local_node_and_waits_for_it():
    core = FakeCore([fake_gpu.NODE])
    fake_gpu.advertise(core, 2)
    assert core.patches == [(fake_gpu.NODE, {"status": {"capacity": {fake_gpu.GPU: "2"}}})]


def test_a_real_clusters_nodes_are_never_patched():
    core = FakeCore(["gpu-node-1", "gpu-node-2"])
    with pytest.raises(RuntimeError, match="only on the local KFP's node"):
        fake_gpu.advertise(core, 1)
    assert core.patches == []


def test_the_shared_gpu_profile_is_tiny_with_less_cpu_per_training_task(tmp_path):
    shared = load_profile(fake_gpu.shared_gpu_profile(tmp_path))
    tiny = load_profile("tiny")
    assert shared.cluster.training.cpu == fake_gpu.TRAINING_CPU != tiny.cluster.training.cpu
    assert shared.p1 == tiny.p1 and shared.cluster.training.gpus == 1


def test_gpu_units_adds_every_containers_limit_and_ignores_requests_alone():
    def pod(*resources):
        return {"spec": {"containers": [{"name": f"c{i}", "resources": r}
                                        for i, r in enumerate(resources)]}}

    assert fake_gpu.gpu_units(pod({"limits": {fake_gpu.GPU: "1"}}, {"limits": {fake_gpu.GPU: "2"}})) == 3
    assert fake_gpu.gpu_units(pod({"limits": {"cpu": "1"}}, {}, {"limits": None})) == 0
    assert fake_gpu.gpu_units(pod({"requests": {fake_gpu.GPU: "1"}})) == 0
