"""The study's seven image augmentations plus "combined" (study section 2.1), batch-vectorised.

Images are ``(n, h, w)`` arrays, uint8 (0-255) or float in [0, 1]; every function returns
float32 in [0, 1] of the same shape and never touches labels. Randomness comes from one
seed. All geometric transforms of an image (rotation, translation, zoom, elastic) are
folded into one sampling grid and resampled once, bilinearly with zero fill, for the
whole batch at a time; the photometric ones (brightness, white noise, cutout) follow.

``combined`` draws, per image, each transform independently with probability
``strength`` (0 = identity, 1 = all seven), as the study describes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.ndimage import gaussian_filter

from digitstudy.config.p2 import AugmentConfig

log = logging.getLogger(__name__)

GEOMETRIC = ("rotation", "translation", "zoom", "elastic")
PHOTOMETRIC = ("brightness", "white_noise", "cutout")
# Order of the study's Figure 5.
TRANSFORMS = ("white_noise", "brightness", "cutout", "rotation", "translation", "zoom", "elastic")
AUGMENTATIONS = (*TRANSFORMS, "combined")
CHUNK = 2048  # images per vectorised block (bounds memory); random draws go block by block,
# so changing it changes which parameters each image gets (keep it fixed for reproducibility)


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 0-255 -> float32 0-1; float input is checked to lie in [0, 1]."""
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255)
    images = np.asarray(images, dtype=np.float32)
    if images.size and (images.min() < 0 or images.max() > 1):
        raise ValueError(f"float images must lie in [0, 1], got [{images.min()}, {images.max()}]")
    return images


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)


def bilinear_sample(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``out[b, i, j] = images[b]`` at (rows[b, i, j], cols[b, i, j]), zero outside the image."""
    n, h, w = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1))).reshape(-1)  # zero border
    r = np.clip(rows, -1, h) + 1  # padded coordinates in [0, h + 1]
    c = np.clip(cols, -1, w) + 1
    r0 = np.minimum(np.floor(r), h).astype(np.intp)
    c0 = np.minimum(np.floor(c), w).astype(np.intp)
    fr, fc = (r - r0).astype(np.float32), (c - c0).astype(np.float32)
    stride = w + 2
    idx = (np.arange(n) * (h + 2) * stride)[:, None, None] + r0 * stride + c0
    top = padded[idx] * (1 - fc) + padded[idx + 1] * fc
    bottom = padded[idx + stride] * (1 - fc) + padded[idx + stride + 1] * fc
    return top * (1 - fr) + bottom * fr


def warp(images: np.ndarray, angles_deg: np.ndarray, zooms: np.ndarray, shifts: np.ndarray,
         displacement: np.ndarray | None = None) -> np.ndarray:
    """Rotate about the centre, scale by ``zooms`` (>1 enlarges), shift by ``shifts`` (n, 2)
    pixels (rows, cols), then displace by ``displacement`` (n, 2, h, w) pixels; one resample."""
    n, h, w = images.shape
    theta = np.deg2rad(angles_deg.astype(np.float32))[:, None, None]
    cos, sin = np.cos(theta), np.sin(theta)
    inv_zoom = (1 / zooms.astype(np.float32))[:, None, None]
    cr, cc = np.float32((h - 1) / 2), np.float32((w - 1) / 2)
    dr = np.arange(h, dtype=np.float32)[None, :, None] - cr
    dc = np.arange(w, dtype=np.float32)[None, None, :] - cc
    # inverse map: where each output pixel comes from in the input
    rows = (cos * dr - sin * dc) * inv_zoom + cr - shifts[:, 0, None, None].astype(np.float32)
    cols = (sin * dr + cos * dc) * inv_zoom + cc - shifts[:, 1, None, None].astype(np.float32)
    if displacement is not None:
        rows = rows + displacement[:, 0]
        cols = cols + displacement[:, 1]
    return np.clip(bilinear_sample(images, rows, cols), 0, 1)


def gaussian_matrix(size: int, sigma: float) -> np.ndarray:
    """``G`` with ``G @ v == gaussian_filter(v, sigma, mode="constant")`` for vectors of ``size``:
    smoothing a batch of fields becomes two batched matrix products."""
    return gaussian_filter(np.eye(size, dtype=np.float32), sigma, axes=(0,), mode="constant",
                           truncate=3.0)


def elastic_displacement(rng: np.random.Generator, n: int, shape: tuple[int, int], alpha: float,
                         sigma: float) -> np.ndarray:
    """Simard et al. (2003): U(-1, 1) fields, Gaussian-smoothed, scaled by ``alpha``; (n, 2, h,
    w)."""
    field = rng.uniform(-1, 1, size=(n, 2, *shape)).astype(np.float32)
    g_rows, g_cols = gaussian_matrix(shape[0], sigma), gaussian_matrix(shape[1], sigma)
    return (g_rows @ field @ g_cols.T) * np.float32(alpha)


def _apply_block(x: np.ndarray, probs: Mapping[str, float], cfg: AugmentConfig,
                 rng: np.random.Generator) -> np.ndarray:
    """One block: per image, each transform with its probability; geometric ones in one warp."""
    n, h, w = x.shape
    chosen = {t: rng.random(n) < probs[t] for t in TRANSFORMS if probs.get(t, 0) > 0}
    out = x.copy()
    geo = np.zeros(n, dtype=bool)
    for t in GEOMETRIC:
        if t in chosen:
            geo |= chosen[t]
    if geo.any():
        sel = {t: chosen[t][geo] for t in GEOMETRIC if t in chosen}
        m = int(geo.sum())
        angles = np.zeros(m, np.float32)
        zooms = np.ones(m, np.float32)
        shifts = np.zeros((m, 2), np.float32)
        disp = None
        if "rotation" in sel:
            a = cfg.rotation_degrees
            angles = np.where(sel["rotation"], rng.uniform(-a, a, m), 0).astype(np.float32)
        if "translation" in sel:
            t = cfg.translation_pixels
            shifts = np.where(sel["translation"][:, None], rng.uniform(-t, t, (m, 2)), 0)
        if "zoom" in sel:
            lo, hi = cfg.zoom_range
            zooms = np.where(sel["zoom"], rng.uniform(lo, hi, m), 1).astype(np.float32)
        if "elastic" in sel and sel["elastic"].any():
            disp = np.zeros((m, 2, h, w), np.float32)
            disp[sel["elastic"]] = elastic_displacement(
                rng, int(sel["elastic"].sum()), (h, w), cfg.elastic_alpha, cfg.elastic_sigma)
        out[geo] = warp(x[geo], angles, zooms, shifts, disp)
    if "brightness" in chosen:
        d = cfg.brightness_max_delta
        delta = np.where(chosen["brightness"], rng.uniform(-d, d, n), 0).astype(np.float32)
        out = np.clip(out + delta[:, None, None], 0, 1)
    if "white_noise" in chosen:
        noisy = chosen["white_noise"]
        noise = rng.normal(0, cfg.white_noise_std, (int(noisy.sum()), h, w)).astype(np.float32)
        out[noisy] = np.clip(out[noisy] + noise, 0, 1)
    if "cutout" in chosen:
        size = min(cfg.cutout_size, h, w)
        top = rng.integers(0, h - size + 1, n)[:, None, None]
        left = rng.integers(0, w - size + 1, n)[:, None, None]
        rr = np.arange(h)[None, :, None]
        cc = np.arange(w)[None, None, :]
        box = (rr >= top) & (rr < top + size) & (cc >= left) & (cc < left + size)
        out[box & chosen["cutout"][:, None, None]] = 0
    return out


def probabilities(name: str, strength: float) -> dict[str, float]:
    """Per-transform probabilities of an augmentation: 1 for a single one, ``strength`` each
    for "combined"."""
    if name == "combined":
        return dict.fromkeys(TRANSFORMS, strength)
    if name not in TRANSFORMS:
        raise ValueError(f"unknown augmentation {name!r}; known: {', '.join(AUGMENTATIONS)}")
    return {name: 1.0}


Seed = int | Sequence[int] | np.random.SeedSequence | np.random.Generator


def augment(images: np.ndarray, name: str, cfg: AugmentConfig, seed: Seed) -> np.ndarray:
    """``images`` augmented by ``name`` (a transform or "combined"); float32 in [0, 1]."""
    if images.ndim != 3:
        raise ValueError(f"images must be (n, h, w), got shape {images.shape}")
    probs = probabilities(name, cfg.strength)
    rng = np.random.default_rng(seed)
    x = to_float(images)
    out = np.empty_like(x)
    for start in range(0, len(x), CHUNK):
        out[start:start + CHUNK] = _apply_block(x[start:start + CHUNK], probs, cfg, rng)
    return out


def balanced_sources(labels: np.ndarray, per_class: int, seed: Seed) -> np.ndarray:
    """Indices into ``labels``: ``per_class`` per class, cycling through a seeded permutation
    of the class (each real image used as evenly as possible), rank-major so the first
    ``10 * k`` entries hold ``k`` per class."""
    rng = np.random.default_rng(seed)
    per_digit = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        if members.size == 0:
            raise ValueError(f"class {digit} has no real images to augment")
        per_digit.append(np.resize(members[rng.permutation(members.size)], per_class))
    return np.stack(per_digit, axis=1).reshape(-1)


def generate_augmented(images: np.ndarray, labels: np.ndarray, per_class: int,
                       cfg: AugmentConfig, seed: int | Sequence[int], name: str = "combined"):
    """``per_class`` augmented samples of every class from a real pool.

    Returns ``(images float32 [0, 1], labels, source indices)``; the label of each sample is
    the label of the real image it was made from. Rank-major order: any prefix of
    ``10 * k`` samples is a balanced ``k``-per-class pool.
    """
    source_seed, augment_seed = np.random.SeedSequence(seed).spawn(2)
    sources = balanced_sources(labels, per_class, source_seed)
    out = augment(images[sources], name, cfg, augment_seed)
    log.info("generated %d %s-augmented images (%d per class)", len(sources), name, per_class)
    return out, labels[sources], sources
