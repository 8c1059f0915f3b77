"""aggregate-results: every record into the report, beside the study's published values.

Every result input is optional: the DAG wires only the parts it was built with."""


from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Markdown, Metrics, Output

from components import component
from digitstudy import steps


@component(steps.AGGREGATE_RESULTS)
def aggregate_results(settings: dict, run_id: str, parts: str, fsdd_source: str,
                      mnist_source: str, report: Output[Artifact],
                      summary: Output[Metrics], report_md: Output[Markdown],
                      report_html: Output[dsl.HTML],
                      p1_baseline: Input[list[Artifact]] = None,
                      p1_autoencoder: Input[list[Artifact]] = None,
                      p1_utterance: Input[list[Artifact]] = None,
                      p2_cells: Input[list[Artifact]] = None,
                      p2_figures: Input[list[Dataset]] = None,
                      p3_quality: Input[list[Artifact]] = None,
                      p3_cells: Input[list[Artifact]] = None,
                      p3_full_quality: Input[Artifact] = None,
                      p3_full_cells: Input[list[Artifact]] = None,
                      p3_proposed_quality: Input[Artifact] = None,
                      p3_proposed_cells: Input[list[Artifact]] = None,
                      p3_pooled_row_quality: Input[list[Artifact]] = None,
                      p3_pooled_row_cells: Input[list[Artifact]] = None,
                      p3_pool_variant_quality: Input[list[Artifact]] = None,
                      p3_pool_variant_cells: Input[list[Artifact]] = None,
                      p3_gan_variant_quality: Input[list[Artifact]] = None,
                      p3_gan_variant_cells: Input[list[Artifact]] = None,
                      p4a_models: Input[list[Artifact]] = None,
                      p4b_models: Input[list[Artifact]] = None):
    """Tables (MD/HTML/CSV), figures, headline Metrics for Compare runs. The record inputs
    are the parameters named for a part (``p1_...`` to ``p4b_...``; ``*_figures`` carry
    figures), one per fan-in of the DAG (tests/pipeline/test_registry.py checks the wiring)."""
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
