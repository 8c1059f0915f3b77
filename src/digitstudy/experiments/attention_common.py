"""What both attention-study steps share: one model's training run, its record, its figures."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from digitstudy.config import TrainConfig
from digitstudy.models.attention import CBAM, attention_weights
from digitstudy.models.attention_cnn import BlockSettings, build_named
from digitstudy.models.training import evaluate_classifier, fit, seed_everything
from digitstudy.reporting.plots_attention import (
    plot_channel_weights,
    plot_histories,
    plot_map_overlays,
)
from digitstudy.reporting.records import ResultRecord, classification_record, save_record

log = logging.getLogger(__name__)


@dataclass
class Split:
    x: np.ndarray  # float32 (N, H, W, C) in [0, 1]
    y: np.ndarray  # int (N,)


@dataclass
class Run:
    experiment: str  # e.g. "p4a-attention-mnist"
    part: str
    model: str
    seed: int
    train: TrainConfig
    clipnorm: float | None = None
    input_noise: float = 0.0
    cbam_pooling: tuple[str, ...] = ("avg",)  # the profile's cbam_channel_pooling


def train_and_evaluate(run: Run, profile_name: str, train: Split, validation: Split | None,
                       test: Split, result: Path, notes: list[str]) -> tuple[keras.Model,
                                                                            ResultRecord]:
    """Seed, build, fit (validation for curves/early stopping), test, write the record."""
    seed_everything(run.seed)
    model = build_named(run.model, train.x.shape[1:], input_noise=run.input_noise,
                        blocks=BlockSettings(cbam_pooling=tuple(run.cbam_pooling)))
    if any(isinstance(layer, CBAM) for layer in model.layers):
        notes = [*notes, f"CBAM channel attention pools {' + '.join(run.cbam_pooling)} "
                 f"({'the study' if run.cbam_pooling == ('avg',) else 'not the study'}: its "
                 "text names global average pooling only; Woo et al. use avg + max)"]
    fitted = fit(model, train.x, train.y, None if validation is None else (validation.x,
                                                                           validation.y),
                 run.train, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                 seed=run.seed, name=f"{run.experiment}[{run.model}]", clipnorm=run.clipnorm)
    loss, acc, y_pred = evaluate_classifier(model, test.x, test.y)
    log.info("%s %s seed %d: test accuracy %.4f, loss %.4f, %.1f s for %d epochs",
             run.experiment, run.model, run.seed, acc, loss, fitted.seconds, fitted.epochs_run)
    record = classification_record(
        experiment=run.experiment, part=run.part, cell={"model": run.model}, seed=run.seed,
        profile=profile_name, accuracy=acc, loss=loss, y_true=test.y, y_pred=y_pred,
        train_images=len(train.y), epochs_run=fitted.epochs_run, train_seconds=fitted.seconds,
        history=fitted.history, metrics={"params": float(model.count_params())}, notes=notes)
    record.files["curves"] = _name(plot_histories(
        {run.model: fitted.history}, result / "curves.png",
        title=f"{run.model}: accuracy and loss per epoch (seed {run.seed})"), result)
    return model, record


def _name(path: Path, result: Path) -> str:
    return str(path.relative_to(result))


def example_indices(labels: np.ndarray, digits: list[int] | None = None,
                    count: int | None = None) -> np.ndarray:
    """The first test example of each of ``digits`` (absent digits are skipped), or of
    the first ``count`` distinct digits."""
    present = [int(d) for d in np.unique(labels)]
    wanted = [d for d in (digits if digits is not None else present) if d in present]
    if count is not None:
        wanted = wanted[:count]
    return np.array([int(np.flatnonzero(labels == d)[0]) for d in wanted], dtype=np.int64)


def example_titles(record: ResultRecord, pick: np.ndarray) -> list[str]:
    """"digit <true> (pred <predicted>)" for the picked test examples."""
    y_true, y_pred = (np.asarray(v)[pick] for v in (record.predictions.y_true,
                                                    record.predictions.y_pred))
    return [f"digit {t} (pred {p})" for t, p in zip(y_true, y_pred, strict=True)]


def patch_focus(scores: np.ndarray) -> np.ndarray:
    """(N, heads, P, P) self-attention -> (N, h, w): attention each patch receives,
    averaged over heads and queries (sums to 1 over patches)."""
    focus = scores.mean(axis=(1, 2))  # (N, P)
    side = int(round(np.sqrt(focus.shape[1])))
    return focus.reshape(len(focus), side, side)


def draw_attention(model: keras.Model, images: np.ndarray, titles: list[str],
                   result: Path) -> dict[str, str]:
    """Figures of every attention block's weights for ``images``; {file stem: file name}.

    Spatial maps -> ``attention_map_<block>.png``; self-attention ->
    ``patch_focus_<block>.png``; channel weights of all blocks -> ``channel_weights.png``.
    """
    files: dict[str, Path] = {}
    channels: dict[str, np.ndarray] = {}
    for block, weights in attention_weights(model, images).items():
        if "spatial" in weights:
            files[f"attention_map_{block}"] = plot_map_overlays(
                images, weights["spatial"][..., 0], titles,
                result / f"attention_map_{block}.png", map_label="spatial weight",
                title=f"{model.name}: spatial attention of {block}")
        if "patches" in weights:
            files[f"patch_focus_{block}"] = plot_map_overlays(
                images, patch_focus(weights["patches"]), titles,
                result / f"patch_focus_{block}.png", map_label="attention share",
                interpolation="nearest", vmin=None, vmax=None,
                title=f"{model.name}: attention received per patch ({block}, mean over "
                      "heads and queries)")
        if "channel" in weights:
            channels[block] = weights["channel"]
    if channels:
        files["channel_weights"] = plot_channel_weights(
            channels, titles, result / "channel_weights.png",
            title=f"{model.name}: channel attention weights")
    return {k: _name(p, result) for k, p in files.items()}


def finish(record: ResultRecord, result: Path) -> ResultRecord:
    save_record(record, result)
    log.info("%s: record and %d figure(s) in %s", record.key, len(record.files), result)
    return record
