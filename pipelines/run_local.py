"""``make run``: the study DAG on this machine through ``kfp.local`` (no cluster).

Every component runs as a subprocess of this virtualenv, or with ``--runner docker``
(``make run RUNNER=docker``) in the image built for this commit (pipelines/runners.py).
The report is copied to ``report/runs/<run id>/`` and ``report/`` (the latest run), with
the wall time of each step and which runner (image) executed the tasks.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from kfp import local

from digitstudy.config import load_profile
from digitstudy.logs import setup_logging
from digitstudy.plan import parse_parts
from pipelines import local_compat
from pipelines.arguments import make_run_id, pipeline_arguments
from pipelines.placement import Placement
from pipelines.runners import RUNNERS, make_runner
from pipelines.study import build_study

log = logging.getLogger("digitstudy.run_local")


class StepTimer:
    """Wall time per task, from kfp.local's 'Executing task' / 'finished' log records.

    kfp.local swaps the root logger's handlers around every task, so the timer wraps
    the root logger's ``handle`` instead of adding a handler.
    """

    def __init__(self):
        self.started: dict[str, list[float]] = defaultdict(list)
        self.seconds: dict[str, list[float]] = defaultdict(list)

    def observe(self, record: logging.LogRecord) -> None:
        msg = re.sub(r"\x1b\[[0-9;]*m", "", str(record.msg))
        if m := re.search(r"Executing task '([\w-]+)'", msg):
            self.started[m[1]].append(time.perf_counter())
        elif (m := re.search(r"Task '([\w-]+)' finished with status", msg)) and self.started[m[1]]:
            self.seconds[m[1]].append(time.perf_counter() - self.started[m[1]].pop(0))

    @contextmanager
    def watching(self):
        root = logging.getLogger()
        original = root.handle

        def handle(record):
            self.observe(record)
            return original(record)

        root.handle = handle
        try:
            yield self
        finally:
            root.handle = original

    def frame(self) -> pd.DataFrame:
        rows = [(name, len(v), sum(v), max(v)) for name, v in self.seconds.items()]
        return pd.DataFrame(rows, columns=["step", "tasks", "total_seconds", "max_seconds"])


def publish_report(src: Path, report_root: Path, run_id: str) -> Path:
    """Keep the run under report/runs/<run id>/ and make it the latest report/."""
    run_dir = report_root / "runs" / run_id
    shutil.copytree(src, run_dir, dirs_exist_ok=True)
    for old in report_root.iterdir():
        if old.name != "runs":
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    shutil.copytree(src, report_root, dirs_exist_ok=True)
    return run_dir


def run(profile_name: str, parts: str | None, data_dir: str | None, report_root: Path,
        outputs: Path, runner: str = "subprocess") -> Path:
    profile = load_profile(profile_name)
    run_id = make_run_id(profile)
    arguments = pipeline_arguments(data_dir, run_id)
    pipeline = build_study(profile, parts, Placement.local())
    log.info("run %s: parts %s, data %s", run_id, parse_parts(parts) and ",".join(parse_parts(parts)),
             arguments["fsdd_source"] or "canonical downloads")
    local_compat.install()
    executor = make_runner(runner, outputs.resolve(), data_dir)
    log.info("tasks run by the %s", executor.description)
    local.init(runner=executor.runner, pipeline_root=str(outputs.resolve()))
    timer = StepTimer()
    t0 = time.perf_counter()
    with timer.watching():
        result = pipeline(**arguments)
    wall = time.perf_counter() - t0

    artifact_dir = Path(result.output.path)
    times = timer.frame()
    times.loc[len(times)] = ["(whole DAG)", int(times.tasks.sum()), wall, wall]
    times.to_csv(artifact_dir / "step_times.csv", index=False)
    (artifact_dir / "runner.txt").write_text(f"tasks ran in the {executor.description}\n")
    run_dir = publish_report(artifact_dir, report_root, run_id)
    print(times.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"\ntasks ran in the {executor.description}")
    print(f"report: {report_root / 'index.html'} (this run also in {run_dir})")
    return run_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="tiny")
    parser.add_argument("--parts", default=None, help="comma list, default: every implemented part")
    parser.add_argument("--data-dir", default=None, help="folder holding fsdd/ and mnist/")
    parser.add_argument("--report-dir", type=Path, default=Path("report"))
    parser.add_argument("--outputs", type=Path, default=Path("local_outputs"))
    parser.add_argument("--runner", choices=RUNNERS, default="subprocess",
                        help="docker: every task in the image built for this commit")
    args = parser.parse_args(argv)
    setup_logging()
    run(args.profile, args.parts, args.data_dir, args.report_dir, args.outputs, args.runner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
