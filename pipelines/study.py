"""The study DAG, built for one profile, one set of parts and one placement.

Everything about the run's shape is decided here, in Python, when the DAG is built: the
plan (``digitstudy.plan``) gives the static items of every ``dsl.ParallelFor``, a part that
is not selected creates no task, and a data step is created the first time a selected part
asks for it. Each task gets only its step's share of the profile (``digitstudy.steps``), so
its cache key moves only with its own settings; deployment settings (``cluster``,
``pipeline.parallelism``) never enter a task's inputs.

Where one fan-out feeds another, the consumer is nested inside the producer's loop, so each
Table 3/5 cell reads only its own pool; the report collects the nested cells with one
``dsl.Collected`` (flattened by the backend, see ``pipelines/local/local_compat.py``).

Every record reaches the report without wiring: :meth:`StudyDag.task` hands the ``result`` of
each task whose step writes records to the aggregator (a ``components.report.FanIn``), and a
part adds the other outputs the report shows (``to_report=``); the aggregator is built with one
input per fan-in (``components.report.aggregator``).
"""


from functools import cached_property

from kfp import dsl
from kfp.dsl import Artifact

from components import data, experiments, report
from digitstudy.config import Profile
from digitstudy.plan import StudyPlan, plan_study
from digitstudy.runner import step_settings
from pipelines.placement import Placement

DESCRIPTION = ("Autoencoders, augmentation, GANs and attention for scarce-data digit "
               "recognition: the whole study, beside its published numbers.")


def build_study(profile: Profile, parts=None, placement: Placement | None = None):
    """The study pipeline for ``profile`` and ``parts`` (None: every part) on ``placement``
    (default: local). Its run parameters name the profile and parts, for the Kubeflow UI;
    both are bound here, at build time."""
    plan = plan_study(profile, parts)
    placement = placement or Placement.local()
    parts_text = ",".join(plan.parts)

    @dsl.pipeline(name="digitstudy", description=f"{DESCRIPTION} Profile {profile.name}, "
                  f"parts {parts_text} (bound at compile time).")
    def study(profile_name: str = profile.name, parts: str = parts_text, fsdd_source: str = "",
              mnist_source: str = "", data_fingerprint: str = "", run_id: str = "") -> Artifact:
        dag = StudyDag(profile, plan, placement, fsdd_source, mnist_source, data_fingerprint)
        return dag.report(run_id, parts).outputs["report"]

    return study


class StudyDag:
    """Creates the tasks of one study DAG inside the pipeline function."""

    def __init__(self, profile: Profile, plan: StudyPlan, placement: Placement, fsdd_source,
                 mnist_source, data_fingerprint):
        self.profile, self.plan, self.place = profile, plan, placement
        self.fsdd_source, self.mnist_source = fsdd_source, mnist_source
        # a digest of the objects under the s3:// sources (pipelines/submit.py): the fetch
        # steps' cache key changes with the data, not only with the source's name
        self.data_fingerprint = data_fingerprint
        self.parallelism = profile.pipeline.parallelism
        self.fan_ins: list[report.FanIn] = []  # what the report reads, in the order of creation

    def task(self, component, *, to_report: tuple[str, ...] = (), **inputs):
        """A task of ``component``: its registry step's share of the profile, placed as the
        registry says (data, train or report). The report reads its ``result`` if its step
        writes records, and the outputs named in ``to_report`` (figures)."""
        step = component.step
        place = getattr(self.place, step.kind)
        task = place(component, settings=step_settings(step, self.profile), **inputs)
        reported = (*(("result",) if step.records else ()), *to_report)
        self.fan_ins += [report.FanIn(component, task, output) for output in reported]
        return task

    def loop(self, items):
        return dsl.ParallelFor(list(items), parallelism=self.parallelism)

    # --- data steps, created on first use ------------------------------------------------------

    @cached_property
    def fsdd(self):
        return self.task(data.fetch_fsdd, source=self.fsdd_source,
                         fingerprint=self.data_fingerprint).outputs["dataset"]

    @cached_property
    def mnist(self):
        return self.task(data.fetch_mnist, source=self.mnist_source,
                         fingerprint=self.data_fingerprint).outputs["dataset"]

    @cached_property
    def mfcc(self):
        return self.task(data.mfcc_features, dataset=self.fsdd).outputs["features"]

    @cached_property
    def images(self):
        return self.task(data.spectrogram_images, dataset=self.fsdd).outputs["images"]

    @cached_property
    def reduced(self):
        return self.task(data.reduced_mnist, dataset=self.mnist).outputs["reduced"]

    # --- the parts: their tasks' records reach the report through task() --------------------

    # Data steps are created (on first use) before a part's loops, never inside one: a task
    # inside a ParallelFor cannot feed tasks outside it (kfp/compiler/compiler_utils.py
    # get_dependencies raises InvalidTopologyException).

    def p1(self) -> None:
        features = self.mfcc
        with self.loop(self.plan.p1_baseline) as cell:
            self.task(experiments.p1_baseline, seed=cell.seed, split_index=cell.split_index,
                      features=features)
        # the L2 scope is a string axis: its own loop level around the (int-only) cells
        with self.loop(self.plan.p1_l2_scopes) as scope, \
                self.loop(self.plan.p1_autoencoder) as cell:
            self.task(experiments.p1_autoencoder, bottleneck=cell.bottleneck, l2_scope=scope,
                      seed=cell.seed, split_index=cell.split_index, features=features)
        with self.loop(self.plan.p1_seeds) as seed:
            self.task(experiments.p1_utterance_embedding, seed=seed, features=features)

    def augment(self, real_size, reduced, to_report=()):
        return self.task(data.p2_augment, real_size=real_size, reduced=reduced,
                         to_report=to_report)

    def p2(self) -> None:
        reduced = self.reduced
        with self.loop(self.plan.p2_real_sizes) as real_size:
            augment = self.augment(real_size, reduced, to_report=("figure",))
            with self.loop(self.plan.p2_cells) as cell:
                self.task(experiments.p2_classifier_cell, real_size=real_size,
                          generated=cell.generated, seed=cell.seed, reduced=reduced,
                          pools=augment.outputs["pools"])

    def synthesize_and_score(self, gan, reduced):
        """A trained GAN's synthetic pool, scored (its GAN-test / GAN-train quality record)."""
        synthetic = self.task(data.p3_synthesize, variant="",
                              gan=gan.outputs["gan"]).outputs["synthetic"]
        self.score(gan, synthetic, reduced)
        return synthetic

    def score(self, gan, synthetic, reduced):
        self.task(experiments.p3_gan_quality, reduced=reduced, gan=gan.outputs["gan"],
                  synthetic=synthetic)

    def specific_row(self, real_size, reduced):
        """A Table 5 row: its size-specific GAN, pool and quality, its cells nested."""
        gan = self.task(experiments.p3_train_gan, real_size=real_size, reduced=reduced)
        synthetic = self.synthesize_and_score(gan, reduced)
        with self.loop(self.plan.p3_specific_cells) as cell:
            self.task(experiments.p3_synthetic_cell, real_size=real_size,
                      synthetic_count=cell.synthetic_count, gan_kind="specific", seed=cell.seed,
                      reduced=reduced, synthetic=synthetic)
        return gan

    def variant_pool(self, gan, real_size, variant, reduced):
        """A labelled row's pool of ``gan``, its quality and its synthetic cells."""
        synthetic = self.task(experiments.p3_synthesize_variant, real_size=real_size,
                              variant=variant, reduced=reduced,
                              gan=gan.outputs["gan"]).outputs["synthetic"]
        self.score(gan, synthetic, reduced)
        with self.loop(self.plan.p3_variant_cells) as cell:
            self.task(experiments.p3_synthetic_cell, real_size=real_size,
                      synthetic_count=cell.synthetic_count, gan_kind="specific", seed=cell.seed,
                      reduced=reduced, synthetic=synthetic)

    def p3(self) -> None:
        plan = self.plan
        reduced, mnist = self.reduced, (self.mnist if plan.p3_full else None)
        # one size-specific GAN per Table 5 row; the row's cells read its pool. The rows with
        # pool variants are a loop of their own (a loop's items are static and never empty):
        # each pool variant is drawn from that row's GAN, so its row differs from the study's
        # row in the pool alone, not in a second, separately trained GAN.
        if plan.p3_plain_sizes:
            with self.loop(plan.p3_plain_sizes) as real_size:
                self.specific_row(real_size, reduced)
        if plan.p3_pool_sizes:
            with self.loop(plan.p3_pool_sizes) as real_size:
                gan = self.specific_row(real_size, reduced)
                with self.loop(plan.p3_pool_variants) as variant:
                    self.variant_pool(gan, real_size, variant, reduced)
        if plan.p3_full:
            gan = self.task(experiments.p3_train_gan_full, dataset=mnist, reduced=reduced)
            synthetic = self.synthesize_and_score(gan, reduced)
            with self.loop(plan.p3_full_cells) as cell:
                self.task(experiments.p3_synthetic_cell, real_size=cell.real_size,
                          synthetic_count=cell.synthetic_count, gan_kind="full", seed=cell.seed,
                          reduced=reduced, synthetic=synthetic)
        # the variants that change how the GAN trains: each its own GAN -> pool -> quality -> cells
        if plan.p3_gan_variants:
            with self.loop(plan.p3_gan_variants) as variant, \
                    self.loop(plan.p3_variant_sizes) as real_size:
                gan = self.task(experiments.p3_train_gan_variant, real_size=real_size,
                                variant=variant, reduced=reduced)
                self.variant_pool(gan, real_size, variant, reduced)
        # the proposed pipeline (section 3.4): real + augmented -> GAN -> synthetic
        pools = self.augment(self.profile.p3.proposed.real_size, reduced).outputs["pools"]
        gan = self.task(experiments.p3_train_gan_proposed, reduced=reduced, pools=pools)
        synthetic = self.synthesize_and_score(gan, reduced)
        with self.loop(plan.p3_proposed_cells) as cell:
            self.task(experiments.p3_proposed_cell, synthetic_count=cell.synthetic_count,
                      seed=cell.seed, reduced=reduced, pools=pools, synthetic=synthetic)

    def models_by_seeds(self, component, models, seeds, **inputs):
        """One training task per model x seed (string models: their own loop level)."""
        with self.loop(models) as model, self.loop(seeds) as seed:
            self.task(component, model=model, seed=seed, **inputs)

    def p4a(self) -> None:
        reduced = self.task(data.p4a_reduced_mnist, dataset=self.mnist).outputs["reduced"]
        self.models_by_seeds(experiments.p4a_attention_mnist, self.plan.p4a_models,
                             self.plan.p4a_seeds, reduced=reduced)

    def p4b(self) -> None:
        self.models_by_seeds(experiments.p4b_attention_speech, self.plan.p4b_models,
                             self.plan.p4b_seeds, images=self.images)

    def report(self, run_id, parts):
        """The selected parts' tasks, then the aggregator over every output they hand the
        report (:meth:`task`), one input each; KFP checks the call's names against the
        component's inputs (kfp/dsl/base_component.py:81-83)."""
        for part in self.plan.parts:
            getattr(self, part)()
        aggregate = report.aggregator(tuple(fan_in.parameter for fan_in in self.fan_ins))
        return self.task(aggregate, run_id=run_id, parts=parts, fsdd_source=self.fsdd_source,
                         mnist_source=self.mnist_source,
                         **{fan_in.name: fan_in.argument for fan_in in self.fan_ins})
