"""Spoken digits as spectrogram images (study section 6): the spectrogram-images step.

Each recording becomes a log-power (mel or STFT) spectrogram in dB below its own peak,
clipped to ``top_db``, resampled to ``size x size`` (low frequencies at the bottom, the
whole utterance stretched over the time axis, as an image resize would) and rendered
through a matplotlib colormap into uint8 RGB, like the image dataset the study used.
The recordings are split 80/10/10, stratified by digit and seeded. STFTs run over
length-bucketed batches (one librosa call per bucket); files are decoded by threads.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import librosa
import matplotlib
import numpy as np
from tqdm import tqdm

from digitstudy.config.p4 import SpectrogramConfig
from digitstudy.data.fsdd import load_fsdd_index
from digitstudy.features.mfcc import SPLITS, decode_all, stratified_split
from digitstudy.features.npz_artifact import NpzArtifact

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)

IMAGES_FILE = "spectrogram_images.npz"
SUMMARY_FILE = "summary.json"
PREVIEW_FILE = "preview.png"
AMIN = 1e-10


def colormap_lut(name: str) -> np.ndarray:
    """(256, 3) uint8 RGB lookup table of a matplotlib colormap; unknown names are errors."""
    try:
        cmap = matplotlib.colormaps[name]
    except KeyError:
        raise ValueError(
            f"p4b.spectrogram.colormap: unknown matplotlib colormap {name!r}"
        ) from None
    return np.round(cmap(np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)


def resample_axis(a: np.ndarray, size: int, axis: int,
                  lengths: np.ndarray | None = None) -> np.ndarray:
    """Linear resampling of ``a`` along ``axis`` to ``size`` points.

    ``lengths`` (one per item of axis 0) resamples only each item's first ``lengths[i]``
    valid points (the padded tail of a batch is ignored); without it the whole axis is.
    """
    n = np.full(a.shape[0], a.shape[axis]) if lengths is None else np.asarray(lengths)
    pos = np.linspace(0.0, 1.0, size)[None, :] * (n[:, None] - 1)  # (B, size)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n[:, None] - 1)
    frac = (pos - lo).astype(a.dtype)
    shape = [a.shape[0]] + [1] * (a.ndim - 1)
    shape[axis] = size

    def take(idx):
        return np.take_along_axis(a, idx.reshape(shape), axis=axis)

    return take(lo) * (1 - frac.reshape(shape)) + take(hi) * frac.reshape(shape)


def power_basis(sr: int, cfg: SpectrogramConfig) -> np.ndarray | None:
    """The mel filter bank (kind=mel), or None for the plain STFT power."""
    if cfg.kind == "stft":
        return None
    return librosa.filters.mel(sr=sr, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmax=cfg.fmax)


def spectrogram_images(signals: list[np.ndarray], sr: int, cfg: SpectrogramConfig,
                       bucket: int = 64, progress: bool = False) -> np.ndarray:
    """uint8 images ``(N, size, size, 3)`` of the signals (one sample rate)."""
    if cfg.win_length > cfg.n_fft:
        raise ValueError(f"p4b.spectrogram: win_length {cfg.win_length} > n_fft {cfg.n_fft}")
    basis = power_basis(sr, cfg)
    lut = colormap_lut(cfg.colormap)
    lengths = np.array([len(s) for s in signals])
    order = np.argsort(lengths, kind="stable")
    out = np.empty((len(signals), cfg.size, cfg.size, 3), dtype=np.uint8)
    chunks = [order[i:i + bucket] for i in range(0, len(order), bucket)]
    for chunk in tqdm(chunks, desc="spectrogram", unit="batch", disable=not progress,
                      mininterval=2):
        batch = np.zeros((len(chunk), int(lengths[chunk].max())), dtype=np.float32)
        for row, i in enumerate(chunk):
            batch[row, : lengths[i]] = signals[i]
        power = np.abs(librosa.stft(batch, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                                    win_length=cfg.win_length)) ** 2  # (B, F, T)
        if basis is not None:
            power = np.einsum("mf,bft->bmt", basis, power, optimize=True)  # (B, mels, T)
        db = 10.0 * np.log10(np.maximum(AMIN, power))
        frames = 1 + lengths[chunk] // cfg.hop_length  # each file's own frames (center=True)
        valid = np.arange(db.shape[-1])[None, :] < frames[:, None]
        peak = np.where(valid[:, None, :], db, -np.inf).max(axis=(1, 2))
        level = np.clip((db - peak[:, None, None]) / cfg.top_db + 1.0, 0.0, 1.0)  # 0 = -top_db
        level = resample_axis(level, cfg.size, axis=2, lengths=frames)  # time
        level = resample_axis(level, cfg.size, axis=1)[:, ::-1, :]  # frequency, low at bottom
        out[chunk] = lut[np.round(level * 255).astype(np.uint8)]
    return out


@dataclass
class SpectrogramImages(NpzArtifact):
    """The spectrogram-images artifact."""

    FILE: ClassVar[str] = IMAGES_FILE
    PRODUCER: ClassVar[str] = "spectrogram-images"

    images: np.ndarray  # (N, size, size, 3) uint8
    labels: np.ndarray  # (N,) digit
    speakers: np.ndarray  # (N,) str
    names: np.ndarray  # (N,) file names
    split: np.ndarray  # (N,) 0 train / 1 val / 2 test
    sample_rate: int

    def arrays(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """(float32 images / 255, int labels) of one split."""
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
        keep = self.split == SPLITS.index(split)
        return self.images[keep].astype(np.float32) / 255.0, self.labels[keep].astype(np.int64)


def extract(folder: Path, cfg: SpectrogramConfig, split_cfg) -> SpectrogramImages:
    """``split_cfg``: anything with ``split`` (SplitFractions) and ``split_seed``."""
    recs = load_fsdd_index(folder)
    signals, sr = decode_all([r.path for r in recs], cfg.workers)
    images = spectrogram_images(signals, sr, cfg, progress=True)
    labels = np.array([r.digit for r in recs], dtype=np.int64)
    return SpectrogramImages(images, labels, np.array([r.speaker for r in recs]),
                             np.array([r.path.name for r in recs]),
                             stratified_split(labels, split_cfg), sr)


def spectrogram_images_step(settings: SettingsView, *, dataset: Path, images: Path) -> None:
    """FSDD wavs -> 128x128 RGB spectrogram images, 80/10/10 stratified split, + a preview."""
    from digitstudy.image_grid import plot_image_grid

    cfg = settings.p4b
    result = extract(dataset, cfg.spectrogram, cfg)
    result.save(images)
    first = [int(np.flatnonzero(result.labels == d)[0]) for d in np.unique(result.labels)]
    plot_image_grid(result.images[first], [f"digit {result.labels[i]}" for i in first],
                    images / PREVIEW_FILE, title="Spectrogram images (one per digit)")
    summary = {
        "images": {s: int((result.split == i).sum()) for i, s in enumerate(SPLITS)},
        "shape": list(result.images.shape[1:]),
        "sample_rate": result.sample_rate,
        "spectrogram": cfg.spectrogram.model_dump(),
        "split_seed": cfg.split_seed,
    }
    (images / SUMMARY_FILE).write_text(json.dumps(summary, indent=2))
    log.info("spectrogram-images: %s", summary)
