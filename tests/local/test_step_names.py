"""The console and step_times.csv name a task by its step, not by KFP's task name."""

import pytest

from pipelines.local.supervisor import step_name


@pytest.mark.parametrize("task, step", [
    ("p3-synthetic-cell-4", "p3-synthetic-cell"),  # KFP's 4th task of that component
    ("p3-synthetic-cell", "p3-synthetic-cell"),
    ("p3-train-gan-2", "p3-train-gan"),
    ("p4a-attention-mnist", "p4a-attention-mnist"),  # a step whose name ends in no index
    ("aggregate-results-2", "aggregate-results"),
    ("noop-2", "noop-2"),  # not a step of this project: KFP's name, as it is
])
def test_kfp_task_index_is_dropped_only_from_a_known_step(task, step):
    assert step_name(task) == step
