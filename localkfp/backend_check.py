"""``make backend-check``: every pipeline we compile, through KFP 2.17's own run-creation path
and Argo v4.0.5's offline lint (``localkfp/cmd/backend-check``, built from KFP's checkout).

For each profile x target x parts it compiles the IR (``build/<name>.yaml``), hands it to the
program with the run arguments ``make pipeline-submit`` would send, writes the Argo Workflow
KFP's API server would create to ``build/argo/<name>.yaml``, and prints one line: the
Workflow's templates and DAG tasks, the pods each loop fans out to, and the pods that request
a GPU. The first pipeline KFP or Argo rejects stops it with their error and the task it names.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

PIPELINES = [(profile, target, parts) for profile in ("tiny", "paper")
             for target in ("cpu", "gpu") for parts in (None, "p1")]


def run_arguments(profile: str, parts: str | None) -> dict:
    """What ``make pipeline-submit`` sends (pipelines/submit.py), with data from s3://datasets."""
    from digitstudy.config import load_profile
    from digitstudy.plan import parse_parts
    from pipelines.submit import run_arguments as submit_arguments

    name = load_profile(profile).name
    arguments = submit_arguments("s3://datasets", f"{name}-check")
    return arguments | {"profile_name": name, "parts": ",".join(parse_parts(parts)),
                        "data_fingerprint": ""}


def check(binary: Path, ir: Path, workflow: Path, arguments: dict, *,
          run_id: str | None = None) -> None:
    """Write the Workflow KFP makes of ``ir`` for a run with ``arguments`` (and the pipeline
    root ``make pipeline-submit`` sets); raise ``BackendRejected`` with KFP's or Argo's words
    when either refuses it."""
    from pipelines.submit import PIPELINE_ROOT

    run_id = run_id or str(uuid.uuid5(uuid.NAMESPACE_URL, ir.name))  # KFP: a random UUID
    proc = subprocess.run([str(binary), "-ir", str(ir), "-out", str(workflow), "-run-id", run_id,
                           "-params", json.dumps(arguments), "-pipeline-root", PIPELINE_ROOT,
                           "-name", ir.stem], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackendRejected(ir, proc.stderr.strip() or proc.stdout.strip())


class BackendRejected(RuntimeError):
    """KFP or Argo refused a pipeline; the message names the tasks of ours it mentions."""

    def __init__(self, ir: Path, message: str):
        ours = {t for t in re.findall(r"[a-z0-9][a-z0-9-]*", message)
                if t.removeprefix("exec-").removeprefix("comp-") in _task_names(ir)}
        tasks = sorted({t.removeprefix("exec-").removeprefix("comp-") for t in ours})
        named = f" (our task: {', '.join(tasks)})" if tasks else ""
        super().__init__(f"{ir}: rejected{named}:\n{message}")


def _task_names(ir: Path) -> set[str]:
    """Every task name of the IR's DAGs."""
    import yaml

    try:
        spec = next(yaml.safe_load_all(ir.read_text()))
    except (OSError, yaml.YAMLError, StopIteration):
        return set()
    dags = [spec.get("root", {}).get("dag", {})] + [
        c["dag"] for c in spec.get("components", {}).values() if "dag" in c]
    return {name for dag in dags for name in dag.get("tasks", {})}


def main(argv: list[str] | None = None) -> int:
    from localkfp.workflow import summary
    from pipelines.compile import compile_study, output_path

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", type=Path, required=True, help="the backend-check program")
    parser.add_argument("--out", type=Path, default=Path("build/argo"), help="the Workflows")
    parser.add_argument("--ir-dir", type=Path, default=Path("build"), help="the compiled IR")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for profile, target, parts in PIPELINES:
        start = time.monotonic()
        ir = compile_study(profile, target,
                           args.ir_dir / output_path(profile, target, parts).name, parts)
        compiled = time.monotonic() - start
        workflow = args.out / ir.name
        try:
            check(args.binary, ir, workflow, run_arguments(profile, parts))
        except BackendRejected as exc:
            print(f"backend-check: {exc}", file=sys.stderr)
            return 1
        print(f"{workflow}: {summary(workflow)} (compile {compiled:.1f} s, "
              f"KFP+Argo {time.monotonic() - start - compiled:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
