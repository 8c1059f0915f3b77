"""Filtered synthesis (beyond the study: "synthetic data that never hurts").

A synthetic digit is kept only when a Table 2 CNN trained on the row's real training set
gives it its conditioning label with probability >= ``p3.filter.threshold``. Digits are
drawn in batches (one generator call and one classifier call per round, for the classes
whose pool is not full yet) until every class holds ``per_class``; a class that needs more
than ``max_draws_factor x per_class`` draws is an error naming the settings.

``p3-synthesize-filtered`` writes the same pool layout as ``p3-synthesize`` (rank-major
``synthetic.npz`` + ``synthetic.json``), so the Table 5 cells and the quality step read it
unchanged; its ``variant`` label marks the rows it feeds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitstudy.augment import to_float
from digitstudy.config.sections import SettingsView
from digitstudy.data.reduced_mnist import load_reduced
from digitstudy.experiments.cnn_cell import fit_table2_cnn
from digitstudy.experiments.gan_grid import (
    SYNTHETIC_FILE,
    SYNTHETIC_META,
    load_gan_meta,
    load_generator,
    synthetic_per_class,
)
from digitstudy.models.gan import NUM_CLASSES, balanced_labels, generate_images

log = logging.getLogger(__name__)

Generate = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (noise, labels) -> uint8 images
Classify = Callable[[np.ndarray], np.ndarray]  # uint8 images -> class probabilities (n, 10)


class FilterExhausted(ValueError):
    """A class's pool could not be filled within the draw limit."""


@dataclass
class FilteredPool:
    x: np.ndarray  # uint8 (10 * per_class, 28, 28), rank-major like p3-synthesize
    y: np.ndarray
    confidence: np.ndarray  # the classifier's probability of each kept digit's label
    draws: np.ndarray  # (10,) digits generated per class

    @property
    def acceptance(self) -> np.ndarray:
        """Kept / drawn per class."""
        return np.bincount(self.y, minlength=NUM_CLASSES) / np.maximum(self.draws, 1)


def filtered_pool(generate: Generate, classify: Classify, per_class: int, *, noise_dim: int,
                  threshold: float, max_draws_factor: int, batch_size: int,
                  seed: int) -> FilteredPool:
    """``per_class`` digits of every class whose label probability is >= ``threshold``."""
    rng = np.random.default_rng(seed)
    limit = max_draws_factor * per_class
    need = np.full(NUM_CLASSES, per_class)
    draws = np.zeros(NUM_CLASSES, dtype=np.int64)
    kept_x: list[list[np.ndarray]] = [[] for _ in range(NUM_CLASSES)]
    kept_p: list[list[np.ndarray]] = [[] for _ in range(NUM_CLASSES)]
    while need.any():
        open_ = np.flatnonzero(need > 0)
        spent = open_[draws[open_] >= limit]
        if spent.size:
            c = int(spent[0])
            raise FilterExhausted(
                f"filtered synthesis: class {c} kept {per_class - need[c]}/{per_class} digits "
                f"with p(label) >= {threshold} after {draws[c]} draws, the limit "
                f"(p3.filter.max_draws_factor {max_draws_factor} x {per_class} per class); "
                "lower p3.filter.threshold or raise p3.filter.max_draws_factor")
        counts = np.minimum(max(1, batch_size // len(open_)), limit - draws[open_])
        labels = np.repeat(open_, counts)
        images = generate(rng.standard_normal((len(labels), noise_dim)).astype(np.float32),
                          labels)
        conf = np.asarray(classify(images))[np.arange(len(labels)), labels]
        ok = conf >= threshold
        for c in open_:
            idx = np.flatnonzero(ok & (labels == c))[:need[c]]
            kept_x[c].append(images[idx])
            kept_p[c].append(conf[idx])
            need[c] -= len(idx)
        draws[open_] += counts

    def rank_major(parts):  # (10, per_class, ...) -> (per_class * 10, ...), labels 0..9, 0..9
        stacked = np.stack([np.concatenate(p) for p in parts])
        return np.swapaxes(stacked, 0, 1).reshape(-1, *stacked.shape[2:])

    return FilteredPool(rank_major(kept_x), balanced_labels(per_class), rank_major(kept_p), draws)


def filtered_synthesize_step(settings: SettingsView, *, reduced: Path, gan: Path, synthetic: Path,
                             real_size: int, variant: str) -> None:
    """The filtered pool of one Table 5 row's GAN (``real_size`` real per class)."""
    p3, f = settings.p3, settings.p3.filter
    meta = load_gan_meta(gan)
    if meta["train_set"] != str(real_size):
        raise ValueError(f"p3-synthesize-filtered: {gan} holds the GAN of {meta['train_set']!r}, "
                         f"not of the {real_size}-per-class row")
    data = load_reduced(reduced)
    x_real, y_real = data.train_subset(real_size)
    name = f"p3-synthesize-filtered[{real_size}] filter CNN"
    model, _ = fit_table2_cnn(x_real, y_real, settings.p2.classifier.train, seed=f.seed, name=name)
    generator = load_generator(gan, f.seed)  # dropout masks when synthesising in training mode
    per_class = synthetic_per_class(settings)
    pool = filtered_pool(
        lambda z, y: generate_images(generator, z, y, training=p3.synthesis_training_mode,
                                     batch_size=f.batch_size),
        lambda x: model.predict(to_float(x), batch_size=f.batch_size, verbose=0),
        per_class, noise_dim=generator.input_shape[0][-1], threshold=f.threshold,
        max_draws_factor=f.max_draws_factor, batch_size=f.batch_size, seed=f.seed)
    synthetic.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(synthetic / SYNTHETIC_FILE, x=pool.x, y=pool.y,
                        confidence=pool.confidence)
    acceptance = pool.acceptance
    note = (f"filtered synthesis: kept digits a Table 2 CNN on {real_size} real per class gives "
            f"their label with p >= {f.threshold}; acceptance {acceptance.min():.2f}-"
            f"{acceptance.max():.2f} per class ({int(pool.draws.sum())} draws)")
    (synthetic / SYNTHETIC_META).write_text(json.dumps(
        {"train_set": meta["train_set"], "gan_tag": meta["tag"], "per_class": per_class,
         "seed": f.seed, "variant": variant, "notes": [*meta["notes"], note],
         "filter": {"threshold": f.threshold, "draws": pool.draws.tolist(),
                    "acceptance": acceptance.round(4).tolist(),
                    "training_mode": p3.synthesis_training_mode}}, indent=2))
    log.info("%s -> %s", note, synthetic)
