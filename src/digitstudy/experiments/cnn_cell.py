"""The Table 2 CNN cell every ReducedMNIST grid shares (Tables 3, 5 and 6).

A cell trains a fresh Table 2 CNN on the concatenation of some training parts (real
images, an augmented prefix, a synthetic prefix) and scores it on the fixed ReducedMNIST
test set. P2's augmentation cells, P3's real + synthetic cells and the proposed pipeline's
cells are siblings over this one block.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitstudy.augment import to_float
from digitstudy.config import TrainConfig
from digitstudy.data.reduced_mnist import ReducedMNIST
from digitstudy.models.cnn import build_table2_cnn
from digitstudy.models.training import evaluate_classifier, fit, seed_everything
from digitstudy.reporting.records import ResultRecord, classification_record, save_record

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)


@dataclass
class CnnResult:
    test_accuracy: float
    test_loss: float
    y_pred: np.ndarray
    history: dict[str, list[float]]
    train_seconds: float
    epochs_run: int


def fit_table2_cnn(x_train: np.ndarray, y_train: np.ndarray, train_cfg: TrainConfig, *,
                   seed: int, name: str):
    """A fresh Table 2 CNN (softmax outputs) fitted for fixed epochs; the model and its fit."""
    if train_cfg.patience is not None or train_cfg.reduce_lr is not None:
        raise ValueError(f"{name}: the Table 2 CNN trains for fixed epochs without validation "
                         "data; set patience and reduce_lr to null")
    seed_everything(seed)
    x_tr = to_float(x_train)
    model = build_table2_cnn(input_shape=x_tr.shape[1:])
    fitted = fit(model, x_tr, y_train.astype(np.int32), None, train_cfg,
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"], seed=seed, name=name)
    return model, fitted


def train_and_test_cnn(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                       y_test: np.ndarray, train_cfg: TrainConfig, *, seed: int,
                       name: str) -> CnnResult:
    """Fit a fresh Table 2 CNN (Adam, sparse CE) on any training set and score it on the test set.

    Images are ``(n, 28, 28)`` uint8 or float in [0, 1]; no validation data (the study trains
    for a fixed number of epochs), so ``train_cfg.patience`` must be null.
    """
    model, fitted = fit_table2_cnn(x_train, y_train, train_cfg, seed=seed, name=name)
    loss, acc, y_pred = evaluate_classifier(model, to_float(x_test), y_test.astype(np.int64))
    log.info("%s: %d train images, test accuracy %.4f, loss %.4f, %.1fs", name, len(y_train),
             acc, loss, fitted.seconds)
    return CnnResult(acc, loss, y_pred, fitted.history, fitted.seconds, fitted.epochs_run)


def run_cell(settings: SettingsView, cell: dict, data: ReducedMNIST,
             parts: list[tuple[np.ndarray, np.ndarray]], *, seed: int, notes: list[str],
             result: Path) -> ResultRecord:
    """Train the Table 2 CNN (``profile.p2.classifier.train``) on the concatenated (x, y)
    ``parts``, score it on the ReducedMNIST test set, write and return the record."""
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    name = f"{settings.step}[{','.join(f'{k}={v}' for k, v in cell.items())}]"
    res = train_and_test_cnn(x, y, data.x_test, data.y_test, settings.p2.classifier.train,
                             seed=seed, name=name)
    record = classification_record(
        experiment=settings.step, part=settings.part, cell=cell, seed=seed, profile=settings.name,
        accuracy=res.test_accuracy, loss=res.test_loss, y_true=data.y_test, y_pred=res.y_pred,
        train_images=len(y), epochs_run=res.epochs_run, train_seconds=res.train_seconds,
        history=res.history, notes=list(dict.fromkeys(notes)))
    save_record(record, result)
    return record
