"""The proposed pipeline of study 3.4 (Table 6): 300 real + 1000 augmented per class -> a GAN
trained on those -> synthetic {0, 1000, 2000, 3000} per class -> the Table 2 CNN on
real + augmented + synthetic, compared with the best 1000-real case of Table 5.

The augmented images are the first ``augmented_per_class`` per class of the augment step's
pool for ``proposed.real_size`` (the same images the P2 cells use). The GAN is synthesised
from and scored with the shared ``p3-synthesize`` and ``p3-gan-quality`` steps.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from digitstudy.config.p3 import PROPOSED
from digitstudy.config.sections import SettingsView
from digitstudy.data.reduced_mnist import ReducedMNIST, load_reduced, per_class_prefix
from digitstudy.experiments.augmented_pools import load_pool
from digitstudy.experiments.cnn_cell import run_cell
from digitstudy.experiments.gan_grid import (
    TrainingSet,
    load_synthetic,
    train_and_save_gan,
)
from digitstudy.reporting.records import ResultRecord

log = logging.getLogger(__name__)



def real_and_augmented(settings: SettingsView, data: ReducedMNIST, pools: Path) -> TrainingSet:
    """``proposed.real_size`` real + the first ``augmented_per_class`` augmented per class."""
    cfg = settings.p3.proposed
    x_real, y_real = data.train_subset(cfg.real_size)
    x_pool, y_pool, meta = load_pool(pools, cfg.real_size, data.meta["fingerprint"])
    idx = per_class_prefix(y_pool, cfg.augmented_per_class, what=f"augmented images in {pools}")
    x = np.concatenate([x_real, x_pool[idx]])
    y = np.concatenate([y_real, y_pool[idx]])
    desc = (f"{PROPOSED}: {cfg.real_size} real + {cfg.augmented_per_class} augmented "
            f"({meta.get('method', 'augmented')}) per class = {len(y)} images")
    return TrainingSet(x, y, desc, data.notes)


def train_gan_proposed_step(settings: SettingsView, *, reduced: Path, pools: Path,
                            gan: Path) -> None:
    """Study 3.4 step 2: the GAN trained on the real + augmented set (``proposed.gan_epochs``)."""
    data = load_reduced(reduced)
    train_and_save_gan(settings, real_and_augmented(settings, data, pools), gan, train_set=PROPOSED,
                       epochs=settings.p3.proposed.gan_epochs)


def proposed_cell_step(settings: SettingsView, *, reduced: Path, pools: Path, synthetic: Path,
                       result: Path, synthetic_count: int, seed: int) -> ResultRecord:
    """One Table 6 cell: real + augmented + ``synthetic_count`` per class from the proposed GAN."""
    cfg = settings.p3.proposed
    data = load_reduced(reduced)
    train = real_and_augmented(settings, data, pools)
    parts, notes = [(train.x, train.y)], train.notes
    if synthetic_count:
        x_syn, y_syn, meta = load_synthetic(synthetic, synthetic_count, PROPOSED)
        parts.append((x_syn, y_syn))
        notes = notes + meta["notes"]
    cell = {"real": cfg.real_size, "augmented": cfg.augmented_per_class,
            "synthetic": synthetic_count}
    return run_cell(settings, cell, data, parts, seed=seed, notes=notes, result=result)
