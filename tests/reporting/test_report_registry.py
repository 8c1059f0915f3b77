"""The report's side of the registry: its table and figure specs select records by registry
step constants, every step that writes result records has a table (or says why not), and the
aggregator routes every output the DAG hands it (``steps.FAN_INS``) into one of its inputs.
That every recording task's result reaches the aggregator is checked on the compiled DAG
(tests/pipeline/test_registry.py)."""

from __future__ import annotations

from digitstudy.reporting import study_tables
from digitstudy.reporting.report import fan_in_paths
from digitstudy.steps import AGGREGATE_RESULTS, FAN_INS, STEPS, Step

# steps that write result records the report shows in no table or figure, and why
UNTABLED: dict[str, str] = {}


def steps_read_by_the_report() -> set[str]:
    return {v.name for module in study_tables.PART_MODULES for v in vars(module).values()
            if isinstance(v, Step)}


def test_every_step_the_report_reads_is_a_registry_step():
    for module in study_tables.PART_MODULES:
        for name, value in vars(module).items():
            if isinstance(value, Step):
                assert STEPS.get(value.name) is value, (module.__name__, name)


def test_every_step_that_writes_records_has_a_table_or_says_why_not():
    recording = {s.name for s in STEPS.values() if s.records}
    missing = recording - steps_read_by_the_report() - set(UNTABLED)
    assert not missing, f"steps with records but no table spec in reporting/p*.py: {missing}"
    assert set(UNTABLED) <= recording


def test_a_table_selects_by_step_constant_not_by_string():
    import pytest

    from digitstudy.reporting.tables import select

    with pytest.raises(AttributeError):
        select([], "p1-autoencoder")


class _Artifact:
    def __init__(self, path):
        self.path = path


def test_every_output_the_report_reads_goes_into_an_input_of_the_report_step():
    assert set(FAN_INS.values()) <= set(AGGREGATE_RESULTS.inputs)
    # a recording step's records are its "result" (Step.records): the report reads it
    assert all("result" in FAN_INS for s in STEPS.values() if s.records)
    for output, target in FAN_INS.items():  # an input named <task>_<output> (components/report.py)
        paths = fan_in_paths({f"p9_some_task_2_{output}": [_Artifact("x")]})
        assert paths[target] == ["x"] and not any(v for k, v in paths.items() if k != target)
