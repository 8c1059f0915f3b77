"""The Argo Workflow KFP 2.17's own API server makes of our pipelines (``make backend-check``).

``localkfp/cmd/backend-check`` is built from KFP's 2.17.0 checkout: run creation's template,
RunWorkflow and Validate, then Argo v4.0.5's offline lint. What KFP would do is read here
from what KFP's compiler produced, not from our IR. For each claim, who decides it:

- the Workflow fixes it: retry strategy and values, ``KFP_RETRY_INDEX``, loop items and
  parallelism, the run id label, and every input of each task's driver (its container spec,
  with image, requests, GPU and env; its Kubernetes config, with Secret references, field
  paths, selectors and tolerations);
- the driver decides at run time (backend/src/v2/driver/driver.go ~246-470, k8s.go ~131):
  the pod's resources and GPU limit, its env from the Secret and field paths, and how many
  iterations a loop gets. Those are observed on a live KFP by the issue "The study on the
  real KFP" (tests/cluster/test_live.py), not here.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from tooling import missing_tool

from components.images import CPU_IMAGE, GPU_IMAGE, IMAGE_TAG
from digitstudy import checkpoints
from digitstudy.config import load_profile
from digitstudy.config.cluster import seconds
from digitstudy.plan import plan_study
from digitstudy.steps import STEPS
from localkfp.backend_check import BackendRejected, check, run_arguments
from localkfp.workflow import Workflow
from pipelines import placement
from pipelines.local.task_count import count_tasks
from pipelines.submit import PIPELINE_ROOT, compile_for_cluster

ROOT = Path(__file__).resolve().parents[2]
REPORT = "aggregate-results"
RUN_ID = "5f0c3a6e-4f0b-4e43-9c55-0d6a2f7b9e11"
SENTINELS = {"MINIO_ACCESS_KEY": "SENTINEL-ACCESS-3f9a", "MINIO_SECRET_KEY": "SENTINEL-SECRET-7c21",
             "AWS_SECRET_ACCESS_KEY": "SENTINEL-AWS-0b8e"}


@pytest.fixture(scope="session")
def backend_check() -> Path:
    """The program, built (or found in the build cache) by make backend-check-build."""
    proc = subprocess.run(["localkfp/scripts/build_go.sh", "backend-check"], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        missing_tool("the backend-check program", proc.stderr.strip()[-600:],
                     "make kfp-src KFP_GIT=<KFP's repository or a local mirror> && "
                     "make backend-check-build")
    return Path(proc.stdout.strip().splitlines()[-1])


def workflow_of(binary: Path, ir: Path, profile: str, parts: str | None = None) -> Workflow:
    out = ir.with_suffix(".workflow.yaml")
    check(binary, ir, out, run_arguments(profile, parts), run_id=RUN_ID)
    return Workflow.load(out)


@pytest.fixture(scope="module")
def paper(backend_check, tmp_path_factory):
    """{target: Workflow} of the paper profile, compiled with credential-looking variables in
    the environment (they must not leak into the IR or the Workflow)."""
    out = tmp_path_factory.mktemp("paper")
    mp = pytest.MonkeyPatch()
    for key, value in SENTINELS.items():
        mp.setenv(key, value)
    try:
        return {target: workflow_of(backend_check, compile_for_cluster(
            "paper", target, out / f"paper-{target}.yaml"), "paper") for target in ("cpu", "gpu")}
    finally:
        mp.undo()


def step_of(task: str) -> str:
    """``p3-synthesize-2`` -> ``p3-synthesize`` (KFP numbers a component used twice)."""
    return task if task in STEPS else re.sub(r"-\d+$", "", task)


def training(wf: Workflow) -> set[str]:
    names = {t.name for t in wf.executor_tasks()}
    assert all(step_of(n) in STEPS for n in names), sorted(names)
    return {n for n in names if STEPS[step_of(n)].trains}


def by_name(wf: Workflow):
    return {t.name: t for t in wf.executor_tasks()}


def env_of(task) -> dict:
    return {e["name"]: e.get("value") for e in task.container.get("env", [])}


# --- the Workflow fixes these ------------------------------------------------------------------

def test_gpu_target_hands_the_gpu_request_to_training_drivers_only(paper):
    """Workflow: each driver's container spec; the driver turns it into the pod's
    ``nvidia.com/gpu`` limit (driver.go ~415-445)."""
    wf = paper["gpu"]
    cluster = load_profile("paper").cluster
    trains = training(wf)
    for name, task in by_name(wf).items():
        if name in trains:
            assert task.gpus == (placement.GPU_RESOURCE, str(cluster.training.gpus)), name
            assert task.container["image"] == GPU_IMAGE, name
        else:
            assert task.gpus is None, name
            assert task.container["image"] == CPU_IMAGE, name
        # no node selector or toleration unless the profile asks (cluster.gpu)
        assert "nodeSelector" not in task.kubernetes and "tolerations" not in task.kubernetes


def test_cpu_target_asks_for_no_gpu(paper):
    wf = paper["cpu"]
    for task in wf.executor_tasks():
        assert task.gpus is None and task.container["image"] == CPU_IMAGE, task.name
        assert "nodeSelector" not in task.kubernetes and "tolerations" not in task.kubernetes
    assert "nvidia.com/gpu" not in yaml.safe_dump(wf.data)


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_requests_and_images_come_from_the_profile(paper, target):
    wf = paper[target]
    cluster = load_profile("paper").cluster
    trains = training(wf)
    for name, task in by_name(wf).items():
        wanted = cluster.training if name in trains else cluster.data
        resources = task.container["resources"]
        assert (resources["resourceCpuRequest"], resources["resourceMemoryRequest"]) == (
            wanted.cpu, wanted.memory), name
        assert task.container["image"].endswith(f":{IMAGE_TAG}")
    assert IMAGE_TAG not in ("latest", "")


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_training_retries_with_backoff_and_retry_index_data_is_cached(paper, target):
    """Argo retries the executor template (container.go ~577-588) with the task's values
    (~627-665): integers of seconds, the factor an integer (Argo's strconv.Atoi); only a
    retried template carries KFP_RETRY_INDEX={{retries}} (common.go ~58-67)."""
    wf = paper[target]
    retry = load_profile("paper").cluster.retry
    trains = training(wf)
    tasks = by_name(wf)
    assert any(tasks[n].loops for n in trains), "some training tasks run inside a ParallelFor"
    for name, task in tasks.items():
        template = wf.templates[task.executor_template]
        env = {e["name"]: e.get("value") for e in template["container"].get("env", [])}
        if name in trains:
            assert task.arguments["retry-max-count"] == str(retry.count), name
            assert task.arguments["retry-backoff-duration"] == str(seconds(retry.backoff))
            assert task.arguments["retry-backoff-factor"] == str(retry.factor)
            assert task.arguments["retry-backoff-max-duration"] == str(retry.window_seconds)
            strategy = template["retryStrategy"]
            assert strategy["limit"] == "{{inputs.parameters.retry-max-count}}"
            assert strategy["backoff"]["maxDuration"] == (
                "{{inputs.parameters.retry-backoff-max-duration}}")
            assert env["KFP_RETRY_INDEX"] == "{{retries}}"
        else:
            assert "retryStrategy" not in template and "KFP_RETRY_INDEX" not in env, name
            assert not any(k.startswith("retry-") for k in task.arguments), name
        cache = task.task.get("cachingOptions", {}).get("enableCache", False)
        assert cache == (step_of(name) != REPORT), name


def test_retry_index_inside_and_outside_parallel_for(backend_check, tmp_path):
    """The live retry check's pipeline: set_retry on a task outside and inside a ParallelFor
    gives both the retried executor (kubeflow/pipelines#12389 reported it dropped in loops)."""
    from cluster.retry_check_pipeline import RETRIES, retry_check
    from kfp import compiler

    ir = tmp_path / "retry-check.yaml"
    compiler.Compiler().compile(retry_check, str(ir))
    out = tmp_path / "retry-check.workflow.yaml"
    check(backend_check, ir, out, {}, run_id=RUN_ID)
    wf = Workflow.load(out)
    tasks = wf.executor_tasks()
    assert sorted(t.loops != () for t in tasks) == [False, True]
    for task in tasks:
        template = wf.templates[task.executor_template]
        assert template["retryStrategy"]["limit"] == "{{inputs.parameters.retry-max-count}}"
        assert {"name": "KFP_RETRY_INDEX", "value": "{{retries}}"} in template["container"]["env"]
        assert task.arguments["retry-max-count"] == str(RETRIES["num_retries"])
        assert task.arguments["retry-backoff-duration"] == "5"
        assert task.arguments["retry-backoff-max-duration"] == "900"


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_secrets_by_reference_only_and_no_value_anywhere(paper, target):
    wf = paper[target]
    text = yaml.safe_dump(wf.data)
    for value in SENTINELS.values():
        assert value not in text
    trains = training(wf)
    with_secret = set()
    for name, task in by_name(wf).items():
        for ref in task.kubernetes.get("secretAsEnv", []):
            with_secret.add(step_of(name))
            assert ref["secretName"] == placement.MINIO_SECRET and ref["optional"] is True
            assert {m["secretKey"]: m["envVar"] for m in ref["keyToEnv"]} == placement.MINIO_ENV
    readers = {s for s, step in STEPS.items() if "source" in step.params}
    assert with_secret == {step_of(n) for n in trains} | readers | {REPORT}


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_training_checkpoints_key_on_the_run(paper, target):
    """The checkpoint key (digitstudy.checkpoints.RUN_ENV) is a field path of the pod, handed
    to the driver (which sets it on the pod, k8s.go); Argo labels every pod of the Workflow
    with its name (argo workflowpod.go ~204), the same for each retry. The Workflow itself
    fixes the KFP run id on every pod's labels (v2_template.go ~418)."""
    wf = paper[target]
    trains = training(wf)
    for name, task in by_name(wf).items():
        paths = {f["name"]: f["fieldPath"] for f in task.kubernetes.get("fieldPathAsEnv", [])}
        if name in trains:
            assert paths == {checkpoints.RUN_ENV: placement.RUN_LABEL_PATH}, name
            assert env_of(task)[checkpoints.STORE_ENV].startswith("s3://")
        else:
            assert paths == {}, name
    assert wf.data["metadata"]["generateName"] == "digitstudy-"  # one name per run
    assert wf.data["spec"]["podMetadata"]["labels"]["pipeline/runid"] == RUN_ID


@pytest.mark.parametrize("profile,parts", [("paper", None), ("tiny", None), ("tiny", "p1")])
def test_each_loop_fans_out_as_the_plan_says(backend_check, tmp_path, profile, parts):
    """The items each loop's driver gets (its withSequence count at run time) multiply to
    the plan's tasks, step by step; every loop runs at the profile's parallelism."""
    ir = compile_for_cluster(profile, "cpu", tmp_path / f"{profile}.yaml", parts)
    wf = workflow_of(backend_check, ir, profile, parts)
    tasks = wf.executor_tasks()
    assert sum(t.pods for t in tasks) == count_tasks(next(yaml.safe_load_all(ir.read_text())))
    plan = plan_study(load_profile(profile), parts)
    pods = {}
    for task in tasks:
        pods[step_of(task.name)] = pods.get(step_of(task.name), 0) + task.pods
    if "p1" in plan.parts:
        assert pods["p1-baseline"] == len(plan.p1_baseline)
        assert pods["p1-autoencoder"] == len(plan.p1_autoencoder) * len(plan.p1_l2_scopes)
        assert pods["p1-utterance-embedding"] == len(plan.p1_seeds)
    if "p2" in plan.parts:
        assert pods["p2-classifier-cell"] == len(plan.p2_real_sizes) * len(plan.p2_cells)
    if "p4a" in plan.parts:
        assert pods["p4a-attention-mnist"] == len(plan.p4a_models) * len(plan.p4a_seeds)
    if "p4b" in plan.parts:
        assert pods["p4b-attention-speech"] == len(plan.p4b_models) * len(plan.p4b_seeds)
    parallelism = load_profile(profile).pipeline.parallelism
    assert set(wf.loop_parallelism().values()) == {parallelism}


def test_gpu_selector_and_toleration_reach_the_driver_when_the_profile_asks(backend_check,
                                                                           tmp_path):
    from kfp import compiler

    from digitstudy.config import profile_from_dict
    from pipelines.placement import Placement
    from pipelines.study import build_study

    data = load_profile("tiny").as_parameter()
    data["cluster"]["gpu"] = {"node_selector": {"key": "cloud.google.com/gke-accelerator",
                                                "value": "nvidia-h100-80gb"},
                              "toleration": {"key": "nvidia.com/gpu", "effect": "NoSchedule"}}
    profile = profile_from_dict(data)
    ir = tmp_path / "gpu.yaml"
    compiler.Compiler().compile(build_study(profile, "p4a", Placement.for_cluster(
        "gpu", profile.cluster)), str(ir))
    tasks = by_name(workflow_of(backend_check, ir, "tiny", "p4a"))
    train = tasks["p4a-attention-mnist"].kubernetes
    assert train["nodeSelector"]["labels"] == {"cloud.google.com/gke-accelerator":
                                               "nvidia-h100-80gb"}
    assert train["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists",
                                     "effect": "NoSchedule"}]
    assert "nodeSelector" not in tasks["fetch-mnist"].kubernetes


@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_training_tasks_get_the_profiles_keras_backend(paper, target):
    wf = paper[target]
    trains = training(wf)
    backend = load_profile("paper").backend
    for name, task in by_name(wf).items():
        assert env_of(task).get("KERAS_BACKEND") == (backend if name in trains else None), name


# --- what KFP or Argo refuses is reported with their words -------------------------------------

def test_a_rejected_pipeline_names_our_task(backend_check, tmp_path):
    ir = compile_for_cluster("tiny", "cpu", tmp_path / "tiny-p1.yaml", "p1")
    spec, platform = yaml.safe_load_all(ir.read_text())
    del spec["deploymentSpec"]["executors"]["exec-mfcc-features"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump_all([spec, platform]))
    with pytest.raises(BackendRejected) as err:
        check(backend_check, broken, tmp_path / "out.yaml", run_arguments("tiny", "p1"))
    message = str(err.value)
    assert "our task: mfcc-features" in message
    assert 'executor(label="exec-mfcc-features") not found' in message  # KFP's own words
    assert not (tmp_path / "out.yaml").exists()


def test_an_invalid_dependency_is_refused_by_run_creation_validation(backend_check, tmp_path):
    ir = compile_for_cluster("tiny", "cpu", tmp_path / "tiny-p1.yaml", "p1")
    spec, platform = yaml.safe_load_all(ir.read_text())
    spec["root"]["dag"]["tasks"]["mfcc-features"]["dependentTasks"] = ["no-such-task"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump_all([spec, platform]))
    with pytest.raises(BackendRejected, match="run-creation validation failed.*no-such-task"):
        check(backend_check, broken, tmp_path / "out.yaml", {})


def test_parameters_reach_the_workflow(backend_check, tmp_path):
    """The run's parameters go into the root driver's runtime config as KFP creates the run."""
    ir = compile_for_cluster("tiny", "cpu", tmp_path / "tiny-p1.yaml", "p1")
    arguments = run_arguments("tiny", "p1")
    out = tmp_path / "wf.yaml"
    check(backend_check, ir, out, arguments, run_id=RUN_ID)
    root = Workflow.load(out).templates["entrypoint"]["dag"]["tasks"][0]
    config = json.loads({p["name"]: p["value"] for p in root["arguments"]["parameters"]}[
        "runtime-config"])
    assert config["parameterValues"]["fsdd_source"] == arguments["fsdd_source"]
    assert config["parameterValues"]["parts"] == "p1"
    assert config["gcsOutputDirectory"] == PIPELINE_ROOT  # as make pipeline-submit sets it


def test_go_sources_are_gofmt_and_vet_clean(backend_check):
    """Our Go module (it builds, so the KFP checkout is linked): gofmt and go vet."""
    module = ROOT / "localkfp"
    unformatted = subprocess.run(["gofmt", "-l", "cmd"], cwd=module, capture_output=True,
                                 text=True, check=True).stdout.split()
    assert unformatted == [], f"gofmt -w {' '.join(unformatted)}"
    vet = subprocess.run(["go", "vet", "./..."], cwd=module, capture_output=True, text=True)
    assert vet.returncode == 0, vet.stderr


def test_make_backend_check_passes_every_pipeline(backend_check, tmp_path, capsys):
    """tiny and paper, cpu and gpu, every part and PARTS=p1: one line each, every Workflow
    written."""
    from localkfp.backend_check import PIPELINES, main

    assert main(["--binary", str(backend_check), "--out", str(tmp_path / "argo"),
                 "--ir-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(PIPELINES) == 8
    assert {p.name for p in (tmp_path / "argo").glob("*.yaml")} == {
        "digitstudy-tiny-cpu.yaml", "digitstudy-tiny-p1-cpu.yaml", "digitstudy-tiny-gpu.yaml",
        "digitstudy-tiny-p1-gpu.yaml", "digitstudy-paper-cpu.yaml",
        "digitstudy-paper-p1-cpu.yaml", "digitstudy-paper-gpu.yaml",
        "digitstudy-paper-p1-gpu.yaml"}
    assert all(re.search(r"\d+ executor pods .*, \d+ GPU pods", line) for line in lines)
    assert [int(re.search(r"(\d+) GPU pods", line)[1]) > 0 for line in lines] == [
        "-gpu" in line for line in lines]
