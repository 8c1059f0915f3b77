"""The registry of the study's steps: one declaration each, under one canonical name.

A step is declared once, as a module constant here (``P1_AUTOENCODER = Step(...)``): its name,
its target (the library function), inputs, outputs, parameters and the settings it reads.
Everything else refers to the constant, so a typo is an ``AttributeError`` or
``ImportError``, not an empty table: the component (``@component(steps.P1_AUTOENCODER)``
and its ``run_step(P1_AUTOENCODER, ...)``), the DAG (through the component), the report's
table specs (``select(records, P1_AUTOENCODER)``) and the scripts. The CLI and the records
use the name (``python -m digitstudy p1-autoencoder``; a record's ``experiment``).

A target is imported when the step runs (the ``_<module>()`` loaders at the bottom: imports
that editors and import graphs follow), so importing the registry imports no TensorFlow:
compiling the pipeline and listing the steps stay light. Running a step is
:mod:`digitstudy.runner`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# The report reads the whole study's settings; deployment sections are not its business.
REPORT_SETTINGS = ("name", "study_scale", "data", "p1", "p2", "p3", "p4a", "p4b", "statistics",
            "backend")
CNN_CELL = ("name", "p2.classifier")  # the Table 2 CNN cell (P2, P3, the proposed pipeline)
GAN = ("p3.architecture", "p3.train", "p3.gan_seed")
SYNTHESIS = ("p3.synthetic_counts", "p3.quality.samples_per_class", "p3.gan_seed",
      "p3.synthesis_training_mode")

# The step outputs the report reads, and the aggregator's input each goes into: the DAG hands
# it the ``result`` of every task whose step writes records, and the figures a part shows
# (pipelines/study.py ``StudyDag.task``; components/report.py names its inputs for them).
FAN_INS = {"result": "results", "figure": "figures"}
# Inputs that take several directories (fan-ins).
LIST_INPUTS = tuple(FAN_INS.values())


@dataclass(frozen=True, eq=False)
class Step:
    name: str
    target: Callable[[], Callable]  # returns the library function (imports its module)
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    params: dict[str, type] = field(default_factory=dict)
    settings: tuple[str, ...] = ()  # the profile paths the step reads (its task's settings)
    trains: bool = False  # fits a model: placed as a training task (retries, GPU)
    help: str = ""

    @property
    def reads(self) -> tuple[str, ...]:
        """Its settings; a training step also reads ``backend`` (and is cached per backend)."""
        return (*self.settings, "backend") if self.trains else self.settings

    def load(self) -> Callable:
        """The library function (importing its module, TensorFlow included for a trainer)."""
        return self.target()

    @property
    def part(self) -> str | None:
        """The study part whose records the step writes (its name's prefix), if any."""
        match = re.match(r"(p\d[ab]?)-", self.name)
        return match.group(1) if match else None

    @property
    def kind(self) -> str:
        """How the DAG places its task (pipelines.placement): ``train``, ``report`` or ``data``."""
        return "train" if self.trains else "report" if "report" in self.outputs else "data"

    @property
    def records(self) -> bool:
        """Whether it writes a result record (the report's input)."""
        return "result" in self.outputs


# data preparation
FETCH_FSDD = Step(
    "fetch-fsdd", lambda: _fsdd().fetch_step,
    outputs=("dataset",),
    params={"source": str}, settings=("data.fsdd",),
    help="FSDD recordings from a folder, MinIO or the canonical archive")
FETCH_MNIST = Step(
    "fetch-mnist", lambda: _mnist_sources().fetch_mnist_step,
    outputs=("dataset",),
    params={"source": str},
    help="MNIST idx/npz files (or a ReducedMNIST folder) from a folder, MinIO, a mirror or "
         "the canonical files")
MFCC_FEATURES = Step(
    "mfcc-features", lambda: _mfcc().mfcc_step,
    inputs=("dataset",),
    outputs=("features",), settings=("p1.mfcc",),
    help="MFCC sequences, 70/15/15 split, train-frame z-score")
SPECTROGRAM_IMAGES = Step(
    "spectrogram-images", lambda: _spectrogram().spectrogram_images_step,
    inputs=("dataset",), outputs=("images",),
    settings=("p4b.spectrogram", "p4b.split", "p4b.split_seed"),
    help="FSDD -> 128x128 RGB log-mel spectrogram images, 80/10/10 split (study 6.3.1)")
REDUCED_MNIST = Step(
    "reduced-mnist", lambda: _reduced_mnist().reduced_mnist_step,
    inputs=("dataset",), outputs=("reduced",), settings=("p2.reduced",),
    help="ReducedMNIST: seeded, stratified train/test per class (uint8 npz)")
P4A_REDUCED_MNIST = Step(
    "p4a-reduced-mnist", lambda: _reduced_mnist().p4a_reduced_mnist_step,
    inputs=("dataset",), outputs=("reduced",),
    settings=("p4a.train_per_class", "p4a.test_per_class", "p4a.sample_seed"),
    help="Part A's ReducedMNIST sample, drawn once for all its models and seeds")

# Problem 1
P1_BASELINE = Step(
    "p1-baseline", lambda: _problem1().baseline_step,
    inputs=("features",),
    outputs=("result",), params={"seed": int, "split_index": int},
    settings=("name", "p1.baseline", "p1.splits"), trains=True,
    help="mean-MFCC MLP (study 1.1) under the split p1.splits.kinds[split_index]")
P1_AUTOENCODER = Step(
    "p1-autoencoder", lambda: _problem1().autoencoder_step,
    inputs=("features",), outputs=("result",),
    params={"bottleneck": int, "l2_scope": str, "seed": int, "split_index": int},
    settings=("name", "p1.autoencoder", "p1.baseline.classifier", "p1.splits"),
    trains=True,
    help="padded-MFCC autoencoder (one bottleneck, one L2 scope) + MLP (study 1.2)")
P1_UTTERANCE_EMBEDDING = Step(
    "p1-utterance-embedding", lambda: _problem1().utterance_step,
    inputs=("features",), outputs=("result",), params={"seed": int},
    settings=("name", "p1.utterance", "p1.splits"), trains=True,
    help="two-frame AE + merger embedding + improved MLP (study 1.3), and its diagnostics")

# Problem 2
P2_AUGMENT = Step(
    "p2-augment", lambda: _augmented_pools().augment_step,
    inputs=("reduced",), outputs=("pools", "figure"), params={"real_size": int},
    settings=("p2.augment", "p2.generated_counts"),
    help="augmented pool (combined) for one real size + the Figure 5 style figure (study 2.1)")
P2_CLASSIFIER_CELL = Step(
    "p2-classifier-cell", lambda: _augmentation_grid().classifier_cell_step,
    inputs=("reduced", "pools"), outputs=("result",),
    params={"real_size": int, "generated": int, "seed": int}, settings=CNN_CELL,
    trains=True,
    help="Table 2 CNN on real + generated per class, one Table 3 cell (study 2.3)")

# Problem 3
P3_TRAIN_GAN = Step(
    "p3-train-gan", lambda: _gan_grid().train_gan_step,
    inputs=("reduced",), outputs=("gan",), params={"real_size": int}, settings=GAN,
    trains=True, help="conditional DCGAN on N real per class of ReducedMNIST (study 3.1-3.2)")
P3_TRAIN_GAN_FULL = Step(
    "p3-train-gan-full", lambda: _gan_grid().train_gan_full_step,
    inputs=("dataset", "reduced"), outputs=("gan",),
    settings=(*GAN, "p3.full_per_class"), trains=True,
    help="conditional DCGAN on the full MNIST train split (study 3.2, 'full')")
P3_TRAIN_GAN_PROPOSED = Step(
    "p3-train-gan-proposed", lambda: _proposed().train_gan_proposed_step,
    inputs=("reduced", "pools"), outputs=("gan",), settings=(*GAN, "p3.proposed"),
    trains=True, help="conditional DCGAN on 300 real + 1000 augmented per class (study 3.4)")
P3_SYNTHESIZE = Step(
    "p3-synthesize", lambda: _gan_grid().synthesize_step,
    inputs=("gan",),
    outputs=("synthetic",), params={"variant": str}, settings=SYNTHESIS,
    help="balanced, labelled synthetic pool from one GAN")
P3_TRAIN_GAN_VARIANT = Step(
    "p3-train-gan-variant", lambda: _gan_variants().train_gan_variant_step,
    inputs=("reduced",), outputs=("gan",), params={"real_size": int, "variant": str},
    settings=(*GAN, "p3.variants"), trains=True,
    help="the GAN of a labelled variant row that changes how the GAN trains (p3.variants)")
P3_SYNTHESIZE_VARIANT = Step(
    "p3-synthesize-variant", lambda: _gan_variants().synthesize_variant_step,
    inputs=("reduced", "gan"), outputs=("synthetic",),
    params={"real_size": int, "variant": str},
    settings=(*SYNTHESIS, "p3.variants", "p3.filter", "p2.classifier.train"),
    trains=True,
    help="the pool of a variant row; 'filtered': only digits a CNN on the row's real "
    "digits gives their label with p >= p3.filter.threshold (beyond the study)")
P3_GAN_QUALITY = Step(
    "p3-gan-quality", lambda: _gan_grid().gan_quality_step,
    inputs=("reduced", "gan", "synthetic"), outputs=("result",),
    settings=("name", "p3.seeds", "p3.quality", "p2.classifier.train"), trains=True,
    help="GAN-test / GAN-train / diversity of one GAN + its sample grid (Figures 6-7)")
P3_SYNTHETIC_CELL = Step(
    "p3-synthetic-cell", lambda: _gan_grid().synthetic_cell_step,
    inputs=("reduced", "synthetic"), outputs=("result",),
    params={"real_size": int, "synthetic_count": int, "gan_kind": str, "seed": int},
    settings=CNN_CELL, trains=True,
    help="Table 2 CNN on real + synthetic per class from the specific/full GAN (Table 5)")
P3_PROPOSED_CELL = Step(
    "p3-proposed-cell", lambda: _proposed().proposed_cell_step,
    inputs=("reduced", "pools", "synthetic"), outputs=("result",),
    params={"synthetic_count": int, "seed": int}, settings=(*CNN_CELL, "p3.proposed"),
    trains=True,
    help="Table 2 CNN on 300 real + 1000 augmented + synthetic per class (Table 6)")

# Problem 4
P4A_ATTENTION_MNIST = Step(
    "p4a-attention-mnist", lambda: _attention_mnist().attention_mnist_step,
    inputs=("reduced",), outputs=("result",), params={"model": str, "seed": int},
    settings=("name", "p4a.train", "p4a.map_digits", "p4a.cbam_channel_pooling"),
    trains=True,
    help="one Part A attention CNN on ReducedMNIST + maps (study 5, Tables 7-10)")
P4B_ATTENTION_SPEECH = Step(
    "p4b-attention-speech", lambda: _attention_speech().attention_speech_step,
    inputs=("images",), outputs=("result",), params={"model": str, "seed": int},
    settings=("name", "p4b.train", "p4b.clipnorm", "p4b.noise_std", "p4b.noise_models",
    "p4b.map_examples", "p4b.cbam_channel_pooling"), trains=True,
    help="one Part B spectrogram CNN + Grad-CAM/attention maps (study 6, Tables 11-13)")

# the report
AGGREGATE_RESULTS = Step(
    "aggregate-results", lambda: _report().aggregate_step,
    inputs=("results", "figures"), outputs=("report",),
    params={"run_id": str, "parts": str, "fsdd_source": str, "mnist_source": str},
    settings=REPORT_SETTINGS,
    help="comparison tables beside the study's values, plots, report")


STEPS: dict[str, Step] = {s.name: s for s in (
    FETCH_FSDD,
    FETCH_MNIST,
    MFCC_FEATURES,
    SPECTROGRAM_IMAGES,
    REDUCED_MNIST,
    P4A_REDUCED_MNIST,
    P1_BASELINE,
    P1_AUTOENCODER,
    P1_UTTERANCE_EMBEDDING,
    P2_AUGMENT,
    P2_CLASSIFIER_CELL,
    P3_TRAIN_GAN,
    P3_TRAIN_GAN_FULL,
    P3_TRAIN_GAN_PROPOSED,
    P3_SYNTHESIZE,
    P3_TRAIN_GAN_VARIANT,
    P3_SYNTHESIZE_VARIANT,
    P3_GAN_QUALITY,
    P3_SYNTHETIC_CELL,
    P3_PROPOSED_CELL,
    P4A_ATTENTION_MNIST,
    P4B_ATTENTION_SPEECH,
    AGGREGATE_RESULTS,
)}


# --- targets: each step module, imported when a step runs -------------------------------


def _fsdd():
    from digitstudy.data import fsdd

    return fsdd


def _mnist_sources():
    from digitstudy.data import mnist_sources

    return mnist_sources


def _mfcc():
    from digitstudy.features import mfcc

    return mfcc


def _spectrogram():
    from digitstudy.features import spectrogram

    return spectrogram


def _reduced_mnist():
    from digitstudy.data import reduced_mnist

    return reduced_mnist


def _problem1():
    from digitstudy.experiments import problem1

    return problem1


def _augmented_pools():
    from digitstudy.experiments import augmented_pools

    return augmented_pools


def _augmentation_grid():
    from digitstudy.experiments import augmentation_grid

    return augmentation_grid


def _gan_grid():
    from digitstudy.experiments import gan_grid

    return gan_grid


def _proposed():
    from digitstudy.experiments import proposed

    return proposed


def _gan_variants():
    from digitstudy.experiments import gan_variants

    return gan_variants


def _attention_mnist():
    from digitstudy.experiments import attention_mnist

    return attention_mnist


def _attention_speech():
    from digitstudy.experiments import attention_speech

    return attention_speech


def _report():
    from digitstudy.reporting import report

    return report
