"""Per-task overhead of a local run: a no-op component, a component that imports the
library's step registry (what every step pays before its own work) and one that imports
TensorFlow (what a training step adds), each run N times in one ParallelFor through kfp.local's
SubprocessRunner under the run supervisor, as `make run` runs them: started cold (a fresh
interpreter per task, `--cold-start`) and forked from the warm interpreter (the default,
pipelines/local/warm_python.py), whose one-off preload is timed on its own.

    python scripts/bench_task_overhead.py [--tasks 8]
"""


import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kfp import dsl, local  # noqa: E402

from components import image_component as component  # noqa: E402
from pipelines.local.runs import RunFolder  # noqa: E402
from pipelines.local.warm_python import WarmPython  # noqa: E402
from pipelines.local.watch import watched  # noqa: E402


@component
def noop(i: int) -> int:
    return i


@component
def registry(i: int) -> int:
    import digitstudy.steps  # noqa: F401  (the import every step task makes first)

    return i


@component
def tensorflow_import(i: int) -> int:
    import tensorflow  # noqa: F401  (what a training step adds)

    return i


def timed(comp, tasks: int, root: Path, warm: WarmPython | None) -> float:
    @dsl.pipeline(name=f"overhead-{comp.name}")
    def pipe():
        with dsl.ParallelFor(list(range(tasks)), parallelism=1) as i:
            comp(i=i).set_caching_options(False)

    folder = RunFolder.create(root, f"{comp.name}-{'warm' if warm else 'cold'}")
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        t0 = time.perf_counter()
        with watched(pipe, folder, warm=warm) as w:
            w.call()
    return (time.perf_counter() - t0) / tasks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    args = parser.parse_args()
    print(f"per-task overhead ({args.tasks} tasks one at a time; load {os.getloadavg()[0]:.1f}):")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(root))
        t0 = time.perf_counter()
        warm = WarmPython()
        warm.wait_ready()
        print(f"  warm interpreter preload (once per run): {time.perf_counter() - t0:.2f} s")
        for comp in (noop, registry, tensorflow_import):
            cold_s, warm_s = timed(comp, args.tasks, root, None), timed(comp, args.tasks, root,
                                                                        warm)
            print(f"  {comp.name:>18}: {cold_s:.2f} s cold, {warm_s:.2f} s forked warm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
