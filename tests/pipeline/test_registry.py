"""The registry is the one declaration of each step: its target, its component and the
DAG's wiring must agree with it (a mismatch fails here, not in a slow DAG run): every step
has a task, and every task whose step writes records feeds the aggregator."""

from __future__ import annotations

import inspect

import pytest
import yaml

from components import data, experiments, report
from digitstudy import steps
from digitstudy.config import load_profile
from digitstudy.reporting.report import FAN_IN, fan_in_paths
from digitstudy.runner import run_step, step_settings
from digitstudy.steps import LIST_INPUTS, STEPS
from pipelines import study
from pipelines.study import build_study

# component parameters that are KFP-side only: the step's settings, UI outputs, cache keys
KFP_ONLY = {"settings", "metrics", "confusion", "fingerprint", "summary", "report_md",
            "report_html"}


def declared(step) -> set[str]:
    return set(step.inputs) | set(step.outputs) | set(step.params)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_target_resolves_to_a_function_taking_what_the_step_declares(name):
    step = STEPS[name]
    params = inspect.signature(step.load()).parameters
    first, *rest = params.values()
    assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD  # the settings view
    assert first.name == "settings", name
    assert getattr(first.annotation, "__name__", first.annotation) == "SettingsView", name
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest), name
    assert {p.name for p in rest} == declared(step), name


# the aggregator's component is built per DAG, with one input per fan-in; here with none
COMPONENTS = [c for module in (data, experiments) for c in vars(module).values()
              if hasattr(c, "python_func") and c.python_func.__module__ == module.__name__
              ] + [report.aggregator(())]


def constant(step) -> str:
    return next(n for n, v in vars(steps).items() if v is step)


def test_every_step_has_exactly_one_component():
    assert sorted(c.step.name for c in COMPONENTS) == sorted(STEPS)


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.step.name)
def test_every_component_runs_its_step_taking_what_the_step_declares(component):
    step, func = component.step, component.python_func
    assert STEPS[step.name] is step
    params = set(inspect.signature(func).parameters) - KFP_ONLY
    expected = declared(step)
    if step is steps.AGGREGATE_RESULTS:  # its fan-ins arrive as one input per task output
        expected = expected - set(LIST_INPUTS)
    assert params == expected, step.name
    # the body runs the step of its decorator
    assert f"run_step(steps.{constant(step)}, settings" in inspect.getsource(func)


def test_an_unknown_step_name_is_refused_naming_it():
    with pytest.raises(KeyError, match="p9-nothing"):
        run_step("p9-nothing", "tiny")


def test_the_registry_and_the_dag_import_no_tensorflow_or_jax(tmp_path):
    """Compiling the pipeline stays light: step targets load only when a step runs."""
    import subprocess
    import sys

    code = (
        "import sys; from kfp import compiler; from digitstudy.config import load_profile; "
        "from pipelines.study import build_study; "
        f"compiler.Compiler().compile(build_study(load_profile('paper')), "
        f"r'{tmp_path}/s.yaml'); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'jax', 'keras'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_step_kind_and_part_come_from_the_declaration():
    assert steps.P1_AUTOENCODER.part == "p1" and steps.P1_AUTOENCODER.kind == "train"
    assert steps.P4B_ATTENTION_SPEECH.part == "p4b"
    assert steps.FETCH_MNIST.part is None and steps.FETCH_MNIST.kind == "data"
    assert steps.P2_AUGMENT.kind == "data"
    assert steps.AGGREGATE_RESULTS.kind == "report"


def test_each_step_constant_is_named_for_its_step():
    for name, step in STEPS.items():
        assert getattr(steps, name.upper().replace("-", "_")) is step


# --- the DAG's wiring, read from the compiled IR ------------------------------------------------


def compiled(tmp_path, parts=None) -> dict:
    from kfp import compiler

    out = tmp_path / "study.yaml"
    compiler.Compiler().compile(build_study(load_profile("paper"), parts), str(out))
    return next(yaml.safe_load_all(out.read_text()))


def task_steps(spec) -> dict[str, steps.Step]:
    """Every task of the compiled DAG, loops included, with its registry step: the task's
    component runs the function its executor names (``--function_to_execute``)."""
    by_function = {c.python_func.__name__: c.step for c in COMPONENTS}
    dags = [spec["root"]["dag"]] + [c["dag"] for c in spec["components"].values() if "dag" in c]
    out = {}
    for dag in dags:
        for name, task in dag["tasks"].items():
            component = spec["components"][task["componentRef"]["name"]]
            if "executorLabel" in component:
                args = spec["deploymentSpec"]["executors"][component["executorLabel"]][
                    "container"]["args"]
                out[name] = by_function[args[args.index("--function_to_execute") + 1]]
    return out


def aggregator_inputs(spec) -> dict[str, tuple[str, str]]:
    """The aggregator's artifact inputs: name -> (producing task, output). A loop's output
    is named ``pipelinechannel--<task>-<output>`` by KFP (kfp 2.17.3
    compiler/compiler_utils.py:38-47 around dsl/pipeline_channel.py:132-134 ``full_name``)."""
    wired = spec["root"]["dag"]["tasks"]["aggregate-results"]["inputs"].get("artifacts", {})
    out = {}
    for name, value in wired.items():
        source = value["taskOutputArtifact"]
        key = source["outputArtifactKey"]
        if key.startswith("pipelinechannel--"):  # collected over a loop
            task, _, output = key.removeprefix("pipelinechannel--").rpartition("-")
        else:
            task, output = source["producerTask"], key
        out[name] = (task, output)
    return out


def unreported(spec) -> set[str]:
    """The tasks whose step writes records but whose ``result`` never reaches the aggregator."""
    fed = set(aggregator_inputs(spec).values())
    return {name for name, step in task_steps(spec).items()
            if step.records and (name, "result") not in fed}


def test_every_step_has_a_task_in_the_dag_of_every_part(tmp_path):
    """A step with a component but no ``self.task`` in pipelines/study.py fails here."""
    assert set(task_steps(compiled(tmp_path)).values()) == set(STEPS.values())


def test_every_record_reaches_the_aggregator_under_its_tasks_name(tmp_path):
    spec = compiled(tmp_path)
    assert not unreported(spec)
    inputs = aggregator_inputs(spec)
    for name, (task, output) in inputs.items():
        assert name == f"{task}_{output}".replace("-", "_")
        assert FAN_IN.fullmatch(name), name  # fan_in_paths routes it to results or figures
    records = {(t, "result") for t, step in task_steps(spec).items() if step.records}
    assert set(inputs.values()) == records | {("p2-augment", "figure")}


def test_a_recording_task_that_bypasses_the_dag_task_method_is_caught(tmp_path, monkeypatch):
    """A task created by the placement directly, not by ``StudyDag.task``, never reaches
    the report: the check above names it."""

    class Unreported(study.StudyDag):
        def p4b(self):
            super().p4b()
            step = experiments.p4b_attention_speech.step
            self.place.train(experiments.p4b_attention_speech,
                             settings=step_settings(step, self.profile), model="baseline",
                             seed=1, images=self.images)

    monkeypatch.setattr(study, "StudyDag", Unreported)
    assert unreported(compiled(tmp_path, "p4b")) == {"p4b-attention-speech-2"}


def test_an_output_the_report_does_not_read_is_refused_naming_it(tmp_path, monkeypatch):
    class PoolsToReport(study.StudyDag):
        def p2(self):
            self.augment(30, self.reduced, to_report=("pools",))

    monkeypatch.setattr(study, "StudyDag", PoolsToReport)
    with pytest.raises(ValueError, match="p2-augment: the report reads no 'pools' output"):
        compiled(tmp_path, "p2")


def test_kfp_refuses_an_unknown_aggregator_input_when_the_dag_is_built():
    from kfp import dsl

    aggregate = report.aggregator(("p1_baseline_result: Input[list[Artifact]] = None",))

    def pipeline():
        aggregate(settings={}, run_id="", parts="", fsdd_source="", mnist_source="",
                  p1_baselin_result=None)

    # kfp/dsl/base_component.py:81-83 checks a call's names against the component's inputs
    with pytest.raises(TypeError, match='unexpected keyword argument "p1_baselin_result"'):
        dsl.pipeline(name="unknown-input")(pipeline)  # builds the DAG, as compiling does


class _Artifact:
    def __init__(self, path):
        self.path = path


def test_fan_in_paths_route_each_input_to_results_or_figures():
    inputs = {"p1_baseline_result": [_Artifact("a"), _Artifact("b")],
              "p2_augment_figure": [_Artifact("f")], "p3_gan_quality_4_result": _Artifact("q"),
              "p4b_attention_speech_result": None, "unrelated": 3, "report": _Artifact("out"),
              "report_md": _Artifact("md")}
    assert fan_in_paths(inputs) == {"results": ["a", "b", "q"], "figures": ["f"]}
