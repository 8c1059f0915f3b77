"""Small pipelines run through pipelines.watch as ``make run`` runs the study (for tests).

``python watched_pipeline.py MODE OUT``: MODE ``fail`` (the second of four loop items
raises an error naming a file), ``sleep`` (a step that writes its pid to OUT/pid and
sleeps), ``ok`` (four quick steps). Exit 0, 1 (failed) or 130 (interrupted) as run_local.
"""

import sys
from pathlib import Path

from kfp import dsl, local

from pipelines.runs import RunFolder
from pipelines.watch import RunFailed, RunInterrupted, watched


@dsl.component(base_image="python:3.11")
def step(x: int, fail_on: int) -> float:
    import logging

    logging.basicConfig(level=logging.INFO)
    for epoch in range(1, 3):
        logging.info("step[%d] epoch %d/2 loss=0.5", x, epoch)
    logging.warning("the same warning from every step")
    if x == fail_on:
        raise ValueError(f"/data/user/{x}_bad.wav: not a readable audio file")
    return x / 10


@dsl.component(base_image="python:3.11")
def sleeper(pid_file: str) -> str:
    import os
    import time

    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(300)
    return "woke"


@dsl.pipeline
def loop(fail_on: int = -1):
    with dsl.ParallelFor([1, 2, 3, 4], parallelism=1) as x:
        step(x=x, fail_on=fail_on).set_caching_options(False)


@dsl.pipeline
def sleepy(pid_file: str):
    slow = sleeper(pid_file=pid_file).set_caching_options(False)
    step(x=0, fail_on=-1).set_caching_options(False).after(slow)  # never starts: interrupted


def main(mode: str, out: Path) -> int:
    folder = RunFolder.create(out, "run")
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(folder.root))
    pipeline, args = ((sleepy, {"pid_file": str(out / "pid")}) if mode == "sleep" else
                      (loop, {"fail_on": 2 if mode == "fail" else -1}))
    try:
        with watched(pipeline, folder) as w:
            w.call(**args)
    except RunFailed as err:
        print(err)
        return 1
    except RunInterrupted as err:
        print(err)
        return 130
    folder.mark("complete")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
