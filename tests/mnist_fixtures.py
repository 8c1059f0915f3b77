"""Synthetic MNIST-like data: separable 28x28 'digits' and idx files like the canonical ones."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray) -> bytes:
    """An idx file of unsigned bytes: magic (0, 0, 0x08, ndim), big-endian dims, data."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    """``array`` as an idx file at ``path``, gzipped when the name ends in ``.gz``."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def block_digits(per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Separable uint8 (10 * per_class, 28, 28) "digits": class k is a bright 8x6 block at its
    own place on a 3x4 grid, jittered by up to 1 pixel, with faint noise; labels uint8,
    classes interleaved. The one synthetic-digit writer of the tests."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10, dtype=np.uint8), per_class)
    x = rng.integers(0, 20, (len(labels), 28, 28)).astype(np.uint8)
    rows = 2 + (labels // 4) * 9 + rng.integers(-1, 2, len(labels))
    cols = 1 + (labels % 4) * 7 + rng.integers(-1, 2, len(labels))
    rr, cc = np.arange(28)[None, :, None], np.arange(28)[None, None, :]
    block = ((rr >= rows[:, None, None]) & (rr < rows[:, None, None] + 8)
             & (cc >= cols[:, None, None]) & (cc < cols[:, None, None] + 6))
    x[block] = rng.integers(180, 256, int(block.sum()))
    return x, labels


def write_mnist_t10k(folder: Path, per_class: int, seed: int = 0) -> Path:
    """Only the t10k pair, as in the shared data folder (train and test share one pool)."""
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = block_digits(per_class, seed)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return folder
