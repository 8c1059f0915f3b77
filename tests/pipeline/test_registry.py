"""The registry is the one declaration of each step: its target, its component and the
aggregator's inputs must agree with it (a mismatch fails here, not in a slow DAG run)."""

from __future__ import annotations

import inspect

import pytest
import yaml

from components import data, experiments, report
from digitstudy import steps
from digitstudy.config import load_profile
from digitstudy.reporting.report import FAN_IN, fan_in_paths
from digitstudy.runner import run_step
from digitstudy.steps import LIST_INPUTS, STEPS
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


COMPONENTS = [c for module in (data, experiments, report) for c in vars(module).values()
              if hasattr(c, "python_func") and c.python_func.__module__ == module.__name__]
# the aggregator's record inputs: its component's parameters named for a part
FAN_INS = {p for p in inspect.signature(report.aggregate_results.python_func).parameters
           if FAN_IN.fullmatch(p)}


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
    if step is steps.AGGREGATE_RESULTS:  # its fan-ins arrive as one input per kind of record
        expected = (expected - set(LIST_INPUTS)) | FAN_INS
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


def test_the_dag_wires_exactly_the_declared_aggregator_inputs(tmp_path):
    from kfp import compiler

    out = tmp_path / "study.yaml"
    compiler.Compiler().compile(build_study(load_profile("paper")), str(out))
    spec = next(yaml.safe_load_all(out.read_text()))
    report = spec["root"]["dag"]["tasks"]["aggregate-results"]
    wired = set(report["inputs"].get("artifacts", {}))
    assert wired == FAN_INS


class _Artifact:
    def __init__(self, path):
        self.path = path


def test_fan_in_paths_route_each_input_to_results_or_figures():
    inputs = {"p1_baseline": [_Artifact("a"), _Artifact("b")], "p2_figures": [_Artifact("f")],
              "p3_full_quality": _Artifact("q"), "p4b_models": None, "unrelated": 3,
              "report": _Artifact("out")}
    assert fan_in_paths(inputs) == {"results": ["a", "b", "q"], "figures": ["f"]}
