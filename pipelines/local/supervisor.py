"""kfp.local under control: Ctrl-C stops the run within seconds, a failed step stops new
work, each task reports its start and finish, and no temp folder outlives the run.

kfp.local has no hooks for any of this, so :func:`supervised` replaces four of its module
functions for the length of one run and puts them back (through
:func:`pipelines.local.local_compat.replaced`, whose ``REPLACED`` table gives each one's kfp
source lines and checks the installed kfp version):

- ``task_executor.execute_single_task`` is wrapped: once the run is stopping it raises
  :class:`RunStopped` instead of starting a task (the orchestrator would otherwise run every
  queued loop iteration), and it tells the console when a task starts and ends;
- ``subprocess_task_handler.run_local_subprocess`` is replaced by the same loop with
  ``start_new_session=True``, so each step is the leader of its own process group, which a
  stop kills whole (the ``sh`` wrapper, the Python step and its decoding workers), and with
  ``TMPDIR`` pointing into the run folder, where the component command's ``mktemp -d`` would
  otherwise leave a ``tmp.*/ephemeral_component.py`` folder per task in /tmp. With a
  :class:`pipelines.local.warm_python.WarmPython`, a lightweight component's process is
  forked from that warm interpreter instead (same group, TMPDIR and output stream);
- ``docker_task_handler.run_docker_container`` (the DockerRunner) gets the same loop with
  each container registered, so a stop kills it;
- ``logging_utils.indented_print`` becomes a no-op: it patches ``builtins.print`` per task,
  and concurrent loop iterations nest the patches, which is why indentation grew with every
  task.

It also swaps process state for the run: ``sys.stdout`` (the :class:`TaskConsole`), the root
logger's handlers and level, ``warnings.showwarning`` and, on the main thread, the SIGINT
handler. SIGINT (Ctrl-C, or ``kill -INT``) marks the run interrupted and sends SIGTERM to every
running step's process group (and kills every running container), SIGKILL 5 s later to
what is left; a second Ctrl-C kills at once and exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import threading
import warnings
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from kfp.local import status
from kfp.local.orchestrator import orchestrator_utils

from digitstudy.steps import STEPS
from pipelines.local import local_compat
from pipelines.local.console import TaskConsole
from pipelines.local.warm_python import WarmPython, lightweight_parts

KILL_AFTER_S = 5.0
# kfp.local's own warnings that say nothing about this project's run: every step runs in
# this virtualenv on purpose (subprocess_task_handler.py:81), and display names and
# resource requests are for the cluster UI (task_executor.py:64-67).
KFP_NOISE = (r"You may be attemping to run a task that uses custom or non-Python base image",
             r"Task '.*': settings \[.*\] have no effect in the current local runner")


class RunStopped(RuntimeError):
    """Raised inside kfp.local to unwind a run that is stopping (interrupt or failure)."""


class Supervisor:
    def __init__(self, console: TaskConsole, tmp: Path, warm: WarmPython | None = None):
        self.console = console
        self.tmp = tmp
        self.warm = warm
        self.reason: str | None = None  # "interrupted" or "failed"
        self._procs: set[subprocess.Popen] = set()
        self._containers: set = set()
        self._lock = threading.RLock()
        self._interrupts = 0

    # --- stopping -----------------------------------------------------------------------
    def stop(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
            procs = list(self._procs)
        if reason == "interrupted":
            self._signal(procs, signal.SIGTERM)
            self._kill_containers()
            timer = threading.Timer(KILL_AFTER_S, self._kill_left)
            timer.daemon = True
            timer.start()

    def _kill_left(self) -> None:
        with self._lock:
            procs = list(self._procs)
        self._signal(procs, signal.SIGKILL)
        self._kill_containers()

    def _kill_containers(self) -> None:
        with self._lock:
            containers = list(self._containers)
        for container in containers:
            with contextlib.suppress(Exception):  # already gone (auto_remove) or exited
                container.kill()

    @staticmethod
    def _signal(procs, sig) -> None:
        for proc in procs:
            try:
                os.killpg(proc.pid, sig)  # the step leads its own group (start_new_session)
            except ProcessLookupError:  # a forked step that has not called setsid yet
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(proc.pid, sig)
            except PermissionError:
                pass

    def on_sigint(self, signum, frame) -> None:
        self._interrupts += 1
        if self._interrupts == 1:
            running = len(self._procs)
            self.console.say(f"interrupted: ending {running} running step(s); "
                             "press Ctrl-C again to kill them at once")
            self.stop("interrupted")
        else:
            self._kill_left()
            os._exit(130)

    @contextlib.contextmanager
    def _tracked(self, running: set, start):
        """``start()`` a step's process or container unless the run is stopping, registered
        in ``running`` (so a stop can end it) until it is done; an interrupt while it ran
        ends the task as stopped, whatever its exit code."""
        with self._lock:
            if self.reason:
                raise RunStopped(self.reason)
            handle = start()
            running.add(handle)
        try:
            yield handle
        finally:
            with self._lock:
                running.discard(handle)
        if self.reason == "interrupted":
            raise RunStopped(self.reason)

    # --- the kfp.local stand-ins --------------------------------------------------------
    def run_local_subprocess(self, full_command, env_vars=None) -> int:
        """kfp.local's subprocess loop (subprocess_task_handler.py:108), in its own
        process group, with TMPDIR in the run folder."""
        env = {**os.environ, **(env_vars or {}), "TMPDIR": str(self.tmp)}
        parts = lightweight_parts(full_command) if self.warm else None
        if parts is not None:
            self.warm.wait_ready()  # not under the lock that a Ctrl-C needs
            with self._tracked(self._procs, partial(self.warm.start, *parts, env)) as task:
                for line in task.lines():
                    print(line, end="")
                return exit_status(task.wait())
        start = partial(subprocess.Popen, full_command, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, text=True, bufsize=1, env=env,
                        start_new_session=True)
        with self._tracked(self._procs, start) as proc, proc:
            for line in iter(proc.stdout.readline, ""):
                print(line, end="")
            return exit_status(proc.wait())

    def run_docker_container(self, client, image: str, command, volumes, **run_args) -> int:
        """kfp.local's DockerRunner loop (docker_task_handler.py:123-160), the container
        registered so that a stop kills it; the image must exist (no registry here)."""
        import docker
        from kfp.local.docker_task_handler import add_latest_tag_if_not_present

        start = partial(client.containers.run, image=add_latest_tag_if_not_present(image),
                        command=command, detach=True, stdout=True, stderr=True,
                        volumes=volumes, auto_remove=True, **run_args)
        with self._tracked(self._containers, start) as container:
            with contextlib.suppress(docker.errors.NotFound):
                for line in container.logs(stream=True):
                    print(line.decode(), end="")
            try:
                return container.wait()["StatusCode"]
            except docker.errors.NotFound:  # auto-removed: kfp.local reads this as success
                return 0

    def execute_single_task(self, original):
        def wrapper(**kwargs):
            if self.reason:
                raise RunStopped(self.reason)
            step = step_name(kwargs["task_name"])
            label = task_label(step, kwargs["task_spec"], kwargs["io_store"])
            state = self.console.task_started(label, step)
            try:
                outputs, task_status = original(**kwargs)
            except RunStopped:
                self.console.task_finished(state, ok=False)
                raise
            ok = task_status == status.Status.SUCCESS
            self.console.task_finished(state, ok, summary(outputs) if ok else "")
            if not ok:
                self.stop("failed")
            return outputs, task_status
        return wrapper


def exit_status(code: int) -> int:
    """``code``, said in the task's log when it is not 0 (a step killed by a signal, e.g.
    the kernel's OOM killer, otherwise fails with no line saying why)."""
    if code:
        name = ""
        if code > 128:
            with contextlib.suppress(ValueError):
                name = f" ({signal.Signals(code - 128).name})"
        print(f"the step's process exited with status {code}{name}")
    return code


def step_name(task_name: str) -> str:
    """The step a task runs: KFP names the 2nd, 3rd, ... task of one component in a pipeline
    ``<name>-2``, ``<name>-3`` (kfp 2.17 dsl/pipeline_context.py:185 ``add_task``,
    dsl/utils.py:85 ``make_name_unique_by_adding_index``)."""
    base = re.sub(r"-\d+$", "", task_name)
    return base if base in STEPS else task_name


def task_label(task_name: str, task_spec, io_store) -> str:
    """``p1-autoencoder[300]``: the task and the loop item values it received."""
    items = []
    try:
        args = orchestrator_utils.OrchestratorUtils.make_task_arguments(
            task_inputs_spec=task_spec.inputs, io_store=io_store)
        for name, spec in sorted(task_spec.inputs.parameters.items()):  # a protobuf map: unordered
            source = spec.component_input_parameter or ""
            value = args.get(name)
            if "loop-item" in source and isinstance(value, int | float | str) \
                    and not isinstance(value, bool) and value != "":
                items.append(f"{int(value)}" if isinstance(value, float) and value.is_integer()
                             else str(value))
    except Exception:  # a label is cosmetic: never fail a task over it
        items = []
    return task_name + (f"[{','.join(items)}]" if items else "")


def summary(outputs: dict) -> str:
    """``test acc 0.856`` from a task's metrics output ("" when it has none)."""
    for value in outputs.values():
        metadata = getattr(value, "metadata", None) or {}
        if "test_accuracy" in metadata:
            return f"test acc {float(metadata['test_accuracy']):.3f}"
    return ""


@contextlib.contextmanager
def supervised(console: TaskConsole, tmp: Path,
               warm: WarmPython | None = None) -> Iterator[Supervisor]:
    """kfp.local patched for one run; see the module docstring."""
    import sys

    sup = Supervisor(console, tmp, warm)
    saved = (sys.stdout, warnings.showwarning)
    previous_sigint = signal.getsignal(signal.SIGINT)
    with local_compat.replaced({
            "execute_single_task": sup.execute_single_task(
                local_compat.current("execute_single_task")),
            "run_local_subprocess": sup.run_local_subprocess,
            "run_docker_container": sup.run_docker_container,
            "indented_print": lambda *a, **k: contextlib.nullcontext()}), \
            warnings.catch_warnings():
        sys.stdout = console
        # kfp.local also logs outside its per-task logger context (e.g. orchestrator_utils.py:164
        # "Applying expression selector"): those records go to the console too, not stderr
        # At INFO throughout: local_logger_context saves and restores the root level around
        # every task (logging_utils.py:58-80), so with a higher level one thread's restore
        # drops another's "Task ... finished" record.
        root = logging.getLogger()
        saved_handlers, saved_level = root.handlers[:], root.level
        root.handlers = [logging.StreamHandler(console)]
        root.setLevel(logging.INFO)
        for pattern in KFP_NOISE:
            warnings.filterwarnings("ignore", message=pattern)
        warnings.showwarning = (lambda message, category, *a, **k:
                                console.warn_once(f"{category.__name__}: {message}"))
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, sup.on_sigint)
        try:
            yield sup
        finally:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, previous_sigint)
            sys.stdout, warnings.showwarning = saved
            root.handlers = saved_handlers
            root.setLevel(saved_level)
            console.flush()
