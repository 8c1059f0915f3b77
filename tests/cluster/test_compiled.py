"""The pipeline compiled for a cluster (TARGET=cpu and gpu): what each step asks of Kubernetes."""

from __future__ import annotations

import re

import pytest
import yaml
from kfp import components

from components.images import CPU_IMAGE, GPU_IMAGE, IMAGE_TAG
from digitstudy.config import load_profile
from digitstudy.steps import STEPS
from pipelines import placement
from pipelines.study import build_study
from pipelines.submit import compile_for_cluster

REPORT = "exec-aggregate-results"


def step_of(executor: str) -> str:
    """``exec-p3-synthesize-2`` -> ``p3-synthesize`` (KFP numbers a component used twice)."""
    name = re.sub(r"^exec-", "", executor)
    return name if name in STEPS else re.sub(r"-\d+$", "", name)
SENTINELS = {"MINIO_ACCESS_KEY": "SENTINEL-ACCESS-3f9a", "MINIO_SECRET_KEY": "SENTINEL-SECRET-7c21",
             "AWS_SECRET_ACCESS_KEY": "SENTINEL-AWS-0b8e"}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """{target: (pipeline spec, kubernetes platform spec, yaml text)} for the paper profile,
    compiled with credential-looking variables in the environment (they must not leak)."""
    out = tmp_path_factory.mktemp("compiled")
    mp = pytest.MonkeyPatch()
    for key, value in SENTINELS.items():
        mp.setenv(key, value)
    try:
        result = {}
        for target in ("cpu", "gpu"):
            path = compile_for_cluster("paper", target, out / f"{target}.yaml")
            text = path.read_text()
            docs = list(yaml.safe_load_all(text))
            assert len(docs) == 2, "pipeline spec + platform spec"
            result[target] = (docs[0], docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"],
                              text, path)
        return result
    finally:
        mp.undo()


def tasks(spec) -> dict[str, dict]:
    """executor label -> task definition, over the root DAG and every sub-DAG (ParallelFor)."""
    comps = spec["components"]
    found = {}
    for dag in [spec["root"]["dag"]] + [c["dag"] for c in comps.values() if "dag" in c]:
        for task in dag["tasks"].values():
            label = comps[task["componentRef"]["name"]].get("executorLabel")
            if label:
                found[label] = task
    return found


def resources(spec, executor: str) -> dict:
    return spec["deploymentSpec"]["executors"][executor]["container"].get("resources", {})


def classify(spec) -> tuple[set[str], set[str]]:
    """(training, data) executors, by the step registry: every executor is a known step and
    placed as its kind (training tasks retry; data tasks are cached and don't)."""
    by_executor = tasks(spec)
    assert all(step_of(n) in STEPS for n in by_executor), sorted(by_executor)
    training = {n for n in by_executor if STEPS[step_of(n)].trains}
    data = set(by_executor) - training - {REPORT}
    assert all("retryPolicy" in by_executor[n] for n in training)
    assert all("retryPolicy" not in by_executor[n]
               and by_executor[n]["cachingOptions"]["enableCache"] for n in data)
    return training, data


def storage_steps(spec) -> set[str]:
    """Steps that read a dataset source, the report upload, and the training steps (their
    checkpoints outlive the pod in the object store)."""
    comps = spec["components"]
    training, _ = classify(spec)
    return {c["executorLabel"] for c in comps.values() if "executorLabel" in c and "source" in
            c.get("inputDefinitions", {}).get("parameters", {})} | {REPORT} | training


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_compiled_yaml_loads_back_with_kfp(compiled, target):
    pipeline = components.load_component_from_file(str(compiled[target][3]))
    assert pipeline.name == "digitstudy"


def test_gpu_target_only_training_requests_gpus(compiled):
    spec, k8s, _, _ = compiled["gpu"]
    cluster = load_profile("paper").cluster
    executors = spec["deploymentSpec"]["executors"]
    training, _ = classify(spec)
    with_gpu = {name for name in executors if resources(spec, name).get("accelerator")}
    assert with_gpu == training
    for name in training:
        accel = resources(spec, name)["accelerator"]
        assert accel["resourceType"] == "nvidia.com/gpu"  # static, not a pipeline parameter
        assert accel["resourceCount"] == str(cluster.training.gpus)
        assert executors[name]["container"]["image"] == GPU_IMAGE
    # no node selector or toleration unless the profile asks for them (cluster.gpu)
    assert cluster.gpu.node_selector is None and cluster.gpu.toleration is None
    assert all("nodeSelector" not in e and "tolerations" not in e for e in k8s.values())
    for name in set(executors) - training:
        assert executors[name]["container"]["image"] == CPU_IMAGE, name
        assert "nodeSelector" not in k8s.get(name, {}) and "tolerations" not in k8s.get(name, {})


def test_cpu_target_has_no_gpu_anything(compiled):
    spec, k8s, text, _ = compiled["cpu"]
    assert "accelerator" not in text
    assert not any(resources(spec, name).get("accelerator") for name in spec["deploymentSpec"]["executors"])
    assert all("nodeSelector" not in e and "tolerations" not in e for e in k8s.values())
    assert {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()} == {CPU_IMAGE}


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_requests_come_from_the_profile(compiled, target):
    spec = compiled[target][0]
    cluster = load_profile("paper").cluster
    training, data = classify(spec)
    for names, wanted in ((training, cluster.training), (data | {REPORT}, cluster.data)):
        for name in names:
            got = resources(spec, name)
            assert (got["resourceCpuRequest"], got["resourceMemoryRequest"]) == (
                wanted.cpu, wanted.memory), name


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_training_retries_with_backoff_and_data_is_cacheable(compiled, target):
    spec = compiled[target][0]
    retry = load_profile("paper").cluster.retry
    by_executor = tasks(spec)
    training, data = classify(spec)
    for name in training:
        policy = by_executor[name]["retryPolicy"]
        assert policy["maxRetryCount"] == retry.count
        assert policy["backoffDuration"] == retry.backoff and policy["backoffFactor"] == retry.factor
        # Argo's backoff.maxDuration is a total window from the first attempt: it covers every
        # attempt of the longest step plus the waits (RetryPolicy.window)
        assert policy["backoffMaxDuration"] == retry.window
    for name in data:
        assert by_executor[name]["cachingOptions"] == {"enableCache": True}
    assert not by_executor[REPORT]["cachingOptions"].get("enableCache")


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_images_are_tagged_with_the_commit(compiled, target):
    images = {e["container"]["image"] for e in compiled[target][0]["deploymentSpec"]["executors"].values()}
    assert images and all(image.endswith(f":{IMAGE_TAG}") for image in images)
    assert IMAGE_TAG not in ("latest", "")


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_minio_credentials_by_secret_reference_only(compiled, target):
    spec, k8s, text, _ = compiled[target]
    for value in SENTINELS.values():
        assert value not in text
    with_secret = {name for name, e in k8s.items() if "secretAsEnv" in e}
    assert with_secret == storage_steps(spec) and "exec-fetch-fsdd" in with_secret
    for name in with_secret:
        (ref,) = k8s[name]["secretAsEnv"]
        assert ref["secretName"] == placement.MINIO_SECRET and ref["optional"] is True
        assert {m["secretKey"]: m["envVar"] for m in ref["keyToEnv"]} == placement.MINIO_ENV


def test_local_build_has_no_cluster_settings(tmp_path, compiled):
    """The local placement (make run / kfp.local): nothing Kubernetes-specific, no retries."""
    from kfp import compiler

    out = tmp_path / "local.yaml"
    compiler.Compiler().compile(build_study(load_profile("tiny")), str(out))
    text = out.read_text()
    docs = list(yaml.safe_load_all(text))
    assert len(docs) == 1 and "resourceCpuRequest" not in text and "secretAsEnv" not in text
    assert "retryPolicy" not in text


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_make_pipeline_compile_path_applies_the_target(tmp_path, target):
    """`make pipeline-compile TARGET=...` (pipelines.compile.main) compiles with placement."""
    from pipelines.compile import main

    out = tmp_path / f"{target}.yaml"
    assert main(["--profile", "tiny", "--target", target, "--output", str(out)]) == 0
    components.load_component_from_file(str(out))
    spec, platform = list(yaml.safe_load_all(out.read_text()))
    gpu = {n for n in spec["deploymentSpec"]["executors"] if resources(spec, n).get("accelerator")}
    assert gpu == (classify(spec)[0] if target == "gpu" else set())
    assert "secretAsEnv" in platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"][
        "exec-fetch-fsdd"]


def test_gpu_selector_and_toleration_only_when_the_profile_asks(tmp_path):
    from kfp import compiler

    from digitstudy.config import profile_from_dict
    from pipelines.placement import Placement

    data = load_profile("tiny").as_parameter()
    data["cluster"]["gpu"] = {"node_selector": {"key": "cloud.google.com/gke-accelerator",
                                                "value": "nvidia-h100-80gb"},
                              "toleration": {"key": "nvidia.com/gpu", "effect": "NoSchedule"}}
    profile = profile_from_dict(data)
    out = tmp_path / "gpu.yaml"
    compiler.Compiler().compile(build_study(profile, "p4a", Placement.for_cluster(
        "gpu", profile.cluster)), str(out))
    k8s = list(yaml.safe_load_all(out.read_text()))[1]["platforms"]["kubernetes"][
        "deploymentSpec"]["executors"]
    train = k8s["exec-p4a-attention-mnist"]
    assert train["nodeSelector"]["labels"] == {"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"}
    assert train["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists",
                                     "effect": "NoSchedule"}]
    assert "nodeSelector" not in k8s.get("exec-fetch-mnist", {})


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_training_tasks_get_the_profiles_keras_backend(compiled, target):
    spec = compiled[target][0]
    executors = spec["deploymentSpec"]["executors"]
    training, _ = classify(spec)
    backend = load_profile("paper").backend
    for name in executors:
        env = {e["name"]: e["value"] for e in executors[name]["container"].get("env", [])}
        assert env.get("KERAS_BACKEND") == (backend if name in training else None), name
