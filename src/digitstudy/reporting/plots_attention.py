"""Figures of the attention study (study Figures 8-16): curves, attention maps, overlays.

Plain matplotlib ``Figure`` objects rendered by the Agg canvas to PNG (no pyplot state).
Maps are drawn over the image with the same extent, so a 13x13 or 5x5 map is stretched
over a 28x28 digit without resampling it here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from digitstudy.image_grid import save_figure, show_image

HISTORY_PANELS = (("accuracy", "Accuracy"), ("loss", "Loss"))


def plot_histories(histories: Mapping[str, Mapping[str, Sequence[float]]], path: Path, *,
                   title: str) -> Path:
    """Train (solid) and validation (dashed) accuracy and loss per epoch, one colour per run
    (study Figures 8-11 for one model, Figure 15 for several)."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    for col, (metric, label) in enumerate(HISTORY_PANELS):
        ax = fig.add_subplot(1, 2, col + 1)
        for k, (name, hist) in enumerate(histories.items()):
            colour = f"C{k}"
            for key, style, suffix in ((metric, "-", "train"), (f"val_{metric}", "--", "val")):
                if key in hist:
                    values = hist[key]
                    ax.plot(np.arange(1, len(values) + 1), values, style, color=colour,
                            label=f"{name} {suffix}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs only
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=min(4, max(1, len(ax.get_lines()))), frameon=False)
    fig.suptitle(title)
    return save_figure(fig, path)


def plot_map_overlays(images: np.ndarray, maps: np.ndarray, titles: Sequence[str], path: Path,
                      *, title: str, map_label: str, interpolation: str = "bilinear",
                      vmin: float | None = 0.0, vmax: float | None = 1.0) -> Path:
    """One row per example: the image, the map, the map over the image.

    ``maps``: ``(N, h, w)`` at any resolution; drawn over the image's full extent.
    ``vmin``/``vmax`` fix the colour scale (None = per map), e.g. for patch shares.
    """
    n = len(images)
    fig = Figure(figsize=(7.5, 2.5 * n), layout="constrained")
    for i in range(n):
        image, amap = np.asarray(images[i]), np.asarray(maps[i])
        h, w = image.shape[:2]
        extent = (-0.5, w - 0.5, h - 0.5, -0.5)
        ax = fig.add_subplot(n, 3, 3 * i + 1)
        show_image(ax, image)
        ax.set_title(titles[i], fontsize=9)
        ax = fig.add_subplot(n, 3, 3 * i + 2)
        shown = ax.imshow(amap, cmap="jet", interpolation="nearest", vmin=vmin, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{map_label} ({amap.shape[0]}x{amap.shape[1]})", fontsize=9)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        ax = fig.add_subplot(n, 3, 3 * i + 3)
        show_image(ax, image)
        ax.imshow(amap, cmap="jet", alpha=0.45, extent=extent, interpolation=interpolation,
                  vmin=vmin, vmax=vmax)
        ax.set_title("overlay", fontsize=9)
    fig.suptitle(title)
    return save_figure(fig, path)


def plot_channel_weights(weights: Mapping[str, np.ndarray], labels: Sequence[str], path: Path,
                         *, title: str) -> Path:
    """Per-channel attention weights: one panel per block, one bar series per example."""
    fig = Figure(figsize=(10, 2.8 * len(weights)), layout="constrained")
    for row, (block, w) in enumerate(weights.items()):
        ax = fig.add_subplot(len(weights), 1, row + 1)
        w = np.asarray(w)  # (N, C)
        width = 0.8 / len(w)
        for i, (values, label) in enumerate(zip(w, labels, strict=True)):
            ax.bar(np.arange(w.shape[1]) + (i - (len(w) - 1) / 2) * width, values, width,
                   label=label)
        ax.set_ylim(0, 1)
        ax.set_xlabel("channel")
        ax.set_ylabel("weight")
        ax.set_title(block, fontsize=9)
        ax.legend(fontsize=7, ncol=min(len(labels), 5))
    fig.suptitle(title)
    return save_figure(fig, path)
