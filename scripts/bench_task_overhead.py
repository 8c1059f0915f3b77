"""Per-task overhead of a local run: a no-op component and a component that imports the
library's step registry (what every step pays before its own work), each run N times in one
ParallelFor through kfp.local's SubprocessRunner, as `make run` runs them.

    python scripts/bench_task_overhead.py [--tasks 8]
"""


import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kfp import dsl, local  # noqa: E402

from components.settings import component  # noqa: E402


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


def timed(comp, tasks: int) -> float:
    @dsl.pipeline(name=f"overhead-{comp.name}")
    def pipe():
        with dsl.ParallelFor(list(range(tasks)), parallelism=1) as i:
            comp(i=i).set_caching_options(False)

    t0 = time.perf_counter()
    pipe()
    return (time.perf_counter() - t0) / tasks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root)
        for comp in (noop, registry, tensorflow_import):
            print(f"{comp.name:>18}: {timed(comp, args.tasks):.2f} s per task "
                  f"({args.tasks} tasks, one at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
