"""The compiled study DAG: static loops, only the selected parts, each task given only its
own settings (so a task's cache key moves only with its own settings)."""

import json
import re

import pytest
import yaml

from digitstudy.config import load_profile, profile_from_dict
from digitstudy.steps import STEPS
from pipelines.compile import compile_study, output_path
from pipelines.placement import Placement
from pipelines.study import build_study


def compile_spec(tmp_path, profile, parts=None, placement=None) -> dict:
    from kfp import compiler

    out = tmp_path / f"p{len(list(tmp_path.iterdir()))}.yaml"
    compiler.Compiler().compile(build_study(profile, parts, placement), str(out))
    return next(yaml.safe_load_all(out.read_text()))


def task_inputs(spec) -> dict[str, dict]:
    """'<dag>/<task>' -> the task's constant parameter inputs, over every (sub-)DAG."""
    found = {}
    for dag_name, dag in [("root", spec["root"]["dag"])] + [
            (n, c["dag"]) for n, c in spec["components"].items() if "dag" in c]:
        for name, task in dag["tasks"].items():
            params = task.get("inputs", {}).get("parameters", {})
            found[f"{dag_name}/{name}"] = {
                k: v["runtimeValue"]["constant"] for k, v in params.items()
                if "runtimeValue" in v}
    return found


def executors(spec) -> set[str]:
    return set(spec["deploymentSpec"]["executors"])


@pytest.mark.parametrize("profile", ["tiny", "paper"])
@pytest.mark.parametrize("target", ["cpu", "gpu"])
def test_no_plan_skip_or_gather_tasks(tmp_path, profile, target):
    text = compile_study(profile, target, tmp_path / "s.yaml").read_text()
    spec = next(yaml.safe_load_all(text))
    assert not any(re.search(r"plan|gather|skip", e) for e in executors(spec)), executors(spec)
    for comp in spec["components"].values():
        assert "skip" not in comp.get("inputDefinitions", {}).get("parameters", {})
    # every loop iterates a static list compiled into the YAML
    iterators = [t["parameterIterator"] for c in [spec["root"]] + list(spec["components"].values())
                 if "dag" in c for t in c["dag"]["tasks"].values() if "parameterIterator" in t]
    assert iterators and all("raw" in it["items"] for it in iterators)


def test_p1_on_gpu_has_only_p1_tasks_and_only_its_training_on_gpus(tmp_path):
    out = compile_study("tiny", "gpu", tmp_path / "p1.yaml", parts="p1")
    spec = next(yaml.safe_load_all(out.read_text()))
    steps = {re.sub(r"^exec-|-\d+$", "", e) for e in executors(spec)}
    assert steps == {"fetch-fsdd", "mfcc-features", "p1-baseline", "p1-autoencoder",
                     "p1-utterance-embedding", "aggregate-results"}
    gpu = {re.sub(r"^exec-", "", n) for n, e in spec["deploymentSpec"]["executors"].items()
           if e["container"].get("resources", {}).get("accelerator")}
    assert gpu == {"p1-baseline", "p1-autoencoder", "p1-utterance-embedding"}


def test_data_steps_exist_only_when_a_selected_part_needs_them(tmp_path):
    profile = load_profile("tiny")
    p4a = {re.sub(r"^exec-|-\d+$", "", e) for e in executors(compile_spec(tmp_path, profile, "p4a"))}
    assert p4a == {"fetch-mnist", "p4a-attention-mnist", "aggregate-results"}
    p4b = {re.sub(r"^exec-|-\d+$", "", e) for e in executors(compile_spec(tmp_path, profile, "p4b"))}
    assert p4b == {"fetch-fsdd", "spectrogram-images", "p4b-attention-speech", "aggregate-results"}


def test_changing_one_parts_settings_leaves_every_other_task_unchanged(tmp_path):
    """Edit p4b's epochs: only the p4b training task's inputs (and the report's, which reads
    every setting and is never cached) change; fetch-mnist, reduced-mnist, augment... do not."""
    base = load_profile("tiny")
    data = base.as_parameter()
    data["p4b"]["train"]["epochs"] += 3
    edited = profile_from_dict(data)
    before, after = (task_inputs(compile_spec(tmp_path, p)) for p in (base, edited))
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed and all("p4b-attention-speech" in k or "aggregate-results" in k
                           for k in changed), changed
    # deployment settings never enter a task's inputs
    data["cluster"]["retry"]["count"] += 1
    data["pipeline"]["parallelism"] += 1
    deployed = task_inputs(compile_spec(tmp_path, profile_from_dict(data)))
    assert deployed == after
    assert not any("cluster" in json.dumps(v) for v in after.values())


def test_each_task_gets_its_steps_settings_only(tmp_path):
    spec = compile_spec(tmp_path, load_profile("tiny"))
    checked = set()
    for key, inputs in task_inputs(spec).items():
        task = key.split("/")[1]
        step = re.sub(r"-\d+$", "", task)
        if step in STEPS and "settings" in inputs:
            top = set(inputs["settings"])
            assert top <= {p.split(".")[0] for p in STEPS[step].settings}, (task, top)
            checked.add(step)
    assert checked == set(STEPS)  # every step of the study has a task, and each was checked


def test_run_parameters_name_the_profile_and_parts(tmp_path):
    spec = compile_spec(tmp_path, load_profile("tiny"), "p2,p1")
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["profile_name"]["defaultValue"] == "tiny"
    assert params["parts"]["defaultValue"] == "p1,p2"


def test_compile_output_is_named_by_the_profiles_stem(tmp_path):
    assert output_path(str(tmp_path / "x.yaml"), "cpu", None).name == "digitstudy-x-cpu.yaml"
    assert output_path("tiny", "gpu", "p1").name == "digitstudy-tiny-p1-gpu.yaml"


def test_gpu_image_is_chosen_by_the_placement(tmp_path):
    profile = load_profile("tiny")
    gpu = Placement.for_cluster("gpu", profile.cluster, cpu_image="cpu:1", gpu_image="gpu:1")
    spec = compile_spec(tmp_path, profile, "p4a", gpu)
    images = {n: e["container"]["image"] for n, e in spec["deploymentSpec"]["executors"].items()}
    assert images == {"exec-fetch-mnist": "cpu:1", "exec-p4a-attention-mnist": "gpu:1",
                      "exec-aggregate-results": "cpu:1"}


def test_p3_variant_rows_are_their_own_loops_with_gan_pool_quality_and_cells(tmp_path):
    """A string loop over the variant labels (+ "filtered"), the variant rows' sizes inside it,
    each iteration's GAN -> pool -> quality, its cells nested one level further."""
    spec = compile_spec(tmp_path, load_profile("tiny"), "p3")
    steps = {re.sub(r"^exec-|-\d+$", "", e) for e in executors(spec)}
    assert {"p3-train-gan-variant", "p3-synthesize-variant"} <= steps
    loops = {}
    for comp in [spec["root"]] + list(spec["components"].values()):
        for task in comp.get("dag", {}).get("tasks", {}).values():
            if "parameterIterator" in task:
                loops[task["componentRef"]["name"]] = json.loads(
                    task["parameterIterator"]["items"]["raw"])
    labels = ["stock-aux-bn", "no-aux-loss", "synthesis-training-mode", "filtered"]
    outer = next(n for n, items in loops.items() if items == labels)
    body = spec["components"][outer]["dag"]["tasks"]
    size_loop = next(t for t in body.values() if "parameterIterator" in t)
    assert json.loads(size_loop["parameterIterator"]["items"]["raw"]) == [30]
    inner = spec["components"][size_loop["componentRef"]["name"]]["dag"]["tasks"]
    names = {re.sub(r"-\d+$", "", n) for n in inner}
    assert {"p3-train-gan-variant", "p3-synthesize-variant", "p3-gan-quality"} <= names
    cells = next(t for t in inner.values() if "parameterIterator" in t)
    assert [c["synthetic_count"] for c in json.loads(
        cells["parameterIterator"]["items"]["raw"])] == [100, 200, 300]  # no 2nd baseline
    # without variants and filter: no variant task at all
    data = load_profile("tiny").as_parameter()
    data["p3"]["variants"] = []
    data["p3"]["filter"]["enabled"] = False
    plain = {re.sub(r"^exec-|-\d+$", "", e)
             for e in executors(compile_spec(tmp_path, profile_from_dict(data), "p3"))}
    assert not {"p3-train-gan-variant", "p3-synthesize-variant"} & plain
