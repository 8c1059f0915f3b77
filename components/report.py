"""aggregate-results: every record into the report, beside the study's published values.

Its record inputs are not typed here: they are the DAG's. ``pipelines/study.py`` hands the
aggregator every task output the report reads (a :class:`FanIn`: the ``result`` of each task
whose step writes records, and the figures a part shows), and :func:`aggregator` builds the
component with one input per fan-in, named for its task and output: ``p3_gan_quality_2_result``
collects the records of task ``p3-gan-quality-2`` (of every loop iteration, where it sits in a
``dsl.ParallelFor``). So a new step's task reaches the report with no edit here.

Why the inputs are written into the function's source, not patched onto its signature: KFP
reads a component's inputs from ``inspect.signature(func)`` (kfp 2.17.3
``dsl/component_factory.py:473``), but a lightweight component, as every component of this
project is, runs the function's *source* (``inspect.getsource``, component_factory.py:220-239,
embedded in the task's command at 579-592), and its executor passes exactly the parameters that
source declares (``dsl/executor.py:64`` looks each input artifact up in its ``__annotations__``,
359-453 builds the call from ``getfullargspec``). A ``__signature__`` would give KFP the inputs
but not the code that runs in the container."""

import hashlib
import inspect
import linecache
import typing
from dataclasses import dataclass

from kfp import dsl
from kfp.dsl import Artifact, Markdown, Metrics, Output
from kfp.dsl.python_component import PythonComponent

from components import component
from digitstudy import steps


def aggregate_results(settings: dict, run_id: str, parts: str, fsdd_source: str,
                      mnist_source: str, report: Output[Artifact],
                      summary: Output[Metrics], report_md: Output[Markdown],
                      report_html: Output[dsl.HTML],
                      **fan_ins):
    """Tables (MD/HTML/CSV), figures, headline Metrics for Compare runs. The record and
    figure inputs are the DAG's fan-ins (``<task>_result``, ``<task>_figure``), written out
    in place of ``fan_ins`` by components/report.py's ``aggregator``."""
    import json
    import shutil
    from pathlib import Path

    from digitstudy import steps
    from digitstudy.reporting.report import fan_in_paths
    from digitstudy.reporting.upload import upload_report_if_configured
    from digitstudy.runner import run_step

    paths = fan_in_paths(locals())
    run_step(steps.AGGREGATE_RESULTS, settings, results=paths["results"], figures=paths["figures"],
             report=report.path, run_id=run_id, parts=parts, fsdd_source=fsdd_source,
             mnist_source=mnist_source)
    out = Path(report.path)
    upload_report_if_configured(out, run_id)  # results/<run id>/ in MinIO; a no-op locally
    for name, value in json.loads((out / "headline.json").read_text()).items():
        summary.log_metric(name, value)
    shutil.copy(out / "report.md", report_md.path)
    shutil.copy(out / "index.html", report_html.path)


@dataclass(frozen=True, eq=False)
class FanIn:
    """One input of the aggregator: ``output`` of ``task`` (a task of ``component``), collected
    over its loops when the task sits inside a ``dsl.ParallelFor``."""

    component: PythonComponent  # the task's
    task: dsl.PipelineTask
    output: str  # one the report reads: "result" (records) or "figure" (steps.FAN_INS)

    def __post_init__(self):
        if self.output not in steps.FAN_INS:
            raise ValueError(f"task {self.task.name}: the report reads no {self.output!r} "
                             f"output (it reads {', '.join(steps.FAN_INS)}: steps.FAN_INS)")

    @property
    def name(self) -> str:
        return f"{self.task.name}_{self.output}".replace("-", "_")

    @property
    def looped(self) -> bool:
        """Inside a ``dsl.ParallelFor`` (kfp/dsl/pipeline_context.py:193 and 205 record each
        task's and group's parent group)."""
        group = self.task.parent_task_group
        while group is not None and not isinstance(group, dsl.ParallelFor):
            group = group.parent_task_group
        return group is not None

    @property
    def argument(self):
        channel = self.task.outputs[self.output]
        return dsl.Collected(channel) if self.looped else channel

    @property
    def parameter(self) -> str:
        """Its parameter in the aggregator's source: ``<name>: Input[list[Dataset]] = None``,
        of the artifact class ``component`` declares for the output (``Output[Dataset]``)."""
        declared = inspect.signature(self.component.python_func).parameters[self.output]
        kind = typing.get_args(declared.annotation)[0].__name__
        assert getattr(dsl, kind, None) is not None, kind  # the embedded source imports kfp.dsl.*
        return f"{self.name}: Input[{f'list[{kind}]' if self.looped else kind}] = None"


_INDENT = ",\n" + " " * len("def aggregate_results(")


def aggregator(parameters: tuple[str, ...]):
    """The aggregate-results component whose record and figure inputs are ``parameters``
    (:attr:`FanIn.parameter` of each of the DAG's fan-ins): :func:`aggregate_results` with its
    ``**fan_ins`` written out as those parameters. The source is compiled under a name of its
    own and put in ``linecache``, where ``inspect.getsource`` finds it (inspect.py
    ``getsourcefile``/``findsource``; an entry with no mtime stays, ``linecache.checkcache``),
    anew on every call: the placement builds its component right after (``_in_image``)."""
    source = inspect.getsource(aggregate_results)
    assert source.count("**fan_ins") == 1
    source = source.replace("**fan_ins", _INDENT.join(parameters))
    filename = f"<aggregate-results {hashlib.sha256(source.encode()).hexdigest()[:12]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {**vars(dsl), **globals()}  # the embedded source has kfp.dsl's names too
    exec(compile(source, filename, "exec", dont_inherit=True), namespace)
    return component(steps.AGGREGATE_RESULTS)(namespace["aggregate_results"])
