"""The study DAG: plans and data steps -> fan-outs per grid -> aggregate-results.

Every fan-out is a ``dsl.ParallelFor`` over a list produced by a ``plan-<grid>`` task from
the profile and PARTS, so unselected parts run no training task. The profile itself is a
pipeline parameter (a dict), which the Kubeflow UI shows and compares between runs.
"""

from kfp import dsl
from kfp.dsl import Artifact

from components import study as c
from pipelines import placement

DESCRIPTION = ("Autoencoders, augmentation, GANs and attention for scarce-data digit "
               "recognition: the whole study, beside its published numbers.")


def build_study(parallelism: int = 2):
    """The study pipeline; ``parallelism`` (from the profile) bounds each fan-out."""

    @dsl.pipeline(name="digitstudy", description=DESCRIPTION)
    def study(profile: dict, parts: str = "p1", fsdd_source: str = "", mnist_source: str = "",
              run_id: str = "") -> Artifact:
        return study_dag(profile, parts, fsdd_source, mnist_source, run_id, parallelism)

    return study


def study_dag(profile, parts, fsdd_source, mnist_source, run_id, parallelism: int):
    def grid(name: str):
        task = c.plan_grid(profile=profile, parts=parts, grid=name).set_display_name(f"plan-{name}")
        return task.set_caching_options(False).output

    fsdd = placement.data_task(c.fetch_fsdd(profile=profile, parts=parts, source=fsdd_source))
    mfcc = placement.data_task(c.mfcc_features(profile=profile, parts=parts,
                                               dataset=fsdd.outputs["dataset"]))

    with dsl.ParallelFor(grid("p1_baseline"), parallelism=parallelism) as task:
        baseline = placement.training_task(c.p1_baseline(
            profile=profile, seed=task.seed, features=mfcc.outputs["features"]))
    with dsl.ParallelFor(grid("p1_autoencoder"), parallelism=parallelism) as task:
        autoencoder = placement.training_task(c.p1_autoencoder(
            profile=profile, bottleneck=task.bottleneck, seed=task.seed,
            features=mfcc.outputs["features"]))
    with dsl.ParallelFor(grid("p1_utterance"), parallelism=parallelism) as task:
        utterance = placement.training_task(c.p1_utterance_embedding(
            profile=profile, seed=task.seed, features=mfcc.outputs["features"]))

    report = placement.report_task(c.aggregate_results(
        profile=profile, run_id=run_id,
        p1_baseline=dsl.Collected(baseline.outputs["result"]),
        p1_autoencoder=dsl.Collected(autoencoder.outputs["result"]),
        p1_utterance=dsl.Collected(utterance.outputs["result"]),
    ))
    return report.outputs["report"]
