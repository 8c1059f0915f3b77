"""What ``make run`` prints: one line per task start/finish with a ``[k/N]`` counter, the
per-epoch lines, each warning once; everything else goes to the run folder's logs.

kfp.local writes everything to ``sys.stdout``: its own records through a
``StreamHandler(sys.stdout)`` made afresh around every task
(kfp/local/logging_utils.py:52-80, ``local_logger_context``) and each step's output
through ``print`` (kfp/local/subprocess_task_handler.py:129-131). :class:`TaskConsole`
stands in for ``sys.stdout`` while the DAG runs and sends every line to the log of the
task whose thread wrote it (``logs/<task>.log``; lines outside any task to
``logs/run.log``). ``verbose=True`` (``VERBOSE=1``) also passes every line through.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# kfp/dsl/executor_main.py:25-28 formats the step's log records like this
KFP_PREFIX = re.compile(r"^\s*\[KFP Executor [\d\- :,]+ (?P<level>[A-Z]+)\]: ")
EPOCH = re.compile(r"\bepoch \d+/\d+\b")
WARNING = re.compile(r"\b(WARNING|\w+Warning)\b")
EXCEPTION = re.compile(r"^(?:[\w.]+\.)?(?P<kind>[A-Z]\w*(?:Error|Exception|Exit)): (?P<msg>.+)$")


def _slug(label: str) -> str:
    """``p1-autoencoder[300,42]`` -> ``p1-autoencoder-300-42`` (a shell-friendly file name)."""
    name = label.replace("[", "-").replace(",", "-").replace("]", "")
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "task"


@dataclass
class TaskState:
    label: str
    log: Path
    started: float
    step: str = ""  # the DAG task's name (``p3-synthesize-2``): step_times.csv groups by it


class TaskConsole:
    """A ``sys.stdout`` replacement routing lines per thread; see the module docstring."""

    def __init__(self, terminal: TextIO, logs: Path, total: int | None, verbose: bool = False):
        self.terminal = terminal
        self.logs = logs
        self.total = total
        self.verbose = verbose
        self.done = 0
        self.failed: list[TaskState] = []
        self.step_seconds: dict[str, list[float]] = {}  # wall time of each task, by step
        self._seen_warnings: set[str] = set()
        self._lock = threading.RLock()
        self._local = threading.local()
        self._files: dict[Path, TextIO] = {}
        self._labels: dict[str, int] = {}
        self.lines_shown = 0

    # --- the file protocol kfp.local and print() use -------------------------------
    def write(self, text: str) -> int:
        buf = getattr(self._local, "buf", "") + text
        *lines, self._local.buf = buf.split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            self.terminal.flush()
            for f in self._files.values():
                f.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return getattr(self.terminal, "encoding", "utf-8")

    # --- tasks ------------------------------------------------------------------------
    @property
    def current(self) -> TaskState | None:
        return getattr(self._local, "task", None)

    def _counter(self) -> str:
        width = len(str(self.total)) if self.total else 1
        return f"[{self.done:>{width}}/{self.total if self.total else '?'}]"

    def task_started(self, label: str, step: str = "") -> TaskState:
        with self._lock:
            n = self._labels[label] = self._labels.get(label, 0) + 1
            name = _slug(label) + (f".{n}" if n > 1 else "")
            state = TaskState(label, self.logs / f"{name}.log", time.perf_counter(), step)
            self._local.task = state
            self._say(f"{self._counter()} {label} started")
        return state

    def task_finished(self, state: TaskState, ok: bool, detail: str = "") -> None:
        seconds = time.perf_counter() - state.started
        with self._lock:
            self.done += 1
            self.step_seconds.setdefault(state.step or state.label, []).append(seconds)
            if ok:
                self._say(f"{self._counter()} {state.label} done in {seconds:.0f} s"
                          + (f", {detail}" if detail else ""))
            else:
                self.failed.append(state)
                self._say(f"{self._counter()} {state.label} FAILED after {seconds:.0f} s")
        self._local.task = None

    # --- lines --------------------------------------------------------------------------
    def _file(self, path: Path) -> TextIO:
        if path not in self._files:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._files[path] = path.open("a", encoding="utf-8")
        return self._files[path]

    def _say(self, text: str) -> None:
        """A line of our own: terminal and run.log (caller holds the lock)."""
        self.terminal.write(text + "\n")
        self.terminal.flush()
        self.lines_shown += 1
        self._file(self.logs / "run.log").write(text + "\n")

    def say(self, text: str) -> None:
        with self._lock:
            for line in text.split("\n"):
                self._say(line)

    def _line(self, raw: str) -> None:
        task = self.current
        plain = ANSI.sub("", raw)
        with self._lock:
            self._file(task.log if task else self.logs / "run.log").write(plain + "\n")
            if self.verbose:
                self.terminal.write(raw + "\n")
                self.lines_shown += 1
                return
            shown = self.shown(plain)
            if shown is not None:
                self.terminal.write(shown + "\n")
                self.lines_shown += 1

    def shown(self, line: str) -> str | None:
        """The terminal form of a step's log line, or None for the log file only."""
        prefix = KFP_PREFIX.match(line)
        text = line[prefix.end():].strip() if prefix else line.strip()
        if not text:
            return None
        if EPOCH.search(text):
            return f"    {text}"
        warned = (prefix is not None and prefix["level"] == "WARNING") or WARNING.search(text)
        if warned and not text.startswith(("warnings.warn", "File ")):
            key = re.sub(r"\d+", "#", text)
            if key not in self._seen_warnings:
                self._seen_warnings.add(key)
                return f"    warning: {text}"
        return None

    def warn_once(self, text: str) -> None:
        """A warning raised in this process (``warnings.showwarning``), shown once."""
        key = re.sub(r"\d+", "#", text)
        with self._lock:
            self._file(self.logs / "run.log").write(f"warning: {text}\n")
            if key not in self._seen_warnings:
                self._seen_warnings.add(key)
                self._say(f"warning: {text}")

    def close(self) -> None:
        with self._lock:
            for f in self._files.values():
                f.close()
            self._files.clear()


def failure_cause(log: Path) -> str:
    """One line: the last exception the step's log reports, else its last line."""
    if not log.is_file():
        return "(no log)"
    lines = [KFP_PREFIX.sub("", ANSI.sub("", ln)).strip() for ln in log.read_text().splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("-----")]
    for line in reversed(lines):
        if m := EXCEPTION.match(line):
            return f"{m['kind']}: {m['msg']}"
    for line in reversed(lines):
        if "finished with status" not in line:
            return line
    return "(empty log)"
