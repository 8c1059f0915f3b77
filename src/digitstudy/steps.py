"""Registry of the study's steps: one plain library function each.

A step function takes the validated profile, input/output directories (``Path``) and
scalar parameters as keyword arguments, writes its outputs, and returns a
``ResultRecord`` (experiments) or ``None`` (data preparation). Both the CLI and the KFP
components call steps through :func:`run_step`, so a step behaves the same everywhere.
Targets are imported lazily: listing steps does not import TensorFlow.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digitstudy.config import Profile, load_profile, profile_from_dict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    target: str  # "module:function"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    params: dict[str, type] = field(default_factory=dict)
    help: str = ""

    def load(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


# Inputs that take several directories (fan-ins).
LIST_INPUTS = ("results", "extras", "inputs")

STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step("fetch-fsdd", "digitstudy.data.fsdd:fetch_step", outputs=("dataset",),
             params={"source": str}, help="FSDD recordings from a folder, MinIO or the canonical archive"),
        Step("mfcc-features", "digitstudy.features.mfcc:mfcc_step", inputs=("dataset",),
             outputs=("features",), help="MFCC sequences, 70/15/15 split, train-frame z-score"),
        Step("p1-baseline", "digitstudy.experiments.problem1:baseline_step", inputs=("features",),
             outputs=("result",), params={"seed": int}, help="mean-MFCC MLP (study 1.1)"),
        Step("p1-autoencoder", "digitstudy.experiments.problem1:autoencoder_step",
             inputs=("features",), outputs=("result",), params={"bottleneck": int, "seed": int},
             help="padded-MFCC autoencoder + MLP for one bottleneck (study 1.2)"),
        Step("p1-utterance-embedding", "digitstudy.experiments.problem1:utterance_step",
             inputs=("features",), outputs=("result",), params={"seed": int},
             help="two-frame AE + merger embedding + improved MLP (study 1.3)"),
        Step("fetch-mnist", "digitstudy.data.mnist:fetch_mnist_step", outputs=("dataset",),
             params={"source": str},
             help="MNIST idx/npz files (or a ReducedMNIST folder) from a folder, MinIO, a mirror or the canonical files"),
        Step("reduced-mnist", "digitstudy.data.reduced_mnist:reduced_mnist_step",
             inputs=("dataset",), outputs=("reduced",),
             help="ReducedMNIST: seeded, stratified train/test per class (uint8 npz)"),
        Step("augment", "digitstudy.experiments.augmentation_grid:augment_step",
             inputs=("reduced",), outputs=("pools",), params={"real_size": int},
             help="augmented pool (combined) for one real size + the Figure 5 style figure (study 2.1)"),
        Step("classifier-cell", "digitstudy.experiments.augmentation_grid:classifier_cell_step",
             inputs=("reduced", "pools"), outputs=("result",),
             params={"real_size": int, "generated": int, "seed": int},
             help="Table 2 CNN on real + generated per class, one Table 3 cell (study 2.3)"),
        Step("gather", "digitstudy.artifacts:gather_step", inputs=("inputs",), outputs=("gathered",),
             params={"subdirs": bool}, help="fan-in: the files of several step outputs in one folder"),
        Step("aggregate-results", "digitstudy.reporting.report:aggregate_step",
             inputs=("results", "extras"), outputs=("report",), params={"run_id": str},
             help="comparison tables beside the study's values, plots, report"),
        Step("spectrogram-images", "digitstudy.features.spectrogram:spectrogram_images_step",
             inputs=("dataset",), outputs=("images",),
             help="FSDD -> 128x128 RGB log-mel spectrogram images, 80/10/10 split (study 6.3.1)"),
        Step("attention-mnist", "digitstudy.experiments.attention_mnist:attention_mnist_step",
             inputs=("dataset",), outputs=("result",), params={"model": str, "seed": int},
             help="one Part A attention CNN on ReducedMNIST + maps (study 5, Tables 7-10)"),
        Step("attention-speech", "digitstudy.experiments.attention_speech:attention_speech_step",
             inputs=("images",), outputs=("result",), params={"model": str, "seed": int},
             help="one Part B spectrogram CNN + Grad-CAM/attention maps (study 6, Tables 11-13)"),
        Step("train-gan", "digitstudy.experiments.gan_grid:train_gan_step",
             inputs=("dataset", "reduced"), outputs=("gan",), params={"train_set": str},
             help="conditional DCGAN on one training set: a real size per class or 'full' (study 3.1-3.2)"),
        Step("train-gan-proposed", "digitstudy.experiments.proposed:train_gan_proposed_step",
             inputs=("reduced", "pools"), outputs=("gan",),
             help="conditional DCGAN on 300 real + 1000 augmented per class (study 3.4)"),
        Step("synthesize", "digitstudy.experiments.gan_grid:synthesize_step", inputs=("gan",),
             outputs=("synthetic",), help="balanced, labelled synthetic pool from one GAN"),
        Step("p3-gan-quality", "digitstudy.experiments.gan_grid:gan_quality_step",
             inputs=("reduced", "gan", "synthetic"), outputs=("result",),
             help="GAN-test / GAN-train / diversity of one GAN + its sample grid (Figures 6-7)"),
        Step("p3-synthetic-cell", "digitstudy.experiments.gan_grid:synthetic_cell_step",
             inputs=("reduced", "synthetic"), outputs=("result",),
             params={"real_size": int, "synthetic_count": int, "gan_kind": str, "seed": int},
             help="Table 2 CNN on real + synthetic per class from the specific/full GAN (Table 5)"),
        Step("p3-proposed-cell", "digitstudy.experiments.proposed:proposed_cell_step",
             inputs=("reduced", "pools", "synthetic"), outputs=("result",),
             params={"synthetic_count": int, "seed": int},
             help="Table 2 CNN on 300 real + 1000 augmented + synthetic per class (Table 6)"),
    ]
}


def as_profile(profile: Profile | dict | str | Path) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, dict):
        return profile_from_dict(profile)
    return load_profile(profile)


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
    log.info("step %s: %s", name, {k: str(v) for k, v in args.items()})
    return step.load()(as_profile(profile), **args)


SKIPPED = "SKIPPED"


def skip_marker(directory: str | Path, name: str) -> None:
    """Output of a task no selected part needs: a marker, never a half output."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / SKIPPED).write_text(f"{name}: skipped, no selected part (PARTS) needs it\n")
    log.info("%s skipped: no selected part (PARTS) needs it", name)


def is_skipped(directory: str | Path) -> bool:
    return (Path(directory) / SKIPPED).is_file()


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
