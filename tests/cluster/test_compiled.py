"""The pipeline as our compile step writes it (KFP IR). What KFP's backend makes of it (GPU
requests, retries, secrets, loops) is asserted on the Workflow KFP's own compiler produces:
tests/localkfp/test_backend_check.py."""

from __future__ import annotations

import re

import pytest
import yaml
from kfp import components

from digitstudy.config import load_profile
from digitstudy.steps import STEPS
from pipelines.study import build_study
from pipelines.submit import compile_for_cluster


def step_of(executor: str) -> str:
    """``exec-p3-synthesize-2`` -> ``p3-synthesize`` (KFP numbers a component used twice)."""
    name = executor.removeprefix("exec-")
    return name if name in STEPS else re.sub(r"-\d+$", "", name)


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_compiled_yaml_loads_back_with_kfp(tmp_path, target):
    path = compile_for_cluster("paper", target, tmp_path / f"{target}.yaml")
    assert len(list(yaml.safe_load_all(path.read_text()))) == 2, "pipeline + platform spec"
    assert components.load_component_from_file(str(path)).name == "digitstudy"


def test_local_build_has_no_cluster_settings(tmp_path):
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
    spec, platform = list(yaml.safe_load_all(out.read_text()))
    executors = spec["deploymentSpec"]["executors"]
    gpu = {n for n, e in executors.items()
           if e["container"].get("resources", {}).get("accelerator")}
    trains = {n for n in executors if STEPS[step_of(n)].trains}
    assert gpu == (trains if target == "gpu" else set())
    assert "secretAsEnv" in platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"][
        "exec-fetch-fsdd"]
