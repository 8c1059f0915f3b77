"""The kfp.local internals this project replaces, in one table (:data:`REPLACED`), each with
the kfp source lines it stands in for, and the check that the installed kfp is one they
were read from (:data:`SUPPORTED`, lines from kfp 2.17.3).

Every replacement goes through :func:`replaced` (for one run, put back after) or
:func:`install` (for the process): both refuse an unsupported kfp with an error naming the
range, and refuse to swap a function the table does not list.

One of them is where kfp.local differs from the KFP backend. Nested fan-in: a task inside two
``dsl.ParallelFor`` levels, collected with ``dsl.Collected`` outside both, reaches the consumer
as ONE flat list of artifacts on the backend: the driver walks every nested iteration DAG
breadth-first and appends each artifact (backend/src/v2/driver/resolve.go ``CollectInputs``,
release 2.17.0, lines 866-1000). kfp.local instead hands over a list of per-iteration lists,
which its executor-input builder cannot serialise (``'list' object has no attribute 'name'``).
:func:`install` flattens the list there, as the backend does; only local runs call it.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import kfp

# The kfp releases whose source the lines below were read from (pyproject.toml pins the same).
SUPPORTED = ((2, 17), (2, 18))  # >= 2.17, < 2.18
SUPPORTED_TEXT = ">=2.17,<2.18"


@dataclass(frozen=True)
class Internal:
    """A kfp function the local runner replaces: ``module.name``, defined at ``file:lines``
    (relative to the kfp package), called from ``callers`` (``file:line``), by ``by``."""

    module: str
    name: str
    lines: str
    callers: tuple[str, ...]
    by: str
    why: str
    needs: str | None = None  # an optional package the module imports (skip it when absent)

    @property
    def file(self) -> str:
        return self.lines.split(":")[0]

    @property
    def def_line(self) -> int:
        return int(self.lines.split(":")[1].split("-")[0])


REPLACED: dict[str, Internal] = {i.name: i for i in (
    Internal("kfp.local.orchestrator.task_executor", "execute_single_task",
             "local/orchestrator/task_executor.py:71-177",
             ("local/orchestrator/enhanced_dag_orchestrator.py:755",
              "local/orchestrator/dag_orchestrator.py:99"),
             "supervisor.Supervisor.execute_single_task (wraps it)",
             "no task starts once the run is stopping (the orchestrator's shutdown(wait=True), "
             "enhanced_dag_orchestrator.py:312, would run every queued loop iteration); "
             "the console hears each task start and end"),
    Internal("kfp.local.subprocess_task_handler", "run_local_subprocess",
             "local/subprocess_task_handler.py:108-136",
             ("local/subprocess_task_handler.py:73",),
             "supervisor.Supervisor.run_local_subprocess",
             "each step leads its own process group (a stop kills it whole), TMPDIR in the "
             "run folder (dsl/component_factory.py:583 mktemp -d), warm forks"),
    Internal("kfp.local.docker_task_handler", "run_docker_container",
             "local/docker_task_handler.py:123-160",
             ("local/docker_task_handler.py:99", "local/docker_task_handler.py:106"),
             "supervisor.Supervisor.run_docker_container",
             "each container registered so a stop kills it; never pulls", needs="docker"),
    Internal("kfp.local.logging_utils", "indented_print",
             "local/logging_utils.py:83-100",
             ("local/task_dispatcher.py:211",),
             "supervisor.supervised (a no-op)",
             "it patches builtins.print per task; concurrent tasks nest the patches"),
    Internal("kfp.local.executor_input_utils", "dsl_artifact_to_artifact_list",
             "local/executor_input_utils.py:166-183",
             ("local/executor_input_utils.py:68",),
             "local_compat.install (wraps it)",
             "flattens nested dsl.Collected lists, as the backend does (module docstring)"),
)}


def check_kfp_version(version: str | None = None) -> None:
    """Raise unless ``version`` (the installed kfp's) is in :data:`SUPPORTED`."""
    version = kfp.__version__ if version is None else version
    try:
        release = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        release = ()
    low, high = SUPPORTED
    if not low <= release < high:
        raise RuntimeError(
            f"the local runner replaces kfp.local internals read from kfp {SUPPORTED_TEXT}, "
            f"but kfp {version} is installed: install kfp{SUPPORTED_TEXT} (pyproject.toml), "
            "or re-read each line listed in pipelines/local/local_compat.py REPLACED "
            "against the new kfp and widen SUPPORTED")


def _module(internal: Internal):
    try:
        return importlib.import_module(internal.module)
    except ImportError:
        if internal.needs is None:
            raise
        return None  # e.g. no docker SDK: kfp.local's DockerRunner is unavailable anyway


def current(name: str) -> Callable:
    """The function kfp.local now calls for ``name`` (an entry of :data:`REPLACED`)."""
    return getattr(_module(REPLACED[name]), name)


@contextlib.contextmanager
def replaced(replacements: Mapping[str, Callable]) -> Iterator[None]:
    """kfp.local calling ``replacements`` (names from :data:`REPLACED`) inside the block."""
    check_kfp_version()
    unknown = sorted(set(replacements) - set(REPLACED))
    if unknown:
        raise KeyError(f"{unknown} not in pipelines/local/local_compat.py REPLACED: list each "
                       "kfp internal replaced there, with its source lines")
    saved = []
    try:
        for name, function in replacements.items():
            module = _module(REPLACED[name])
            if module is not None:
                saved.append((module, name, getattr(module, name)))
                setattr(module, name, function)
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def _flatten(value):
    if isinstance(value, list):
        return [a for item in value for a in _flatten(item)]
    return [value]


def install() -> None:
    """Make kfp.local flatten nested ``dsl.Collected`` artifact lists (idempotent)."""
    check_kfp_version()
    internal = REPLACED["dsl_artifact_to_artifact_list"]
    module = _module(internal)
    original = getattr(module, internal.name)
    if getattr(original, "_digitstudy_flattens", False):
        return

    def flattened(artifact):
        return original(_flatten(artifact) if isinstance(artifact, list) else artifact)

    flattened._digitstudy_flattens = True
    setattr(module, internal.name, flattened)
