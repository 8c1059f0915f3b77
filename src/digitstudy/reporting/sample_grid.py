"""Grids of generated digits, one row per class (study Figures 6 and 7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

NUM_CLASSES = 10


def first_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """``(10, per_class)`` indices: the first ``per_class`` samples of each digit, stored order."""
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    if (counts[:NUM_CLASSES] < per_class).any():
        raise ValueError(f"a grid of {per_class} per class needs that many of every digit, "
                         f"counts {counts.tolist()}")
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(NUM_CLASSES))
    return order[starts[:, None] + np.arange(per_class)[None, :]]


def plot_sample_grid(images: np.ndarray, labels: np.ndarray, path: Path, *, columns: int,
                     title: str) -> Path:
    """Save a PNG of ``columns`` images per digit (rows 0-9); images (n, 28, 28) uint8 or [0, 1]."""
    from matplotlib.figure import Figure  # Agg canvas; no pyplot state

    idx = first_per_class(labels, columns)
    tiles = np.asarray(images)[idx].astype(np.float32)
    if np.asarray(images).dtype == np.uint8:
        tiles /= 255.0
    h, w = tiles.shape[2:4]
    mosaic = tiles.transpose(0, 2, 1, 3).reshape(NUM_CLASSES * h, columns * w)
    fig = Figure(figsize=(0.45 * columns + 0.8, 0.45 * NUM_CLASSES + 0.6))
    ax = fig.add_subplot()
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks(np.arange(NUM_CLASSES) * h + h / 2, [str(d) for d in range(NUM_CLASSES)])
    ax.set_xticks([])
    ax.set_ylabel("label")
    ax.set_title(title, fontsize=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path
