"""The registry is the one declaration of each step: its target, component and the
aggregator's inputs must agree with it (a typo fails here, not in a slow DAG run)."""

from __future__ import annotations

import inspect

import pytest
import yaml

from components import component_for
from digitstudy.config import load_profile
from digitstudy.steps import AGGREGATOR_INPUTS, LIST_INPUTS, STEPS, aggregator_paths
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
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest), name
    assert {p.name for p in rest} == declared(step), name


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_has_its_component_taking_what_the_step_declares(name):
    step = STEPS[name]
    func = component_for(name).python_func
    assert func.__name__ == name.replace("-", "_")
    params = set(inspect.signature(func).parameters) - KFP_ONLY
    expected = declared(step)
    if name == "aggregate-results":  # its fan-ins arrive as one input per kind of record
        expected = (expected - set(LIST_INPUTS)) | set(AGGREGATOR_INPUTS)
    assert params == expected, name
    assert f'run_step("{name}", settings' in inspect.getsource(func)  # the step it runs


def test_an_unknown_step_has_no_component():
    with pytest.raises(KeyError, match="p9-nothing"):
        component_for("p9-nothing")


def test_step_kind_and_part_come_from_the_declaration():
    assert STEPS["p1-autoencoder"].part == "p1" and STEPS["p1-autoencoder"].kind == "train"
    assert STEPS["p4b-attention-speech"].part == "p4b"
    assert STEPS["fetch-mnist"].part is None and STEPS["fetch-mnist"].kind == "data"
    assert STEPS["p2-augment"].kind == "data"
    assert STEPS["aggregate-results"].kind == "report"


def test_the_dag_wires_exactly_the_declared_aggregator_inputs(tmp_path):
    from kfp import compiler

    out = tmp_path / "study.yaml"
    compiler.Compiler().compile(build_study(load_profile("paper")), str(out))
    spec = next(yaml.safe_load_all(out.read_text()))
    report = spec["root"]["dag"]["tasks"]["aggregate-results"]
    wired = set(report["inputs"].get("artifacts", {}))
    assert wired == set(AGGREGATOR_INPUTS)


class _Artifact:
    def __init__(self, path):
        self.path = path


def test_aggregator_paths_route_each_input_to_results_or_figures():
    inputs = {"p1_baseline": [_Artifact("a"), _Artifact("b")], "p2_figures": [_Artifact("f")],
              "p3_full_quality": _Artifact("q"), "p4b_models": None, "unrelated": 3}
    assert aggregator_paths(inputs) == {"results": ["a", "b", "q"], "figures": ["f"]}
