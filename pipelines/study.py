"""The study DAG: plans and data steps -> fan-outs per grid -> aggregate-results.

Every fan-out is a ``dsl.ParallelFor`` over a list produced by a ``plan-<grid>`` task from
the profile and PARTS, so unselected parts run no training task. The profile itself is a
pipeline parameter (a dict), which the Kubeflow UI shows and compares between runs.
Outputs of one fan-out that another fan-out needs go through a ``gather`` task (KFP cannot
feed a ``dsl.Collected`` list into another loop).
"""

from kfp import dsl
from kfp.dsl import Artifact

from components import data as d
from components import experiments as x
from components.report import aggregate_results
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
        task = d.plan_grid(profile=profile, parts=parts, grid=name).set_display_name(f"plan-{name}")
        return task.set_caching_options(False).output

    def fan_out(name: str):
        return dsl.ParallelFor(grid(name), parallelism=parallelism)

    data, train = placement.data_task, placement.training_task

    def gather(name: str, output, subdirs: bool):
        """Fan-in task ``name``: one output of every task of a fan-out, for the next fan-out."""
        task = data(d.gather(profile=profile, subdirs=subdirs, inputs=dsl.Collected(output)))
        return task.set_display_name(name).outputs["gathered"]

    # raw datasets and what is derived from them (each skips itself when no part needs it)
    fsdd = data(d.fetch_fsdd(profile=profile, parts=parts, source=fsdd_source))
    mnist = data(d.fetch_mnist(profile=profile, parts=parts, source=mnist_source))
    mfcc = data(d.mfcc_features(profile=profile, parts=parts, dataset=fsdd.outputs["dataset"]))
    images = data(d.spectrogram_images(profile=profile, parts=parts, dataset=fsdd.outputs["dataset"]))
    reduced = data(d.reduced_mnist(profile=profile, parts=parts, dataset=mnist.outputs["dataset"]))

    # Problem 1: spoken digits from MFCCs
    with fan_out("p1_baseline") as t:
        p1_baseline = train(x.p1_baseline(profile=profile, skip=t.skip, seed=t.seed,
                                          features=mfcc.outputs["features"]))
    with fan_out("p1_autoencoder") as t:
        p1_autoencoder = train(x.p1_autoencoder(profile=profile, skip=t.skip, bottleneck=t.bottleneck, seed=t.seed,
                                                features=mfcc.outputs["features"]))
    with fan_out("p1_utterance") as t:
        p1_utterance = train(x.p1_utterance_embedding(profile=profile, skip=t.skip, seed=t.seed,
                                                      features=mfcc.outputs["features"]))

    # Problem 2: ReducedMNIST with classic augmentation (pools also feed section 3.4)
    with fan_out("augment") as t:
        augment = data(d.augment(profile=profile, skip=t.skip, real_size=t.real_size,
                                 reduced=reduced.outputs["reduced"]))
    pools = gather("gather-pools", augment.outputs["pools"], subdirs=False)
    with fan_out("p2_cells") as t:
        p2_cells = train(x.classifier_cell(profile=profile, skip=t.skip, real_size=t.real_size,
                                           generated=t.generated, seed=t.seed,
                                           reduced=reduced.outputs["reduced"],
                                           pools=pools))

    # Problem 3: a conditional GAN per training set; synthesis; real + synthetic grid
    def synthesize_and_score(gan, skip):
        """A trained GAN's synthetic pool and its quality record (GAN-test / GAN-train)."""
        synthetic = data(d.synthesize(profile=profile, skip=skip, gan=gan.outputs["gan"]))
        quality = train(x.gan_quality(profile=profile, skip=skip, reduced=reduced.outputs["reduced"],
                                      gan=gan.outputs["gan"], synthetic=synthetic.outputs["synthetic"]))
        return synthetic, quality

    with fan_out("p3_gans") as t:
        gan = train(x.train_gan(profile=profile, skip=t.skip, train_set=t.train_set,
                                dataset=mnist.outputs["dataset"], reduced=reduced.outputs["reduced"]))
        synthetic, quality = synthesize_and_score(gan, t.skip)
    synthetic_pools = gather("gather-synthetic", synthetic.outputs["synthetic"], subdirs=True)
    with fan_out("p3_cells") as t:
        p3_cells = train(x.synthetic_cell(
            profile=profile, skip=t.skip, real_size=t.real_size, synthetic_count=t.synthetic_count,
            gan_kind=t.gan_kind, seed=t.seed, reduced=reduced.outputs["reduced"],
            synthetic=synthetic_pools))
    # ... and the proposed pipeline (section 3.4): real + augmented -> GAN -> synthetic
    with fan_out("p3_proposed_gan") as t:
        proposed_gan = train(x.train_gan_proposed(profile=profile, skip=t.skip,
                                                  reduced=reduced.outputs["reduced"],
                                                  pools=pools))
        proposed_synthetic, proposed_quality = synthesize_and_score(proposed_gan, t.skip)
    proposed_pools = gather("gather-proposed-synthetic", proposed_synthetic.outputs["synthetic"],
                            subdirs=True)
    with fan_out("p3_proposed_cells") as t:
        p3_proposed = train(x.proposed_cell(
            profile=profile, skip=t.skip, synthetic_count=t.synthetic_count, seed=t.seed,
            reduced=reduced.outputs["reduced"], pools=pools,
            synthetic=proposed_pools))

    # Problem 4: attention, Part A (handwritten) and Part B (spoken, as spectrogram images)
    with fan_out("p4a_models") as t:
        p4a = train(x.attention_mnist(profile=profile, skip=t.skip, model=t.model, seed=t.seed,
                                      dataset=mnist.outputs["dataset"]))
    with fan_out("p4b_models") as t:
        p4b = train(x.attention_speech(profile=profile, skip=t.skip, model=t.model, seed=t.seed,
                                       images=images.outputs["images"]))

    report = placement.report_task(aggregate_results(
        profile=profile, run_id=run_id,
        p1_baseline=dsl.Collected(p1_baseline.outputs["result"]),
        p1_autoencoder=dsl.Collected(p1_autoencoder.outputs["result"]),
        p1_utterance=dsl.Collected(p1_utterance.outputs["result"]),
        p2_cells=dsl.Collected(p2_cells.outputs["result"]),
        p3_quality=dsl.Collected(quality.outputs["result"]),
        p3_proposed_quality=dsl.Collected(proposed_quality.outputs["result"]),
        p3_cells=dsl.Collected(p3_cells.outputs["result"]),
        p3_proposed=dsl.Collected(p3_proposed.outputs["result"]),
        p4a_models=dsl.Collected(p4a.outputs["result"]),
        p4b_models=dsl.Collected(p4b.outputs["result"]),
        figures=pools,
    ))
    return report.outputs["report"]
