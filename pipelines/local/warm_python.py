"""Local task processes forked from one warm interpreter instead of started cold.

kfp.local starts every lightweight component as ``sh -ec '<write the source to a temp file;
python3 -m kfp.dsl.executor_main ...>' <source> <args>`` (kfp/dsl/component_factory.py:579-591),
so each of a run's ~50 training tasks pays Python's start-up and ``import tensorflow`` again
(4 s idle, 9 s on a loaded 2-core machine), then TensorFlow's interpreter teardown. Here the
standard library's fork server (``multiprocessing`` "forkserver" context) imports the step
modules once, with TensorFlow and librosa, before any TensorFlow op runs, and forks a fresh
child per task. The child does what that shell line does, in process: writes the component
source to a temp folder, sets ``_KFP_RUNTIME`` and runs ``kfp.dsl.executor_main`` as
``__main__`` with the task's arguments. Each task still gets its own process (nothing a task
does is seen by another), its own session (so a stop kills its whole group), the task's
environment, and its output on a pipe that the supervisor streams to the console.

Only the local subprocess runner uses this; a command of any other shape (a component with
``packages_to_install``, a container component) starts cold as before. Containers and
cluster pods always start cold: one image, one process per step.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import runpy
import sys
import tempfile
import threading
from dataclasses import dataclass

from kfp.dsl.component_factory import EXECUTOR_MODULE

# what every component source is written to, and how it is run (component_factory.py:583-590)
SCRIPT_MARKS = ('printf "%s" "$0" > "$program_path/ephemeral_component.py"',
                f"-m {EXECUTOR_MODULE}", '"$program_path/ephemeral_component.py"')


def preload_modules() -> list[str]:
    """The step runner and every step's module (TensorFlow, Keras and librosa with them:
    ``step_targets`` loads each registry step's target)."""
    return ["kfp.dsl.executor_main", "digitstudy.runner", "pipelines.local.step_targets"]


def lightweight_parts(full_command: list[str]) -> tuple[str, list[str]] | None:
    """(component source, executor arguments) of a plain lightweight component command,
    None for any other command (which then starts as a cold subprocess)."""
    if len(full_command) < 4 or full_command[:2] != ["sh", "-ec"]:
        return None
    script = full_command[2]
    if "pip install" in script or not all(mark in script for mark in SCRIPT_MARKS):
        return None
    return full_command[3], list(full_command[4:])


def _run_component(source: str, args: list[str], env: dict[str, str], out) -> None:
    """In the forked child: the component command's shell line, without the shell."""
    os.setsid()  # its own process group, as start_new_session gives a cold step
    for fd in (1, 2):
        os.dup2(out.fileno(), fd)
    out.close()
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)
    os.environ.clear()
    os.environ.update(env, _KFP_RUNTIME="true")
    program = tempfile.mkdtemp()  # under the task's TMPDIR, as mktemp -d in the script
    path = os.path.join(program, "ephemeral_component.py")
    with open(path, "w") as f:
        f.write(source)
    sys.argv = [EXECUTOR_MODULE, "--component_module_path", path, *args]
    # executor_main raises on a failing component: multiprocessing prints the traceback to
    # the task's stderr and exits 1 (multiprocessing/process.py _bootstrap)
    runpy.run_module(EXECUTOR_MODULE, run_name="__main__", alter_sys=True)


@dataclass(eq=False)
class WarmTask:
    """A forked task: ``pid`` (its process group), its output lines, its exit code."""

    process: multiprocessing.process.BaseProcess
    output: object  # the read end of the task's stdout+stderr pipe
    lock: threading.Lock  # the server's: one reader of any task's exit code at a time

    @property
    def pid(self) -> int:
        return self.process.pid

    def lines(self):
        with open(self.output.fileno(), closefd=False, encoding="utf-8", errors="replace") as f:
            yield from f

    def wait(self) -> int:
        # Reading a fork-server child's exit code consumes it from a pipe (popen_forkserver.py
        # poll: a second reader gets EOF and reports 255), and every start() polls all running
        # children (process.py _cleanup), so the code is read only under the lock start() holds.
        multiprocessing.connection.wait([self.process.sentinel])
        with self.lock:
            self.process.join()
        self.output.close()
        code = self.process.exitcode
        return 128 - code if code < 0 else code  # killed by a signal: as a shell reports it


class WarmPython:
    """The run's fork server: started once (in the background), then one fork per task."""

    def __init__(self, preload: list[str] | None = None):
        self._ctx = multiprocessing.get_context("forkserver")
        # one server per process (multiprocessing/forkserver.py): its preloads are set once,
        # by the first WarmPython, before the server starts
        self._ctx.set_forkserver_preload(preload_modules() if preload is None else preload)
        self._lock = threading.Lock()
        self._ready = threading.Thread(target=self._start_server, daemon=True)
        self._ready.start()

    def _start_server(self) -> None:
        # the first start() launches the server and waits for its preloads
        p = self._ctx.Process(target=int, daemon=True)  # never waited for at exit
        p.start()
        p.join()

    def wait_ready(self) -> None:
        """Until the server has its preloads (the first task waits; later ones never do)."""
        self._ready.join()

    def start(self, source: str, args: list[str], env: dict[str, str]) -> WarmTask:
        self.wait_ready()
        read, write = self._ctx.Pipe(duplex=False)  # used as a plain pipe: no messages
        process = self._ctx.Process(target=_run_component, args=(source, args, env, write),
                                    name="digitstudy-task", daemon=False)
        with self._lock:  # see WarmTask.wait
            process.start()
        write.close()
        return WarmTask(process, read, self._lock)
