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
    """Separable 28x28 'digits': class d is a bright 8x8 square at a class-specific place."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), per_class)
    images = rng.integers(0, 40, size=(len(labels), 28, 28))
    for d in range(10):
        r, c = 2 + 6 * (d // 4), 2 + 6 * (d % 4)
        images[labels == d, r:r + 8, c:c + 8] = 230
    order = rng.permutation(len(labels))
    return images[order].astype(np.uint8), labels[order].astype(np.uint8)


def write_mnist_t10k(folder: Path, per_class: int, seed: int = 0) -> Path:
    """Only the t10k pair, as in the shared data folder (train and test share one pool)."""
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = block_digits(per_class, seed)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return folder
