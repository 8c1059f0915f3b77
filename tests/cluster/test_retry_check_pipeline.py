"""The live retry check's pipeline compiles, and the SDK keeps set_retry on the task inside
dsl.ParallelFor (kubeflow/pipelines#12389 reports it ignored there; whether the 2.17 backend
honours it is what `make test-live` checks on a cluster)."""

from __future__ import annotations

import yaml
from cluster.retry_check_pipeline import RETRIES, retry_check
from kfp import compiler


def test_retry_policy_is_in_the_ir_inside_and_outside_the_loop(tmp_path):
    path = tmp_path / "retry-check.yaml"
    compiler.Compiler().compile(retry_check, str(path))
    spec = yaml.safe_load(path.read_text())
    outside = spec["root"]["dag"]["tasks"]["fail-first-attempt"]["retryPolicy"]
    (loop,) = [c for name, c in spec["components"].items() if name.startswith("comp-for-loop")]
    (inside,) = [t["retryPolicy"] for t in loop["dag"]["tasks"].values()]
    expected = {"maxRetryCount": RETRIES["num_retries"], "backoffDuration": "5s",
                "backoffFactor": 2.0, "backoffMaxDuration": "900s"}
    assert outside == inside == expected
