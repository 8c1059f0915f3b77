"""Image panels shared by data steps (previews) and the report: one Agg-rendered PNG each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def save_figure(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def show_image(ax, image: np.ndarray, **kwargs) -> None:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_image_grid(images: np.ndarray, titles: Sequence[str], path: Path, *, title: str,
                    columns: int = 5) -> Path:
    rows = -(-len(images) // columns)
    fig = Figure(figsize=(2.2 * columns, 2.3 * rows), layout="constrained")
    for i, (image, label) in enumerate(zip(images, titles, strict=True)):
        ax = fig.add_subplot(rows, columns, i + 1)
        show_image(ax, image)
        ax.set_title(label, fontsize=9)
    fig.suptitle(title)
    return save_figure(fig, path)
