"""Per-utterance MFCC sequences (study 1.1), the stratified split and train-only z-scoring.

The artifact holds the study's random split; :meth:`MfccFeatures.resplit` gives the same
features under the leave-speakers-out split (:func:`speaker_split`), z-scored on its own
train frames.

:func:`mfcc_batch` computes exactly what ``librosa.feature.mfcc`` computes per file
(center=True, zero padding, Slaney mel, power_to_db with top_db=80 per file, orthonormal
DCT-II), but over length-bucketed batches: one STFT/mel/DCT call per bucket instead of
one Python round trip per file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import librosa
import numpy as np
import scipy.fft
from sklearn.model_selection import train_test_split
from tqdm import tqdm

from digitstudy.config.p1 import MfccConfig, SplitsConfig
from digitstudy.data.fsdd import FsddError, load_fsdd_index, read_wav
from digitstudy.features.npz_artifact import NpzArtifact

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)

FEATURES_FILE = "mfcc.npz"
SPLITS = ("train", "val", "test")
TOP_DB = 80.0
AMIN = 1e-10


def frame_params(sr: int, cfg: MfccConfig) -> tuple[int, int]:
    """(n_fft, hop_length) in samples for the profile's window and hop durations."""
    return int(round(sr * cfg.frame_ms / 1000)), int(round(sr * cfg.hop_ms / 1000))


def mel_basis(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """librosa's Slaney mel filters; empty filters (many mels, short FFT) are logged once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
    if caught:
        empty = int((basis.max(axis=1) == 0).sum())
        log.info("%d of %d mel filters are empty at n_fft=%d (librosa's defaults, as in the study)",
                 empty, n_mels, n_fft)
    return basis


def mfcc_reference(signal: np.ndarray, sr: int, cfg: MfccConfig) -> np.ndarray:
    """The plain per-file librosa call the study made; (frames, n_mfcc)."""
    n_fft, hop = frame_params(sr, cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return librosa.feature.mfcc(y=signal, sr=sr, n_mfcc=cfg.n_mfcc, n_fft=n_fft,
                                    hop_length=hop, n_mels=cfg.n_mels).T


def mfcc_batch(signals: list[np.ndarray], sr: int, cfg: MfccConfig, bucket: int = 128,
               progress: bool = False) -> list[np.ndarray]:
    """MFCCs of many signals of one sample rate; element i is (frames_i, n_mfcc) float32."""
    n_fft, hop = frame_params(sr, cfg)
    basis = mel_basis(sr, n_fft, cfg.n_mels)
    lengths = np.array([len(s) for s in signals])
    order = np.argsort(lengths, kind="stable")
    out: list[np.ndarray | None] = [None] * len(signals)
    chunks = [order[i:i + bucket] for i in range(0, len(order), bucket)]
    for chunk in tqdm(chunks, desc="mfcc", unit="batch", disable=not progress, mininterval=2):
        longest = int(lengths[chunk].max())
        batch = np.zeros((len(chunk), longest), dtype=np.float32)
        for row, i in enumerate(chunk):
            batch[row, : lengths[i]] = signals[i]
        spec = np.abs(librosa.stft(batch, n_fft=n_fft, hop_length=hop)) ** 2
        mel = np.einsum("mf,bft->bmt", basis, spec, optimize=True)
        db = 10.0 * np.log10(np.maximum(AMIN, mel))
        frames = 1 + lengths[chunk] // hop  # what center=True gives each file on its own
        valid = np.arange(db.shape[-1])[None, :] < frames[:, None]
        peak = np.where(valid[:, None, :], db, -np.inf).max(axis=(1, 2))
        db = np.maximum(db, (peak - TOP_DB)[:, None, None])
        coeffs = scipy.fft.dct(db, axis=1, type=2, norm="ortho")[:, : cfg.n_mfcc, :]
        for row, i in enumerate(chunk):
            out[i] = np.ascontiguousarray(coeffs[row, :, : frames[row]].T, dtype=np.float32)
    return out  # type: ignore[return-value]


def decode_all(paths: list[Path], workers: int) -> tuple[list[np.ndarray], int]:
    """Decode files concurrently (libsndfile releases the GIL); one sample rate required."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        decoded = list(tqdm(pool.map(read_wav, paths), total=len(paths), desc="decode",
                            unit="file", mininterval=2))
    rates = {sr for _, sr in decoded}
    if len(rates) != 1:
        by_rate = {sr: str(p) for p, (_, sr) in zip(paths, decoded, strict=True)}
        raise FsddError(f"recordings have several sample rates {by_rate}; MFCC frames need one")
    return [s for s, _ in decoded], rates.pop()


def stratified_split(labels: np.ndarray, cfg: MfccConfig) -> np.ndarray:
    """Split code per item (0 train, 1 val, 2 test), stratified by label, seeded.

    As the study: ``train_test_split`` for train vs the rest, then the rest into val/test.
    """
    idx = np.arange(len(labels))
    rest = cfg.split.val + cfg.split.test
    train, other = train_test_split(idx, test_size=rest, stratify=labels,
                                    random_state=cfg.split_seed)
    val, test = train_test_split(other, test_size=cfg.split.test / rest,
                                 stratify=labels[other], random_state=cfg.split_seed)
    codes = np.empty(len(labels), dtype=np.int8)
    codes[train], codes[val], codes[test] = 0, 1, 2
    return codes


def speaker_split(labels: np.ndarray, speakers: np.ndarray, cfg: SplitsConfig) -> np.ndarray:
    """Split code per item (0 train, 1 val, 2 test), leave-speakers-out, seeded.

    The speakers (sorted by name) are shuffled with ``cfg.seed``; the first
    ``test_speakers`` form the test set, the next ``val_speakers`` the validation set, the
    rest train. A speaker's recordings all go to one set, so stratifying by digit means each
    set holds every digit (FSDD records every digit equally often per speaker); a set that
    lacks a digit is an error naming its speakers.
    """
    names = sorted({str(s) for s in speakers})
    held = cfg.test_speakers + cfg.val_speakers
    if len(names) <= held:
        raise FsddError(f"p1.splits: {len(names)} speakers ({', '.join(names)}) cannot hold out "
                        f"test_speakers={cfg.test_speakers} + val_speakers={cfg.val_speakers} "
                        "and keep one for training")
    order = [names[i] for i in np.random.default_rng(cfg.seed).permutation(len(names))]
    groups = (order[held:], order[cfg.test_speakers:held], order[: cfg.test_speakers])
    codes = np.empty(len(labels), dtype=np.int8)
    for code, group in enumerate(groups):
        codes[np.isin(speakers, group)] = code
    digits = {int(d) for d in labels}  # all ten in FSDD (load_fsdd_index checks)
    for code, (split, group) in enumerate(zip(SPLITS, groups, strict=True)):
        missing = sorted(digits - {int(d) for d in labels[codes == code]})
        if missing:
            raise FsddError(f"p1.splits (speakers, seed {cfg.seed}): the {split} speakers "
                            f"{', '.join(group)} have no recordings of digit(s) {missing}")
    log.info("speaker split (seed %d): train %s, val %s, test %s", cfg.seed, *groups)
    return codes


def train_frame_stats(frames: np.ndarray, offsets: np.ndarray, split: np.ndarray):
    """Per-coefficient mean/std over all frames of TRAIN utterances only."""
    per_frame_split = np.repeat(split, np.diff(offsets))
    train_frames = frames[per_frame_split == 0]
    return train_frames.mean(axis=0), train_frames.std(axis=0)


@dataclass
class MfccFeatures(NpzArtifact):
    """The mfcc-features artifact: ragged sequences stored as one frame array + offsets."""

    FILE: ClassVar[str] = FEATURES_FILE
    PRODUCER: ClassVar[str] = "mfcc-features"

    frames: np.ndarray  # (total_frames, n_mfcc), raw MFCCs
    offsets: np.ndarray  # (N + 1,)
    labels: np.ndarray  # (N,)
    speakers: np.ndarray  # (N,) str
    names: np.ndarray  # (N,) str
    split: np.ndarray  # (N,) 0 train / 1 val / 2 test
    mean: np.ndarray  # (n_mfcc,) train-frame statistics
    std: np.ndarray
    sample_rate: int

    @property
    def max_frames(self) -> int:
        return int(np.diff(self.offsets).max())

    def sequences(self, split: str, normalized: bool = True) -> list[np.ndarray]:
        frames = (self.frames - self.mean) / self.std if normalized else self.frames
        code = SPLITS.index(split)
        return [frames[self.offsets[i]:self.offsets[i + 1]]
                for i in np.flatnonzero(self.split == code)]

    def split_labels(self, split: str) -> np.ndarray:
        return self.labels[self.split == SPLITS.index(split)]

    def split_speakers(self, split: str) -> list[str]:
        return sorted({str(s) for s in self.speakers[self.split == SPLITS.index(split)]})

    def resplit(self, kind: str, cfg: SplitsConfig) -> MfccFeatures:
        """These features under split ``kind``: ``random`` is the stored (study's) split;
        ``speakers`` re-splits leave-speakers-out and recomputes the train-frame statistics."""
        if kind == "random":
            return self
        if kind != "speakers":
            raise ValueError(f"p1.splits.kinds: unknown split kind {kind!r} (random, speakers)")
        codes = speaker_split(self.labels, self.speakers, cfg)
        mean, std = train_frame_stats(self.frames, self.offsets, codes)
        return dataclasses.replace(self, split=codes, mean=mean.astype(np.float32),
                                   std=std.astype(np.float32))


def extract(folder: Path, cfg: MfccConfig) -> MfccFeatures:
    recs = load_fsdd_index(folder)
    signals, sr = decode_all([r.path for r in recs], cfg.workers)
    mfccs = mfcc_batch(signals, sr, cfg, progress=True)
    offsets = np.concatenate([[0], np.cumsum([len(m) for m in mfccs])]).astype(np.int64)
    frames = np.concatenate(mfccs).astype(np.float32)
    labels = np.array([r.digit for r in recs], dtype=np.int64)
    split = stratified_split(labels, cfg)
    mean, std = train_frame_stats(frames, offsets, split)
    return MfccFeatures(frames, offsets, labels, np.array([r.speaker for r in recs]),
                        np.array([r.path.name for r in recs]), split, mean.astype(np.float32),
                        std.astype(np.float32), sr)


def mfcc_step(settings: SettingsView, *, dataset: Path, features: Path) -> None:
    feats = extract(dataset, settings.p1.mfcc)
    feats.save(features, compress=True)
    counts = {s: int((feats.split == i).sum()) for i, s in enumerate(SPLITS)}
    summary = {"utterances": counts, "max_frames": feats.max_frames,
               "sample_rate": feats.sample_rate, "n_mfcc": int(feats.frames.shape[1])}
    (features / "summary.json").write_text(json.dumps(summary, indent=2))
    log.info("mfcc-features: %s", summary)
