"""The compiled study DAG: static loops, only the selected parts, each task given only its
own settings (so a task's cache key moves only with its own settings)."""

import json
import re

import pytest
import yaml
from profile_overrides import profile_with

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
    p4a = {re.sub(r"^exec-|-\d+$", "",
                  e) for e in executors(compile_spec(tmp_path, profile, "p4a"))}
    assert p4a == {"fetch-mnist", "p4a-reduced-mnist", "p4a-attention-mnist", "aggregate-results"}
    p4b = {re.sub(r"^exec-|-\d+$", "",
                  e) for e in executors(compile_spec(tmp_path, profile, "p4b"))}
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
            assert top <= {p.split(".")[0] for p in STEPS[step].reads}, (task, top)
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
    assert images == {"exec-fetch-mnist": "cpu:1", "exec-p4a-reduced-mnist": "cpu:1",
                      "exec-p4a-attention-mnist": "gpu:1",
                      "exec-aggregate-results": "cpu:1"}


def test_a_jax_profile_trains_in_the_jax_gpu_image_and_only_on_the_gpu_target(tmp_path):
    jax = profile_with(backend="jax")
    gpu = Placement.for_cluster("gpu", jax.cluster, cpu_image="cpu:1", gpu_image="gpu:1",
                                gpu_jax_image="gpu-jax:1")
    spec = compile_spec(tmp_path, jax, "p4a", gpu)
    images = {n: e["container"]["image"] for n, e in spec["deploymentSpec"]["executors"].items()}
    assert images["exec-p4a-attention-mnist"] == "gpu-jax:1"
    assert images["exec-p4a-reduced-mnist"] == images["exec-aggregate-results"] == "cpu:1"
    cpu = Placement.for_cluster("cpu", jax.cluster, cpu_image="cpu:1")
    with pytest.raises(ValueError, match="backend 'jax'.*TARGET=gpu"):
        compile_spec(tmp_path, jax, "p4a", cpu)


def loops_of(spec) -> dict[str, tuple[list, dict]]:
    """Every static ``dsl.ParallelFor``: its component name -> (items, its body's tasks)."""
    found = {}
    for comp in [spec["root"]] + list(spec["components"].values()):
        for task in comp.get("dag", {}).get("tasks", {}).values():
            if "parameterIterator" in task:
                name = task["componentRef"]["name"]
                found[name] = (json.loads(task["parameterIterator"]["items"]["raw"]),
                               spec["components"][name]["dag"]["tasks"])
    return found


def step_names(tasks: dict) -> set[str]:
    return {re.sub(r"-\d+$", "", n) for n in tasks}


def test_p3_variant_rows_gan_variants_train_their_own_gan_pool_variants_share_the_rows(tmp_path):
    """A GAN variant (stock-aux-bn, no-aux-loss): a string loop, the variant rows' sizes inside
    it, each iteration's own GAN -> pool -> quality, its cells one level further. A pool
    variant (synthesis-training-mode, filtered): a string loop inside its Table 5 row's loop,
    drawing from that row's GAN; those rows are their own loop, the other rows a plain one."""
    spec = compile_spec(tmp_path, load_profile("tiny"), "p3")
    loops = loops_of(spec)
    nested = {n: next(loops[t["componentRef"]["name"]] for t in body.values()
                      if "parameterIterator" in t)
              for n, (_, body) in loops.items() if any("parameterIterator" in t
                                                       for t in body.values())}
    # GAN variants
    outer = next(n for n, (items, _) in loops.items() if items == ["stock-aux-bn", "no-aux-loss"])
    sizes, inner = nested[outer]
    assert sizes == [30]
    assert {"p3-train-gan-variant", "p3-synthesize-variant", "p3-gan-quality"} <= step_names(inner)
    cells = next(loops[t["componentRef"]["name"]][0] for t in inner.values()
                 if "parameterIterator" in t)
    assert [c["synthetic_count"] for c in cells] == [100, 200, 300]  # no 2nd baseline
    # pool variants, nested in the loop of the rows they belong to
    pool_rows = next(n for n, (items, body) in loops.items()
                     if items == [30] and "p3-train-gan" in step_names(body))
    row_body = loops[pool_rows][1]
    assert "p3-train-gan-variant" not in step_names(row_body)
    pool_loops = [loops[t["componentRef"]["name"]] for t in row_body.values()
                  if "parameterIterator" in t]
    labels, pool_body = next(lp for lp in pool_loops if lp[0] == ["synthesis-training-mode",
                                                                 "filtered"])
    assert step_names(pool_body) & {"p3-train-gan", "p3-train-gan-variant"} == set()
    assert {"p3-synthesize-variant", "p3-gan-quality"} <= step_names(pool_body)
    # ... which read the row's GAN, the one the row's own pool is drawn from
    gan_inputs = {t["inputs"]["artifacts"]["gan"]["componentInputArtifact"]
                  for t in pool_body.values() if "gan" in t.get("inputs", {}).get("artifacts", {})}
    assert len(gan_inputs) == 1
    # the other Table 5 rows: a plain loop, no variant in it
    plain = next(n for n, (items, body) in loops.items()
                 if "p3-train-gan" in step_names(body) and n != pool_rows)
    assert loops[plain][0] == load_profile("tiny").p3.real_sizes[1:]
    assert all(items != labels for items, _ in (loops[t["componentRef"]["name"]]
               for t in loops[plain][1].values() if "parameterIterator" in t))
    # without variants and filter: no variant task at all
    data = load_profile("tiny").as_parameter()
    data["p3"]["variants"] = []
    data["p3"]["filter"]["enabled"] = False
    spec = compile_spec(tmp_path, profile_from_dict(data), "p3")
    plain = {re.sub(r"^exec-|-\d+$", "", e) for e in executors(spec)}
    assert not {"p3-train-gan-variant", "p3-synthesize-variant"} & plain
    assert [items for items, body in loops_of(spec).values()
            if "p3-train-gan" in step_names(body)] == [[30, 70, 100]]  # one loop, every row
