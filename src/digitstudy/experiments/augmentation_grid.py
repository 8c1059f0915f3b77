"""Problem 2 (study section 2.3): the Table 3 grid cells.

``p2-classifier-cell`` trains the Table 2 CNN (experiments/cnn_cell.py) on the real subset
plus a prefix of the augmented pool of its real size (experiments/augmented_pools.py) and
scores it on the fixed test set.
"""

from __future__ import annotations

from pathlib import Path

from digitstudy.config.sections import SettingsView
from digitstudy.data.reduced_mnist import ReducedMnistError, load_reduced, per_class_prefix
from digitstudy.experiments.augmented_pools import load_pool
from digitstudy.experiments.cnn_cell import run_cell
from digitstudy.reporting.records import ResultRecord


def classifier_cell_step(settings: SettingsView, *, reduced: Path, pools: Path, result: Path,
                         real_size: int, generated: int, seed: int) -> ResultRecord:
    """One Table 3 cell: the Table 2 CNN on ``real_size`` real + ``generated`` augmented
    images per class (the pool made from that real size), scored on the fixed test set."""
    data = load_reduced(reduced)
    parts = [data.train_subset(real_size)]
    if generated:
        x_pool, y_pool, _ = load_pool(pools, real_size, data.meta["fingerprint"])
        try:
            idx = per_class_prefix(y_pool, generated, what="augmented images in the pool")
        except ReducedMnistError as err:
            raise ReducedMnistError(f"{pools}: {err}") from None
        parts.append((x_pool[idx], y_pool[idx]))
    cell = {"real": real_size, "generated": generated}
    return run_cell(settings, cell, data, parts, seed=seed, notes=data.notes,
                    result=result)
