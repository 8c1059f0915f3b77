"""Registry of the study's steps: one plain library function each, under one canonical name.

A step's entry here is the only place its name, target, inputs, outputs, parameters and
settings are declared. The name is the same everywhere: the CLI subcommand, the KFP
component (``p1-autoencoder`` -> ``components.experiments.p1_autoencoder``, found by that
name), the DAG task (``StudyDag.task("p1-autoencoder", ...)``), and the ``experiment`` and
``part`` of the result record it writes, which the step reads from its settings view
(``settings.step``, ``settings.part``) instead of spelling them again.

A step function takes the profile (or, in a task, the :class:`SettingsView` of the settings
the step declares in ``settings``), input/output directories (``Path``) and scalar
parameters as keyword arguments, writes its outputs, and returns a ``ResultRecord``
(experiments) or ``None`` (data preparation). The CLI and the KFP components both call steps
through :func:`run_step`, so a step behaves the same everywhere. Targets are imported lazily:
listing steps does not import TensorFlow.
"""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digitstudy.backend import use_backend
from digitstudy.config import Profile, load_profile
from digitstudy.config.sections import SettingsView, settings_for

log = logging.getLogger(__name__)

# The report reads the whole study's settings; deployment sections are not its business.
REPORT_SETTINGS = ("name", "study_scale", "data", "p1", "p2", "p3", "p4a", "p4b", "statistics",
                   "backend")
CNN_CELL = ("name", "p2.classifier")  # the Table 2 CNN cell (P2, P3, the proposed pipeline)
GAN = ("p3.architecture", "p3.train", "p3.gan_seed")
SYNTHESIS = ("p3.synthetic_counts", "p3.quality.samples_per_class", "p3.gan_seed",
             "p3.synthesis_training_mode")


@dataclass(frozen=True)
class Step:
    name: str
    target: str  # "module:function"
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

    def load(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)

    @property
    def part(self) -> str | None:
        """The study part whose records the step writes (its name's prefix), if any."""
        match = re.match(r"(p\d[ab]?)-", self.name)
        return match.group(1) if match else None

    @property
    def kind(self) -> str:
        """How the DAG places its task (pipelines.placement): ``train``, ``report`` or ``data``."""
        return "train" if self.trains else "report" if "report" in self.outputs else "data"


# Inputs that take several directories (fan-ins).
LIST_INPUTS = ("results", "figures")

# The aggregator's inputs, one per kind of record the DAG collects: name -> (the step input it
# feeds, whether the DAG passes one artifact rather than a collected list). The component
# (components/report.py) declares exactly these, the DAG's parts return only these (both
# checked by tests/pipeline/test_registry.py), and the component body reads them from here.
AGGREGATOR_INPUTS: dict[str, tuple[str, bool]] = {
    "p1_baseline": ("results", False),
    "p1_autoencoder": ("results", False),
    "p1_utterance": ("results", False),
    "p2_cells": ("results", False),
    "p2_figures": ("figures", False),
    "p3_quality": ("results", False),
    "p3_cells": ("results", False),
    "p3_full_quality": ("results", True),
    "p3_full_cells": ("results", False),
    "p3_proposed_quality": ("results", True),
    "p3_proposed_cells": ("results", False),
    "p3_pooled_row_quality": ("results", False),
    "p3_pooled_row_cells": ("results", False),
    "p3_pool_variant_quality": ("results", False),
    "p3_pool_variant_cells": ("results", False),
    "p3_gan_variant_quality": ("results", False),
    "p3_gan_variant_cells": ("results", False),
    "p4a_models": ("results", False),
    "p4b_models": ("results", False),
}


def aggregator_paths(inputs: dict[str, Any]) -> dict[str, list[str]]:
    """The aggregator's ``results`` and ``figures`` paths from its component's inputs (KFP
    artifacts or lists of them, None where the DAG did not wire that input)."""
    paths: dict[str, list[str]] = {"results": [], "figures": []}
    for name, (target, single) in AGGREGATOR_INPUTS.items():
        value = inputs.get(name)
        if value:
            paths[target] += [a.path for a in ([value] if single else value)]
    return paths

STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        # data preparation
        Step("fetch-fsdd", "digitstudy.data.fsdd:fetch_step", outputs=("dataset",),
             params={"source": str}, settings=("data.fsdd",),
             help="FSDD recordings from a folder, MinIO or the canonical archive"),
        Step("fetch-mnist", "digitstudy.data.mnist_sources:fetch_mnist_step", outputs=("dataset",),
             params={"source": str},
             help="MNIST idx/npz files (or a ReducedMNIST folder) from a folder, MinIO, a mirror or the canonical files"),
        Step("mfcc-features", "digitstudy.features.mfcc:mfcc_step", inputs=("dataset",),
             outputs=("features",), settings=("p1.mfcc",),
             help="MFCC sequences, 70/15/15 split, train-frame z-score"),
        Step("spectrogram-images", "digitstudy.features.spectrogram:spectrogram_images_step",
             inputs=("dataset",), outputs=("images",),
             settings=("p4b.spectrogram", "p4b.split", "p4b.split_seed"),
             help="FSDD -> 128x128 RGB log-mel spectrogram images, 80/10/10 split (study 6.3.1)"),
        Step("reduced-mnist", "digitstudy.data.reduced_mnist:reduced_mnist_step",
             inputs=("dataset",), outputs=("reduced",), settings=("p2.reduced",),
             help="ReducedMNIST: seeded, stratified train/test per class (uint8 npz)"),
        Step("p4a-reduced-mnist", "digitstudy.data.reduced_mnist:p4a_reduced_mnist_step",
             inputs=("dataset",), outputs=("reduced",),
             settings=("p4a.train_per_class", "p4a.test_per_class", "p4a.sample_seed"),
             help="Part A's ReducedMNIST sample, drawn once for all its models and seeds"),
        # Problem 1
        Step("p1-baseline", "digitstudy.experiments.problem1:baseline_step", inputs=("features",),
             outputs=("result",), params={"seed": int, "split_index": int},
             settings=("name", "p1.baseline", "p1.splits"), trains=True,
             help="mean-MFCC MLP (study 1.1) under the split p1.splits.kinds[split_index]"),
        Step("p1-autoencoder", "digitstudy.experiments.problem1:autoencoder_step",
             inputs=("features",), outputs=("result",),
             params={"bottleneck": int, "l2_scope": str, "seed": int, "split_index": int},
             settings=("name", "p1.autoencoder", "p1.baseline.classifier", "p1.splits"),
             trains=True,
             help="padded-MFCC autoencoder (one bottleneck, one L2 scope) + MLP (study 1.2)"),
        Step("p1-utterance-embedding", "digitstudy.experiments.problem1:utterance_step",
             inputs=("features",), outputs=("result",), params={"seed": int},
             settings=("name", "p1.utterance", "p1.splits"), trains=True,
             help="two-frame AE + merger embedding + improved MLP (study 1.3), and its diagnostics"),
        # Problem 2
        Step("p2-augment", "digitstudy.experiments.augmented_pools:augment_step",
             inputs=("reduced",), outputs=("pools", "figure"), params={"real_size": int},
             settings=("p2.augment", "p2.generated_counts"),
             help="augmented pool (combined) for one real size + the Figure 5 style figure (study 2.1)"),
        Step("p2-classifier-cell", "digitstudy.experiments.augmentation_grid:classifier_cell_step",
             inputs=("reduced", "pools"), outputs=("result",),
             params={"real_size": int, "generated": int, "seed": int}, settings=CNN_CELL,
             trains=True,
             help="Table 2 CNN on real + generated per class, one Table 3 cell (study 2.3)"),
        # Problem 3
        Step("p3-train-gan", "digitstudy.experiments.gan_grid:train_gan_step",
             inputs=("reduced",), outputs=("gan",), params={"real_size": int}, settings=GAN,
             trains=True, help="conditional DCGAN on N real per class of ReducedMNIST (study 3.1-3.2)"),
        Step("p3-train-gan-full", "digitstudy.experiments.gan_grid:train_gan_full_step",
             inputs=("dataset", "reduced"), outputs=("gan",),
             settings=(*GAN, "p3.full_per_class"), trains=True,
             help="conditional DCGAN on the full MNIST train split (study 3.2, 'full')"),
        Step("p3-train-gan-proposed", "digitstudy.experiments.proposed:train_gan_proposed_step",
             inputs=("reduced", "pools"), outputs=("gan",), settings=(*GAN, "p3.proposed"),
             trains=True, help="conditional DCGAN on 300 real + 1000 augmented per class (study 3.4)"),
        Step("p3-synthesize", "digitstudy.experiments.gan_grid:synthesize_step", inputs=("gan",),
             outputs=("synthetic",), params={"variant": str}, settings=SYNTHESIS,
             help="balanced, labelled synthetic pool from one GAN"),
        Step("p3-train-gan-variant", "digitstudy.experiments.gan_variants:train_gan_variant_step",
             inputs=("reduced",), outputs=("gan",), params={"real_size": int, "variant": str},
             settings=(*GAN, "p3.variants"), trains=True,
             help="the GAN of a labelled variant row that changes how the GAN trains (p3.variants)"),
        Step("p3-synthesize-variant",
             "digitstudy.experiments.gan_variants:synthesize_variant_step",
             inputs=("reduced", "gan"), outputs=("synthetic",),
             params={"real_size": int, "variant": str},
             settings=(*SYNTHESIS, "p3.variants", "p3.filter", "p2.classifier.train"),
             trains=True,
             help="the pool of a variant row; 'filtered': only digits a CNN on the row's real "
                  "digits gives their label with p >= p3.filter.threshold (beyond the study)"),
        Step("p3-gan-quality", "digitstudy.experiments.gan_grid:gan_quality_step",
             inputs=("reduced", "gan", "synthetic"), outputs=("result",),
             settings=("name", "p3.seeds", "p3.quality", "p2.classifier.train"), trains=True,
             help="GAN-test / GAN-train / diversity of one GAN + its sample grid (Figures 6-7)"),
        Step("p3-synthetic-cell", "digitstudy.experiments.gan_grid:synthetic_cell_step",
             inputs=("reduced", "synthetic"), outputs=("result",),
             params={"real_size": int, "synthetic_count": int, "gan_kind": str, "seed": int},
             settings=CNN_CELL, trains=True,
             help="Table 2 CNN on real + synthetic per class from the specific/full GAN (Table 5)"),
        Step("p3-proposed-cell", "digitstudy.experiments.proposed:proposed_cell_step",
             inputs=("reduced", "pools", "synthetic"), outputs=("result",),
             params={"synthetic_count": int, "seed": int}, settings=(*CNN_CELL, "p3.proposed"),
             trains=True,
             help="Table 2 CNN on 300 real + 1000 augmented + synthetic per class (Table 6)"),
        # Problem 4
        Step("p4a-attention-mnist", "digitstudy.experiments.attention_mnist:attention_mnist_step",
             inputs=("reduced",), outputs=("result",), params={"model": str, "seed": int},
             settings=("name", "p4a.train", "p4a.map_digits", "p4a.cbam_channel_pooling"),
             trains=True,
             help="one Part A attention CNN on ReducedMNIST + maps (study 5, Tables 7-10)"),
        Step("p4b-attention-speech", "digitstudy.experiments.attention_speech:attention_speech_step",
             inputs=("images",), outputs=("result",), params={"model": str, "seed": int},
             settings=("name", "p4b.train", "p4b.clipnorm", "p4b.noise_std", "p4b.noise_models",
                       "p4b.map_examples", "p4b.cbam_channel_pooling"), trains=True,
             help="one Part B spectrogram CNN + Grad-CAM/attention maps (study 6, Tables 11-13)"),
        # the report
        Step("aggregate-results", "digitstudy.reporting.report:aggregate_step",
             inputs=("results", "figures"), outputs=("report",),
             params={"run_id": str, "parts": str, "fsdd_source": str, "mnist_source": str},
             settings=REPORT_SETTINGS,
             help="comparison tables beside the study's values, plots, report"),
    ]
}


def step_settings(name: str, profile: Profile) -> dict:
    """The settings a task of step ``name`` receives: its declared share of ``profile``."""
    return settings_for(profile, STEPS[name].reads)


def settings_view(name: str, profile: Profile | dict | str | Path) -> SettingsView:
    """What step ``name`` reads: a profile (or a profile name/path), or a task's settings."""
    step = STEPS[name]
    if isinstance(profile, str | Path):
        profile = load_profile(profile)
    settings = settings_for(profile, step.reads) if isinstance(profile, Profile) else profile
    return SettingsView(settings, step.reads, name, part=step.part)


def run_step(name: str, profile: Profile | dict | str | Path, **kwargs: Any) -> Any:
    if name not in STEPS:
        raise KeyError(f"unknown step {name!r}; known steps: {', '.join(STEPS)}")
    step = STEPS[name]
    expected = set(step.inputs) | set(step.outputs) | set(step.params)
    unknown = set(kwargs) - expected
    missing = expected - set(kwargs)
    if unknown or missing:
        raise TypeError(
            f"step {name}: unknown arguments {sorted(unknown)}, missing {sorted(missing)}"
        )

    def as_path(v):
        return [Path(x) for x in v] if isinstance(v, list | tuple) else Path(v)

    args = {k: (as_path(v) if k in step.inputs or k in step.outputs else v) for k, v in kwargs.items()}
    log.debug("step %s: %s", name, {k: str(v) for k, v in args.items()})
    view = settings_view(name, profile)
    if step.trains:
        use_backend(view.backend)  # before the step's module imports Keras
    return step.load()(view, **args)


def publish(record, metrics=None, confusion=None) -> None:
    """Log a record to Kubeflow UI artifacts (duck-typed kfp Metrics/ClassificationMetrics).

    Scalars: every record metric plus train_seconds; the confusion matrix comes from the
    record's paired test predictions.
    """
    if metrics is not None:
        for name, value in record.metrics.items():
            metrics.log_metric(name, float(value))
        metrics.log_metric("train_seconds", float(record.train_seconds))
    if confusion is not None and record.predictions is not None:
        from sklearn.metrics import confusion_matrix

        labels = sorted(set(record.predictions.y_true) | set(record.predictions.y_pred))
        matrix = confusion_matrix(record.predictions.y_true, record.predictions.y_pred, labels=labels)
        confusion.log_confusion_matrix([str(c) for c in labels], matrix.tolist())
