"""Read the Argo Workflow that KFP 2.17's API server makes of a pipeline (``make backend-check``).

KFP v2 compiles every container task into a driver and an executor
(backend/src/v2/compiler/argocompiler/container.go ~306-357): the Workflow fixes the
executor's retry strategy and the driver's inputs (the task, its component, its container
spec and its Kubernetes config, as JSON); the driver decides the pod at run time
(backend/src/v2/driver/driver.go ~246-470: image, command, resources, GPU limits). A
``ParallelFor`` becomes an iterator DAG whose ``withSequence`` count the loop's driver
computes from the items the Workflow hands it (dag.go ~242, ~484).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

EXECUTOR = re.compile(r"system-container-executor$")
PARAM = re.compile(r"\{\{workflow\.parameters\.([^}]+)\}\}")


@dataclass(frozen=True)
class ExecutorTask:
    """One container task of the pipeline as the Workflow runs it."""

    name: str  # the KFP task name (our step's name, numbered by KFP when used twice)
    pods: int  # executor pods it fans out to: the product of its enclosing loops' items
    loops: tuple[str, ...]  # the enclosing loops, outermost first
    task: dict  # the PipelineTaskSpec handed to its driver
    container: dict  # the container spec handed to its driver (image, resources, env)
    kubernetes: dict  # its KubernetesExecutorConfig (secrets, field paths, selectors)
    executor_template: str  # the Workflow template its pod runs
    arguments: dict  # the executor's DAG-task arguments (retry values, pod-spec-patch)

    @property
    def gpus(self) -> tuple[str, str] | None:
        accel = self.container.get("resources", {}).get("accelerator")
        return (accel.get("resourceType"), accel.get("resourceCount")) if accel else None


class Workflow:
    def __init__(self, data: dict):
        self.data = data
        self.templates = {t["name"]: t for t in data["spec"]["templates"]}
        self.parameters = {p["name"]: p.get("value", "")
                           for p in data["spec"].get("arguments", {}).get("parameters", [])}

    @classmethod
    def load(cls, path: Path) -> Workflow:
        return cls(yaml.safe_load(Path(path).read_text()))

    def resolve(self, value: str) -> str:
        """``{{workflow.parameters.X}}`` -> the value the Workflow's arguments give X."""
        match = PARAM.fullmatch(value or "")
        return self.parameters[match.group(1)] if match else value

    def _json(self, value: str) -> dict:
        text = self.resolve(value)
        return json.loads(text) if text else {}

    def executor_tasks(self) -> list[ExecutorTask]:
        found: list[ExecutorTask] = []
        self._visit(self.data["spec"]["entrypoint"], 1, (), found)
        return found

    def _visit(self, template: str, pods: int, loops: tuple[str, ...], found: list) -> None:
        dag = self.templates[template].get("dag")
        if dag is None:
            return
        tasks = {t["name"]: t for t in dag["tasks"]}
        for task in dag["tasks"]:
            args = {p["name"]: p.get("value", "") for p in task.get("arguments", {})
                    .get("parameters", [])}
            if EXECUTOR.search(task["template"]):
                driver = {p["name"]: p.get("value", "") for p in
                          tasks[f"{task['name']}-driver"]["arguments"]["parameters"]}
                found.append(ExecutorTask(
                    task["name"], pods, loops, self._json(driver["task"]),
                    self._json(driver.get("container", "")),
                    self._json(driver.get("kubernetes-config", "")),
                    self.executor_template(task["template"]), args))
            elif "withSequence" in task:
                loop = self._json({p["name"]: p.get("value", "") for p in tasks[
                    "iteration-driver"]["arguments"]["parameters"]}["task"])
                items = json.loads(loop["parameterIterator"]["items"]["raw"])
                self._visit(task["template"], pods * len(items),
                            loops + (loop["taskInfo"]["name"],), found)
            else:
                self._visit(task["template"], pods, loops, found)

    def executor_template(self, name: str) -> str:
        """The container template an executor DAG template runs (its single task's)."""
        (task,) = self.templates[name]["dag"]["tasks"]
        return task["template"]

    def loop_parallelism(self) -> dict[str, int | None]:
        """Loop (iterator template) -> Argo ``parallelism`` (None: unlimited)."""
        return {name: t.get("parallelism") for name, t in self.templates.items()
                if name.endswith("-iterator")}


def summary(path: Path) -> str:
    """One line: executor tasks, pods per step, GPU pods."""
    wf = Workflow.load(path)
    tasks = wf.executor_tasks()
    pods = Counter()
    for task in tasks:
        pods[re.sub(r"-\d+$", "", task.name)] += task.pods
    gpu = sum(t.pods for t in tasks if t.gpus)
    per_step = ", ".join(f"{name} {n}" for name, n in pods.items())
    return (f"{len(wf.templates)} templates, {len(tasks)} tasks, {sum(pods.values())} executor "
            f"pods ({per_step}), {gpu} GPU pods")
