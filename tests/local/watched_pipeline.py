"""Small pipelines run through pipelines.local.watch as ``make run`` runs the study (for tests).

``python watched_pipeline.py MODE OUT [warm]``: MODE ``fail`` (the second of four loop items
raises an error naming a file), ``sleep`` (a step that writes its pid to OUT/pid and
sleeps), ``ok`` (four quick steps), ``many`` (24 quick steps, 4 at a time, while
another thread polls every child process). ``warm``: the steps are forked from a warm interpreter
that preloaded :data:`PRELOADED` (as make run forks them), otherwise started cold.
Exit 0, 1 (failed) or 130 (interrupted) as run_local.
"""

import multiprocessing
import sys
import threading
import time
from pathlib import Path

from kfp import dsl, local

from pipelines.local.runs import RunFolder
from pipelines.local.warm_python import WarmPython
from pipelines.local.watch import RunFailed, RunInterrupted, watched

PRELOADED = "xml.dom.minidom"  # a module nothing here imports: seen only in a forked step


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def step(x: int, fail_on: int) -> float:
    import logging
    import os
    import sys

    logging.basicConfig(level=logging.INFO)
    logging.info("step[%d] preloaded=%s own-group=%s tmp=%s", x, "xml.dom.minidom" in sys.modules,
                 os.getpgid(0) == os.getsid(0), os.environ.get("TMPDIR", ""))
    for epoch in range(1, 3):
        logging.info("step[%d] epoch %d/2 loss=0.5", x, epoch)
    logging.warning("the same warning from every step")
    if x == fail_on:
        raise ValueError(f"/data/user/{x}_bad.wav: not a readable audio file")
    return x / 10


@dsl.component(base_image="python:3.11", install_kfp_package=False)
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
def many():
    with dsl.ParallelFor(list(range(24)), parallelism=4) as x:
        step(x=x, fail_on=-1).set_caching_options(False)


@dsl.pipeline
def sleepy(pid_file: str):
    slow = sleeper(pid_file=pid_file).set_caching_options(False)
    step(x=0, fail_on=-1).set_caching_options(False).after(slow)  # never starts: interrupted


def poll_children(warm: WarmPython) -> None:
    """What every WarmPython.start() does (multiprocessing/process.py _cleanup), under the
    lock start() holds, often enough to meet each finishing step."""
    while True:
        with warm._lock:
            multiprocessing.active_children()
        time.sleep(0.0005)


def main(mode: str, out: Path, warm: bool = False) -> int:
    folder = RunFolder.create(out, "run")
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(folder.root))
    pipeline, args = {"sleep": (sleepy, {"pid_file": str(out / "pid")}), "many": (many, {}),
                      "fail": (loop, {"fail_on": 2}), "ok": (loop, {"fail_on": -1})}[mode]
    warm = WarmPython([PRELOADED]) if warm else None
    if mode == "many" and warm:  # another thread polling every child, as each start() does
        threading.Thread(target=poll_children, args=(warm,), daemon=True).start()
    try:
        with watched(pipeline, folder, warm=warm) as w:
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
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:] == ["warm"]))
