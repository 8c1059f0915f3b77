"""One local run of a pipeline, watched: progress, stop on Ctrl-C or failure, run state.

``with watched(pipeline, folder, verbose) as w: result = w.call(**arguments)`` runs the
pipeline through kfp.local under :func:`pipelines.local.supervisor.supervised`, then marks the
run folder. A failed step raises :class:`RunFailed` whose message is the last lines the
user sees (which step, the cause in one line, where the full log is); Ctrl-C raises
:class:`RunInterrupted`. Either way the run folder is marked and its temp folder removed.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.local.console import TaskConsole, failure_cause
from pipelines.local.runs import RunFolder
from pipelines.local.supervisor import RunStopped, supervised
from pipelines.local.task_count import count_tasks
from pipelines.local.warm_python import WarmPython


class RunFailed(RuntimeError):
    """A step failed; the message says which, why, and where its log is."""


class RunInterrupted(RuntimeError):
    """The user stopped the run (Ctrl-C)."""


def _rel(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd()))
    return str(path)


@dataclass
class Watch:
    pipeline: object
    folder: RunFolder
    verbose: bool
    warm: WarmPython | None = (
        None  # lightweight steps forked from it (pipelines/local/warm_python.py)
    )
    console: TaskConsole | None = field(default=None, init=False)  # the last call's

    def call(self, **arguments):
        total = count_tasks(self.pipeline.pipeline_spec)
        console = self.console = TaskConsole(sys.stdout, self.folder.logs, total, self.verbose)
        console.say(f"running {total if total else 'an unknown number of'} tasks; "
                    f"logs in {_rel(self.folder.logs)}/ (VERBOSE=1 shows them all)")
        error: BaseException | None = None
        try:
            with supervised(console, self.folder.tmp, self.warm) as sup:
                try:
                    return self.pipeline(**arguments)
                except (RunStopped, RuntimeError) as err:  # kfp.local raises RuntimeError
                    error = err  # on a failed DAG (pipeline_orchestrator.py:184)
        except BaseException:
            self.folder.mark("failed", "crashed: see the traceback")  # a bug, not a step
            raise
        finally:
            console.close()
            self.folder.drop_tmp()
        self._fail(console, sup.reason, error)

    def _fail(self, console: TaskConsole, reason: str | None, error: BaseException | None):
        where = _rel(self.folder.root)
        if reason == "interrupted":
            self.folder.mark("interrupted")
            raise RunInterrupted(f"interrupted: run stopped, its steps ended; {where} is marked "
                                 "interrupted and report/ is unchanged") from None
        failed = console.failed[0] if console.failed else None
        if failed is None:
            self.folder.mark("failed", str(error))
            raise RunFailed(f"run failed: {error}\n  run folder: {where} (marked failed; "
                            "report/ unchanged)") from None
        cause = failure_cause(failed.log)
        self.folder.mark("failed", f"{failed.label}: {cause}")
        raise RunFailed("\n".join([
            f"FAILED: step {failed.label}",
            f"  cause: {cause}",
            f"  full log: {_rel(failed.log)}",
            f"  run folder: {where} (marked failed; report/ unchanged)",
        ])) from None


@contextlib.contextmanager
def watched(pipeline, folder: RunFolder, verbose: bool = False,
            warm: WarmPython | None = None) -> Iterator[Watch]:
    yield Watch(pipeline, folder, verbose, warm)
