"""aggregate-results: every record into the report, beside the study's published values."""


from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Markdown, Metrics, Model, Output

from components.settings import component


@component
def aggregate_results(profile: dict, run_id: str,
                      p1_baseline: Input[list[Model]], p1_autoencoder: Input[list[Model]],
                      p1_utterance: Input[list[Model]], p2_cells: Input[list[Model]],
                      p3_quality: Input[list[Model]], p3_proposed_quality: Input[list[Model]],
                      p3_cells: Input[list[Model]], p3_proposed: Input[list[Model]],
                      p4a_models: Input[list[Model]], p4b_models: Input[list[Model]],
                      figures: Input[Dataset],
                      report: Output[Artifact], summary: Output[Metrics],
                      report_md: Output[Markdown], report_html: Output[dsl.HTML]):
    """Tables (MD/HTML/CSV), figures, headline Metrics for Compare runs."""
    import json
    import shutil
    from pathlib import Path

    from digitstudy.steps import run_step
    from digitstudy.storage import publish_report

    groups = (p1_baseline, p1_autoencoder, p1_utterance, p2_cells, p3_quality, p3_proposed_quality,
              p3_cells, p3_proposed, p4a_models, p4b_models)
    run_step("aggregate-results", profile, results=[a.path for g in groups for a in g],
             extras=[figures.path], report=report.path, run_id=run_id)
    out = Path(report.path)
    publish_report(out, run_id)  # results/<run id>/ in MinIO on a cluster; a no-op locally
    for name, value in json.loads((out / "headline.json").read_text()).items():
        summary.log_metric(name, value)
    shutil.copy(out / "report.md", report_md.path)
    shutil.copy(out / "index.html", report_html.path)
