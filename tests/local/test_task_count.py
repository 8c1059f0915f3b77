"""The [k/N] total: container tasks of a compiled pipeline, loops times their items."""

from kfp import dsl

from pipelines.local.task_count import count_tasks


@dsl.component(base_image="python:3.11")
def one(x: int) -> int:
    return x


@dsl.component(base_image="python:3.11")
def items() -> list:
    return [1, 2]


@dsl.pipeline
def nested():
    one(x=0)
    with dsl.ParallelFor([1, 2, 3]) as i:
        one(x=i)
        with dsl.ParallelFor([{"k": 1}, {"k": 2}]) as j:
            one(x=j.k)
            one(x=2)
    with dsl.ParallelFor([7]):
        one(x=7)


@dsl.pipeline
def dynamic():
    with dsl.ParallelFor(items().output) as i:
        one(x=i)


def test_nested_static_loops_multiply():
    # 1 + 3 * (1 + 2 * 2) + 1 * 1
    assert count_tasks(nested.pipeline_spec) == 17


def test_a_dict_spec_counts_the_same():
    from google.protobuf import json_format

    assert count_tasks(json_format.MessageToDict(nested.pipeline_spec)) == 17


def test_a_loop_over_a_task_output_has_no_total_until_it_runs():
    assert count_tasks(dynamic.pipeline_spec) is None
