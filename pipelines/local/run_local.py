"""``make run``: the study DAG on this machine through ``kfp.local`` (no cluster).

Every component runs as a process of this virtualenv, forked from one interpreter that has
imported TensorFlow and the step modules once (pipelines/local/warm_python.py;
``--cold-start``: a fresh interpreter per task, as a container is), or with ``--runner
docker`` (``make run RUNNER=docker``) in the image built for this commit
(pipelines/local/runners.py). Before the DAG starts, the pre-flight checks
(digitstudy.preflight) look at the profile, PARTS and DATA_DIR. The terminal shows a
``[k/N]`` line per task start/finish and the epoch lines (``VERBOSE=1``: kfp.local's full
logs); every task's log is in ``local_outputs/<run id>/logs/``. Ctrl-C ends the run and its
steps within seconds. Only a run that completes replaces ``report/`` (the latest run) and
adds ``report/runs/<run id>/``, with the wall time of each step.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

import pandas as pd
from kfp import local

from digitstudy.backend import BACKENDS
from digitstudy.config import load_profile
from digitstudy.errors import UserError
from digitstudy.logs import setup_logging
from digitstudy.plan import parse_parts
from digitstudy.preflight import preflight
from pipelines.arguments import make_run_id, pipeline_arguments
from pipelines.local import local_compat
from pipelines.local.runners import RUNNERS, make_runner
from pipelines.local.runs import RunFolder
from pipelines.local.warm_python import WarmPython
from pipelines.local.watch import RunFailed, RunInterrupted, watched
from pipelines.placement import Placement
from pipelines.study import build_study

log = logging.getLogger("digitstudy.run_local")


def step_times(console, wall: float) -> pd.DataFrame:
    """Wall time per step (``step_times.csv``), from the console's task timings."""
    rows = [(name, len(v), sum(v), max(v)) for name, v in console.step_seconds.items()]
    rows.append(("(whole DAG)", sum(r[1] for r in rows), wall, wall))
    return pd.DataFrame(rows, columns=["step", "tasks", "total_seconds", "max_seconds"])


def verbose() -> bool:
    """``VERBOSE=1``: kfp.local's full logs on the terminal, as without this filter."""
    return os.environ.get("VERBOSE", "") not in ("", "0")


def keep_report(src: Path, report_root: Path, run_id: str) -> Path:
    """Keep the run under report/runs/<run id>/ and make it the latest report/."""
    run_dir = report_root / "runs" / run_id
    shutil.copytree(src, run_dir, dirs_exist_ok=True)
    for old in report_root.iterdir():
        if old.name != "runs":
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    shutil.copytree(src, report_root, dirs_exist_ok=True)
    return run_dir


def run(profile_name: str, parts: str | None, data_dir: str | None, report_root: Path,
        outputs: Path, runner: str = "subprocess", cold_start: bool = False,
        backend: str | None = None) -> Path:
    profile = load_profile(profile_name)
    if backend:  # --backend / KERAS_BACKEND over the profile's key
        profile = profile.model_copy(update={"backend": backend})
    if profile.backend not in BACKENDS:
        raise UserError(f"backend {profile.backend!r}: choose one of {', '.join(BACKENDS)}")
    if runner == "docker" and profile.backend != "tensorflow":
        raise UserError(f"backend {profile.backend}: the CPU image holds TensorFlow only; "
                        "run it with the subprocess runner")
    os.environ["KERAS_BACKEND"] = profile.backend  # the warm interpreter imports Keras with it
    run_id = make_run_id(profile)
    t_check = time.perf_counter()
    for line in preflight(profile, parts, data_dir):
        print(f"pre-flight: {line}")
    print(f"pre-flight: passed in {time.perf_counter() - t_check:.1f} s")
    # the fork server imports TensorFlow in the background while the DAG is built
    warm = WarmPython() if runner == "subprocess" and not cold_start else None
    arguments = pipeline_arguments(data_dir, run_id)
    pipeline = build_study(profile, parts, Placement.local())
    print(f"run {run_id}: parts {','.join(parse_parts(parts))}, data "
          f"{arguments['fsdd_source'] or 'canonical downloads'}")
    local_compat.install()
    folder = RunFolder.create(outputs, run_id)
    executor = make_runner(runner, folder.root.resolve(), data_dir)
    description = executor.description + (", forked from a warm interpreter" if warm else "")
    log.info("tasks run by the %s", description)
    local.init(runner=executor.runner, pipeline_root=str(folder.root.resolve()))
    t0 = time.perf_counter()
    with watched(pipeline, folder, verbose=verbose(), warm=warm) as watch:
        result = watch.call(**arguments)
    wall = time.perf_counter() - t0

    artifact_dir = Path(result.output.path)
    times = step_times(watch.console, wall)
    times.to_csv(artifact_dir / "step_times.csv", index=False)
    (artifact_dir / "runner.txt").write_text(f"tasks ran in the {description}\n")
    run_dir = keep_report(artifact_dir, report_root, run_id)
    folder.mark("complete")
    print(times.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"\ntasks ran in the {description}")
    print(f"report: {report_root / 'index.html'} (this run also in {run_dir}; "
          f"logs in {folder.logs})")
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
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND") or None,
                        help=f"Keras backend of the training steps ({', '.join(BACKENDS)}); "
                             "default: KERAS_BACKEND, else the profile's `backend`")
    parser.add_argument("--cold-start", action="store_true",
                        help="a fresh interpreter per task instead of forks of a warm one")
    args = parser.parse_args(argv)
    # the parent's own INFO records (dataset indexes) are in the logs; VERBOSE=1 shows them
    setup_logging(logging.INFO if verbose() else logging.WARNING)
    try:
        run(args.profile, args.parts, args.data_dir, args.report_dir, args.outputs, args.runner,
            args.cold_start, args.backend)
    except UserError as err:  # the user's to fix: one paragraph, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunFailed as err:
        print(err, file=sys.stderr)
        return 1
    except RunInterrupted as err:
        print(err, file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before the DAG started (pre-flight): nothing to end
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
