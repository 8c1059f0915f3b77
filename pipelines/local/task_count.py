"""How many container tasks a compiled pipeline runs: the total of the ``[k/N]`` counter.

Counted from the pipeline's IR (``PipelineSpec``): every task whose component has an
executor is one task; a task whose component is a DAG contributes its DAG's count, times
the number of loop items where it is a ``dsl.ParallelFor`` over a static list. The
compiler writes such a list as JSON into ``parameterIterator.items.raw``
(kfp/compiler/pipeline_spec_builder.py, ``_build_dag_outputs``/``build_task_spec_for_group``
sets ``iterator_policy`` and ``parameter_iterator.items.raw``). A loop over a task's
output (``items.inputParameter``) has no count until it runs: the total is then unknown.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format


def _as_dict(spec: Any) -> dict:
    if isinstance(spec, dict):
        return spec
    return json_format.MessageToDict(spec)  # pipeline_spec_pb2.PipelineSpec


def count_tasks(spec: Any) -> int | None:
    """Container tasks the pipeline ``spec`` (dict or PipelineSpec) runs; None if a loop's
    length is only known at run time."""
    spec = _as_dict(spec)
    components = spec.get("components", {})

    def dag_count(dag: dict) -> int | None:
        total = 0
        for task in dag.get("tasks", {}).values():
            ref = task["componentRef"]["name"]
            component = components.get(ref, {})
            inner = dag_count(component["dag"]) if "dag" in component else 1
            if inner is None:
                return None
            iterator = task.get("parameterIterator") or task.get("artifactIterator")
            if iterator is not None:
                raw = iterator.get("items", {}).get("raw")
                if raw is None:
                    return None
                inner *= len(json.loads(raw))
            total += inner
        return total

    return dag_count(spec["root"]["dag"])
