"""Problem 4 Part A: attention on ReducedMNIST (study section 5, Tables 7-10, Figures 8-14).

One step runs one model with one seed on Part A's seeded, stratified ReducedMNIST sample
(the ``p4a-reduced-mnist`` step: the study's 5000 train / 1000 test; pixels / 255 here),
the test set as validation data, Adam
with defaults for a fixed number of epochs; the record holds test accuracy, the fit's
wall time and the paired test predictions; the figures are the accuracy/loss curves and
the model's attention maps over one real test digit of each ``map_digits``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from digitstudy.config.p4 import MNIST_MODEL_NAMES
from digitstudy.config.sections import SettingsView
from digitstudy.data.reduced_mnist import load_reduced
from digitstudy.experiments import attention_common as common
from digitstudy.reporting.records import ResultRecord

log = logging.getLogger(__name__)

def _as_split(images: np.ndarray, labels: np.ndarray) -> common.Split:
    return common.Split(images[..., None].astype(np.float32) / 255.0, labels.astype(np.int64))


def attention_mnist_step(settings: SettingsView, *, reduced: Path, result: Path, model: str,
                         seed: int) -> ResultRecord:
    """Train and test one Part A model (``profile.p4a``) on the p4a-reduced-mnist sample."""
    if model not in MNIST_MODEL_NAMES:
        raise ValueError(f"{settings.step}: unknown model {model!r}; known: {MNIST_MODEL_NAMES}")
    cfg = settings.p4a
    data = load_reduced(reduced)
    train = _as_split(data.x_train, data.y_train)
    test = _as_split(data.x_test, data.y_test)
    notes = ["the test set is also the validation data (study section 5.2.3)", *data.notes]
    run = common.Run(settings.step, settings.part, model, seed, cfg.train,
                     cbam_pooling=tuple(cfg.cbam_channel_pooling))
    net, record = common.train_and_evaluate(run, settings.name, train, test, test, result, notes)
    pick = common.example_indices(test.y, digits=cfg.map_digits)
    titles = common.example_titles(record, pick)
    record.files.update(common.draw_attention(net, test.x[pick], titles, result))
    return common.finish(record, result)
