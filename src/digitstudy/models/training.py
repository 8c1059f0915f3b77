"""The shared way every classifier and autoencoder in the study is fitted and evaluated."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import keras
import numpy as np

from digitstudy.config import TrainConfig

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the Keras backend (weights, dropout, noise)."""
    keras.utils.set_random_seed(seed)


class EpochLog(keras.callbacks.Callback):
    """One log line per epoch: the step's progress in local and Kubeflow logs."""

    def __init__(self, name: str, epochs: int):
        super().__init__()
        self.name, self.epochs = name, epochs
        self._t0 = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        shown = " ".join(f"{k}={v:.4f}" for k, v in (logs or {}).items() if k != "learning_rate")
        log.info("%s epoch %d/%d %s (%.1fs)", self.name, epoch + 1, self.epochs, shown,
                 time.perf_counter() - self._t0)


@dataclass
class FitResult:
    history: dict[str, list[float]]
    seconds: float  # wall time of model.fit (first to last epoch)
    epochs_run: int


def _take(x, index):
    """Rows ``index`` of an array or of each array of a tuple (a multi-input model's x)."""
    return tuple(a[index] for a in x) if isinstance(x, tuple | list) else x[index]


class ArrayBatches(keras.utils.PyDataset):
    """Batches of in-memory arrays for any Keras backend (no tf.data).

    With a ``seed``, epoch ``e``'s order is the permutation drawn from ``(seed, e)`` alone,
    so a fit resumed at epoch ``e`` sees the batches an uninterrupted fit sees; without one,
    the order is the arrays' own (validation, evaluation). Fit with :meth:`callback`, which
    sets the epoch from Keras's own count before each epoch's batches are read (the data
    adapter's epoch hooks are called a backend-dependent number of times).
    """

    def __init__(self, x, y, batch_size: int, *, seed: int | None = None):
        super().__init__()
        self.x, self.y, self.batch_size, self.seed = x, np.asarray(y), batch_size, seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        n = len(self.y)
        self._order = (np.arange(n) if self.seed is None
                       else np.random.default_rng((self.seed, epoch)).permutation(n))

    def callback(self) -> keras.callbacks.Callback:
        batches = self

        class EpochOrder(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                batches.set_epoch(epoch)

        return EpochOrder()

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __getitem__(self, i: int):
        index = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        return _take(self.x, index), self.y[index]


def fit(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    cfg: TrainConfig,
    *,
    loss: str,
    metrics: list[str] | None = None,
    seed: int,
    name: str,
    clipnorm: float | None = None,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> FitResult:
    """Compile with Adam(cfg.learning_rate) and fit with the study's callbacks.

    Early stopping watches ``val_loss`` with the best weights restored (when
    ``cfg.patience`` is set); ``cfg.reduce_lr`` adds ReduceLROnPlateau on ``val_loss``.
    """
    optimizer = keras.optimizers.Adam(learning_rate=cfg.learning_rate, clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics or [])
    cbs: list[keras.callbacks.Callback] = [EpochLog(name, cfg.epochs)]
    if validation is not None and cfg.patience is not None:
        cbs.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=cfg.patience, restore_best_weights=True))
    if validation is not None and cfg.reduce_lr is not None:
        cbs.append(keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=cfg.reduce_lr.factor, patience=cfg.reduce_lr.patience))
    cbs.extend(callbacks or [])
    train_ds = ArrayBatches(x, y, cfg.batch_size, seed=seed)
    cbs.append(train_ds.callback())
    val_ds = ArrayBatches(*validation, cfg.batch_size) if validation is not None else None
    t0 = time.perf_counter()
    hist = model.fit(train_ds, validation_data=val_ds, epochs=cfg.epochs, callbacks=cbs, verbose=0,
                     shuffle=False)  # ArrayBatches shuffles itself (seeded)
    seconds = time.perf_counter() - t0
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    return FitResult(history=history, seconds=seconds, epochs_run=len(hist.epoch))


def evaluate_classifier(model: keras.Model, x: np.ndarray, y: np.ndarray, batch_size: int = 256):
    """(test loss, test accuracy, predicted labels) for a softmax classifier."""
    probs = model.predict(x, batch_size=batch_size, verbose=0)
    y_pred = probs.argmax(axis=1)
    eps = 1e-7
    loss = float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], eps, 1.0))))
    acc = float(np.mean(y_pred == y))
    return loss, acc, y_pred
