"""Problem 1: spoken digits from MFCCs (study sections 1.1-1.3)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import tensorflow as tf

from digitstudy.config import Profile
from digitstudy.features.mfcc import MfccFeatures
from digitstudy.models.autoencoders import (
    build_dense_autoencoder,
    build_merger,
    build_pair_autoencoder,
)
from digitstudy.models.mlp import build_mlp
from digitstudy.models.training import evaluate_classifier, fit, seed_everything
from digitstudy.reporting.records import ResultRecord, classification_record, save_record

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")


def mean_vectors(seqs: list[np.ndarray]) -> np.ndarray:
    """1.1 step 4: the mean of each utterance's normalised frames."""
    return np.stack([s.mean(axis=0) for s in seqs]).astype(np.float32)


def pad_flatten(seqs: list[np.ndarray], max_frames: int) -> np.ndarray:
    """1.2 step 1: zero-pad to max_frames (over all sets) and flatten."""
    out = np.zeros((len(seqs), max_frames, seqs[0].shape[1]), dtype=np.float32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out.reshape(len(seqs), -1)


def classify(profile: Profile, experiment: str, x: dict[str, np.ndarray], y: dict[str, np.ndarray],
             classifier_cfg, train_cfg, *, seed: int, cell: dict, result: Path,
             extra_seconds: float = 0.0, extra_history: dict | None = None,
             extra_metrics: dict | None = None) -> ResultRecord:
    """Train an MLP on (x, y)['train'] with val early stopping; test; write the record."""
    model = build_mlp(x["train"].shape[1], classifier_cfg, name=experiment.replace("-", "_"))
    fitted = fit(model, x["train"], y["train"], (x["val"], y["val"]), train_cfg,
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"], seed=seed,
                 name=f"{experiment}{cell or ''} classifier")
    loss, acc, y_pred = evaluate_classifier(model, x["test"], y["test"])
    log.info("%s %s: test accuracy %.4f, loss %.4f", experiment, cell, acc, loss)
    record = classification_record(
        experiment=experiment, part="p1", cell=cell, seed=seed, profile=profile.name,
        accuracy=acc, loss=loss, y_true=y["test"], y_pred=y_pred, train_images=len(y["train"]),
        epochs_run=fitted.epochs_run, train_seconds=fitted.seconds + extra_seconds,
        history={**fitted.history, **(extra_history or {})},
        metrics={"feature_dim": float(x["train"].shape[1]), **(extra_metrics or {})})
    save_record(record, result)
    return record


def baseline_step(profile: Profile, *, features: Path, result: Path, seed: int) -> ResultRecord:
    """1.1: mean normalised MFCC (13-d) -> MLP 256-128-64-32."""
    seed_everything(seed)
    feats = MfccFeatures.load(features)
    cfg = profile.p1.baseline
    x = {s: mean_vectors(feats.sequences(s)) for s in SPLITS}
    y = {s: feats.split_labels(s) for s in SPLITS}
    return classify(profile, "p1-baseline", x, y, cfg.classifier, cfg.train, seed=seed, cell={},
                    result=result)


def autoencoder_step(profile: Profile, *, features: Path, result: Path, bottleneck: int,
                     seed: int) -> ResultRecord:
    """1.2: padded+flattened MFCCs -> dense AE (one bottleneck) -> encoder codes -> same MLP."""
    seed_everything(seed)
    feats = MfccFeatures.load(features)
    cfg = profile.p1.autoencoder
    flat = {s: pad_flatten(feats.sequences(s), feats.max_frames) for s in SPLITS}
    y = {s: feats.split_labels(s) for s in SPLITS}
    autoencoder, encoder = build_dense_autoencoder(flat["train"].shape[1], cfg.hidden_units,
                                                   bottleneck, cfg.l2)
    ae = fit(autoencoder, flat["train"], flat["train"], (flat["val"], flat["val"]), cfg.train,
             loss="mse", seed=seed, name=f"p1-autoencoder[{bottleneck}] autoencoder")
    codes = {s: encoder.predict(flat[s], batch_size=256, verbose=0) for s in SPLITS}
    return classify(
        profile, "p1-autoencoder", codes, y, profile.p1.baseline.classifier, cfg.classifier_train,
        seed=seed, cell={"bottleneck": bottleneck}, result=result, extra_seconds=ae.seconds,
        extra_history={f"autoencoder_{k}": v for k, v in ae.history.items()},
        extra_metrics={"autoencoder_val_loss": min(ae.history["val_loss"]),
                       "input_dim": float(flat["train"].shape[1])},
    )


def frame_pairs(seqs: list[np.ndarray]) -> np.ndarray:
    """Consecutive frame pairs [f_t, f_t+1] of every utterance (a 1-frame utterance pairs with itself)."""
    return np.concatenate([np.concatenate([s[:-1], s[1:]], axis=1) if len(s) > 1
                           else np.concatenate([s, s], axis=1) for s in seqs]).astype(np.float32)


def merger_examples(seqs: list[np.ndarray], encode) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Inputs (latent of pair t-2,t-1; frame t) and targets (latent of pair t-1,t) for t >= 2."""
    prev_pairs, frames, next_pairs = [], [], []
    for s in seqs:
        if len(s) < 3:
            continue
        pairs = np.concatenate([s[:-1], s[1:]], axis=1)
        prev_pairs.append(pairs[:-1])
        next_pairs.append(pairs[1:])
        frames.append(s[2:])
    prev = encode(np.concatenate(prev_pairs))
    target = encode(np.concatenate(next_pairs))
    return (prev, np.concatenate(frames).astype(np.float32)), target


def utterance_embeddings(seqs: list[np.ndarray], encoder, merger) -> np.ndarray:
    """1.3 step 3, batched over utterances: encode the first pair, then merge frame by frame."""
    lengths = np.array([len(s) for s in seqs])
    dim = seqs[0].shape[1]
    padded = np.zeros((len(seqs), max(lengths.max(), 2), dim), dtype=np.float32)
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
        if len(s) == 1:
            padded[i, 1] = s[0]  # T < 2: duplicate the frame
    z = encoder(tf.constant(padded[:, :2].reshape(len(seqs), 2 * dim)), training=False)
    step = tf.function(lambda latent, frame: merger([latent, frame], training=False))
    for t in range(2, padded.shape[1]):
        active = tf.constant((lengths > t)[:, None])
        z = tf.where(active, step(z, tf.constant(padded[:, t])), z)
    return z.numpy()


def utterance_step(profile: Profile, *, features: Path, result: Path, seed: int) -> ResultRecord:
    """1.3: two-frame AE + merger -> 32-d utterance embedding -> improved MLP."""
    seed_everything(seed)
    feats = MfccFeatures.load(features)
    cfg = profile.p1.utterance
    seqs = {s: feats.sequences(s) for s in SPLITS}
    y = {s: feats.split_labels(s) for s in SPLITS}
    n_mfcc = seqs["train"][0].shape[1]

    autoencoder, encoder = build_pair_autoencoder(n_mfcc, cfg.pair_hidden, cfg.latent_dim)
    pairs = {s: frame_pairs(seqs[s]) for s in ("train", "val")}
    ae = fit(autoencoder, pairs["train"], pairs["train"], (pairs["val"], pairs["val"]),
             cfg.autoencoder_train, loss="mse", seed=seed, name="p1-utterance pair-autoencoder")

    def encode(p):
        return encoder.predict(p, batch_size=4096, verbose=0)

    merger = build_merger(cfg.latent_dim, n_mfcc, cfg.merger_hidden)
    m_train, m_val = (merger_examples(seqs[s], encode) for s in ("train", "val"))
    mg = fit(merger, m_train[0], m_train[1], m_val, cfg.merger_train, loss="mse", seed=seed,
             name="p1-utterance merger")

    emb = {s: utterance_embeddings(seqs[s], encoder, merger) for s in SPLITS}
    history = {f"autoencoder_{k}": v for k, v in ae.history.items()}
    history.update({f"merger_{k}": v for k, v in mg.history.items()})
    return classify(
        profile, "p1-utterance-embedding", emb, y, cfg.classifier, cfg.classifier_train, seed=seed,
        cell={}, result=result, extra_seconds=ae.seconds + mg.seconds, extra_history=history,
        extra_metrics={"autoencoder_val_loss": min(ae.history["val_loss"]),
                       "merger_val_loss": min(mg.history["val_loss"])},
    )
