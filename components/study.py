"""The study's KFP components. Each body: read input artifacts, call one library step,
write output artifacts, log Metrics for the Kubeflow UI. No ML logic lives here."""


from kfp import dsl
from kfp.dsl import (
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Markdown,
    Metrics,
    Model,
    Output,
)

from components.settings import BASE_IMAGE

component = dsl.component(base_image=BASE_IMAGE, install_kfp_package=False)


@component
def plan_grid(profile: dict, parts: str, grid: str) -> list:
    """The task list of one fan-out for this run (empty when its part is not selected)."""
    from digitstudy.config import profile_from_dict
    from digitstudy.plan import plan_study

    return plan_study(profile_from_dict(profile), parts)[grid]


@component
def fetch_fsdd(profile: dict, parts: str, source: str, dataset: Output[Dataset]):
    """FSDD wavs from a local folder, s3://datasets/... or the canonical release."""
    from digitstudy.plan import dataset_needed
    from digitstudy.steps import run_step, skip_marker

    if not dataset_needed(parts, "fsdd"):
        return skip_marker(dataset.path, "fetch-fsdd")
    run_step("fetch-fsdd", profile, dataset=dataset.path, source=source)


@component
def mfcc_features(profile: dict, parts: str, dataset: Input[Dataset], features: Output[Dataset]):
    from digitstudy.plan import dataset_needed
    from digitstudy.steps import run_step, skip_marker

    if not dataset_needed(parts, "fsdd", only=("p1",)):
        return skip_marker(features.path, "mfcc-features")
    run_step("mfcc-features", profile, dataset=dataset.path, features=features.path)


@component
def p1_baseline(profile: dict, seed: int, features: Input[Dataset], result: Output[Model],
                metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    from digitstudy.steps import publish, run_step

    record = run_step("p1-baseline", profile, features=features.path, result=result.path, seed=seed)
    publish(record, metrics, confusion)


@component
def p1_autoencoder(profile: dict, bottleneck: int, seed: int, features: Input[Dataset],
                   result: Output[Model], metrics: Output[Metrics],
                   confusion: Output[ClassificationMetrics]):
    from digitstudy.steps import publish, run_step

    record = run_step("p1-autoencoder", profile, features=features.path, result=result.path,
                      bottleneck=bottleneck, seed=seed)
    publish(record, metrics, confusion)


@component
def p1_utterance_embedding(profile: dict, seed: int, features: Input[Dataset], result: Output[Model],
                           metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    from digitstudy.steps import publish, run_step

    record = run_step("p1-utterance-embedding", profile, features=features.path, result=result.path,
                      seed=seed)
    publish(record, metrics, confusion)


@component
def aggregate_results(profile: dict, run_id: str, p1_baseline: Input[list[Model]],
                      p1_autoencoder: Input[list[Model]], p1_utterance: Input[list[Model]],
                      report: Output[Artifact], summary: Output[Metrics],
                      report_md: Output[Markdown], report_html: Output[dsl.HTML]):
    """All records -> tables beside the study's values, figures, the report."""
    import json
    import shutil
    from pathlib import Path

    from digitstudy.steps import run_step

    dirs = [a.path for group in (p1_baseline, p1_autoencoder, p1_utterance) for a in group]
    run_step("aggregate-results", profile, results=dirs, report=report.path, run_id=run_id)
    out = Path(report.path)
    for name, value in json.loads((out / "headline.json").read_text()).items():
        summary.log_metric(name, value)
    shutil.copy(out / "report.md", report_md.path)
    shutil.copy(out / "index.html", report_html.path)
