"""Problem 2 (study section 2.1): the augmented pools and the Figure 5 style figure.

``p2-augment`` writes, per real size, one pool of ``max(generated_counts)`` augmented images
per class in rank-major order, so a cell with ``k`` generated per class takes the pool's
first ``k`` per class: cells stay nested and comparable. TensorFlow-free (a data step).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from digitstudy.augment import TRANSFORMS, augment, generate_augmented, to_float, to_uint8
from digitstudy.config.p2 import AugmentConfig
from digitstudy.config.sections import SettingsView
from digitstudy.data.reduced_mnist import load_reduced

log = logging.getLogger(__name__)

FIGURE_FILE = "augmentations.png"
FIGURE_DIGIT = 5  # the study's Figure 5 shows a "5"
COMBINED_SAMPLES = 4


def pool_stem(real_size: int) -> str:
    return f"pool_real{real_size}"


def save_pool(pools: Path, real_size: int, x: np.ndarray, y: np.ndarray, sources: np.ndarray,
              meta: dict) -> None:
    pools.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(pools / f"{pool_stem(real_size)}.npz", x=to_uint8(x), y=y,
                        source=sources.astype(np.int32))
    (pools / f"{pool_stem(real_size)}.json").write_text(json.dumps(meta, indent=2))


def load_pool(pools: Path, real_size: int, reduced_fingerprint: str):
    """``(x uint8, y, meta)`` of the pool made from ``real_size`` real images per class of the
    ReducedMNIST with ``reduced_fingerprint``; any mismatch is an error."""
    path = pools / f"{pool_stem(real_size)}.npz"
    if not path.is_file():
        found = sorted(p.name for p in pools.glob("pool_real*.npz"))
        raise FileNotFoundError(f"no augmented pool for {real_size} real per class at {path} "
                                f"(found {found or 'none'}; output of the augment step)")
    meta = json.loads(path.with_suffix(".json").read_text())
    if meta["reduced_fingerprint"] != reduced_fingerprint:
        raise ValueError(f"{path} was made from ReducedMNIST {meta['reduced_fingerprint']}, "
                         f"not from the given one ({reduced_fingerprint})")
    with np.load(path) as npz:
        return npz["x"], npz["y"], meta


def plot_augmentations(image: np.ndarray, cfg: AugmentConfig, path: Path, seed: int) -> Path:
    """Study Figure 5: one digit, original and each augmentation (2x4), combined samples below."""
    from matplotlib.figure import Figure  # Agg canvas by default; no pyplot state

    batch = image[None]
    panels = [("original", to_float(batch)[0])]
    panels += [(t.replace("_", " "), augment(batch, t, cfg, seed)[0]) for t in TRANSFORMS]
    combined = augment(np.repeat(batch, COMBINED_SAMPLES, axis=0), "combined", cfg, seed)
    fig = Figure(figsize=(8.4, 7.2))
    grid = fig.add_gridspec(3, 4)
    for i, (title, img) in enumerate(panels):
        ax = fig.add_subplot(grid[i // 4, i % 4])
        ax.imshow(img, cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    for j, img in enumerate(combined):
        ax = fig.add_subplot(grid[2, j])
        ax.imshow(img, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"combined #{j + 1}", fontsize=10)
        ax.axis("off")
    fig.suptitle(f"Augmentations of one digit (combined: strength {cfg.strength})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def augment_step(settings: SettingsView, *, reduced: Path, pools: Path, figure: Path,
                 real_size: int) -> None:
    """The augmented pool of ``real_size`` real images per class: ``max(generated_counts)``
    per class (``<pools>/pool_real<N>.npz`` + ``.json``), and the Figure 5 style figure in
    its own small output ``figure`` (the report reads only that)."""
    cfg = settings.p2
    data = load_reduced(reduced)
    x_real, y_real = data.train_subset(real_size)
    per_class = max(cfg.generated_counts)
    t0 = time.perf_counter()
    x_aug, y_aug, sources = generate_augmented(x_real, y_real, per_class, cfg.augment,
                                               seed=[cfg.augment.seed, real_size])
    seconds = time.perf_counter() - t0
    figure_source = np.flatnonzero(y_real == FIGURE_DIGIT)
    figure_path = plot_augmentations(x_real[figure_source[0] if figure_source.size else 0],
                                     cfg.augment, figure / FIGURE_FILE, seed=cfg.augment.seed)
    meta = {
        "real_size": real_size,
        "per_class": per_class,
        "method": "combined",
        "augment": cfg.augment.model_dump(mode="json"),
        "reduced_fingerprint": data.meta["fingerprint"],
        "seconds": seconds,
        "figure": figure_path.name,
    }
    save_pool(pools, real_size, x_aug, y_aug, sources, meta)
    log.info("augment: %d images (%d per class) from %d real per class in %.1fs -> %s",
             len(y_aug), per_class, real_size, seconds, pools)
