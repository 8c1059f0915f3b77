"""Problem 1: spoken digits from MFCCs (study sections 1.1-1.3).

Besides the study's cells, records of labelled variants carry ``cell["variant"]``: Approach A
under another L2 scope, the baseline and Approach A under the speaker-independent split, and
the two Approach B diagnostics (written beside Approach B's record, under ``extra/``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import keras
import numpy as np

from digitstudy.config.p1 import DIAGNOSTIC_LABELS, L2_LABELS, SPLIT_LABELS
from digitstudy.config.sections import SettingsView
from digitstudy.features.mfcc import MfccFeatures
from digitstudy.models.autoencoders import (
    build_dense_autoencoder,
    build_merger,
    build_pair_autoencoder,
    dead_units,
)
from digitstudy.models.mlp import build_mlp
from digitstudy.models.training import evaluate_classifier, fit, seed_everything
from digitstudy.reporting.records import (
    EXTRA_DIR,
    ResultRecord,
    classification_record,
    save_record,
)

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")


def labelled(cell: dict, variants: list[str]) -> dict:
    """``cell`` with its variant labels (none: one of the study's cells)."""
    return {**cell, "variant": ", ".join(variants)} if variants else cell


def split_features(settings: SettingsView, features: Path,
                   split_index: int) -> tuple[MfccFeatures, dict, list]:
    """The features under ``p1.splits.kinds[split_index]``; the cell keys and variant labels
    that split gives a record (index 0: the study rows' split)."""
    kinds = settings.p1.splits.kinds
    if not 0 <= split_index < len(kinds):
        raise ValueError(f"split_index {split_index}: p1.splits.kinds has {len(kinds)} "
                         f"entries {kinds}")
    kind = kinds[split_index]
    feats = MfccFeatures.load(features).resplit(kind, settings.p1.splits)
    cell = {"split": kind} if kind != "random" else {}
    return feats, cell, [SPLIT_LABELS[kind]] if split_index else []


def split_notes(feats: MfccFeatures, cell: dict) -> list[str]:
    if "split" not in cell:
        return []
    return ["speakers: " + "; ".join(f"{s} {', '.join(feats.split_speakers(s))}" for s in SPLITS)]


def mean_vectors(seqs: list[np.ndarray]) -> np.ndarray:
    """1.1 step 4: the mean of each utterance's normalised frames."""
    return np.stack([s.mean(axis=0) for s in seqs]).astype(np.float32)


def pad_flatten(seqs: list[np.ndarray], max_frames: int) -> np.ndarray:
    """1.2 step 1: zero-pad to max_frames (over all sets) and flatten."""
    out = np.zeros((len(seqs), max_frames, seqs[0].shape[1]), dtype=np.float32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out.reshape(len(seqs), -1)


def classify(settings: SettingsView, x: dict[str, np.ndarray], y: dict[str, np.ndarray],
             classifier_cfg, train_cfg, *, seed: int, cell: dict, result: Path,
             extra_seconds: float = 0.0, extra_history: dict | None = None,
             extra_metrics: dict | None = None, notes: list[str] | None = None) -> ResultRecord:
    """Train an MLP on (x, y)['train'] with val early stopping; test; write the record."""
    experiment = settings.step
    model = build_mlp(x["train"].shape[1], classifier_cfg, name=experiment.replace("-", "_"))
    fitted = fit(model, x["train"], y["train"], (x["val"], y["val"]), train_cfg,
                 loss="sparse_categorical_crossentropy", metrics=["accuracy"], seed=seed,
                 name=f"{experiment}{cell or ''} classifier")
    loss, acc, y_pred = evaluate_classifier(model, x["test"], y["test"])
    log.info("%s %s: test accuracy %.4f, loss %.4f", experiment, cell, acc, loss)
    record = classification_record(
        experiment=experiment, part=settings.part, cell=cell, seed=seed, profile=settings.name,
        accuracy=acc, loss=loss, y_true=y["test"], y_pred=y_pred, train_images=len(y["train"]),
        epochs_run=fitted.epochs_run, train_seconds=fitted.seconds + extra_seconds,
        history={**fitted.history, **(extra_history or {})},
        metrics={"feature_dim": float(x["train"].shape[1]), "val_images": float(len(y["val"])),
                 **(extra_metrics or {})}, notes=notes)
    save_record(record, result)
    return record


def baseline_step(settings: SettingsView, *, features: Path, result: Path, seed: int,
                  split_index: int) -> ResultRecord:
    """1.1: mean normalised MFCC (13-d) -> MLP 256-128-64-32, under
    ``p1.splits.kinds[split_index]``."""
    seed_everything(seed)
    feats, cell, variants = split_features(settings, features, split_index)
    cfg = settings.p1.baseline
    x = {s: mean_vectors(feats.sequences(s)) for s in SPLITS}
    y = {s: feats.split_labels(s) for s in SPLITS}
    return classify(settings, x, y, cfg.classifier, cfg.train, seed=seed,
                    cell=labelled(cell, variants), result=result, notes=split_notes(feats, cell))


def autoencoder_step(settings: SettingsView, *, features: Path, result: Path, bottleneck: int,
                     l2_scope: str, seed: int, split_index: int) -> ResultRecord:
    """1.2: padded+flattened MFCCs -> dense AE (one bottleneck, L2 on the ``l2_scope`` layers)
    -> encoder codes -> same MLP. Also records the reconstruction MSE (val/test, without the
    L2 term) and the dead bottleneck units (zero for every train and test utterance)."""
    seed_everything(seed)
    feats, cell, variants = split_features(settings, features, split_index)
    cfg = settings.p1.autoencoder
    if l2_scope not in cfg.l2_scopes:
        raise ValueError(f"l2_scope {l2_scope!r} is not in p1.autoencoder.l2_scope / "
                         f"l2_scope_variants {cfg.l2_scopes}")
    flat = {s: pad_flatten(feats.sequences(s), feats.max_frames) for s in SPLITS}
    y = {s: feats.split_labels(s) for s in SPLITS}
    autoencoder, encoder = build_dense_autoencoder(flat["train"].shape[1], cfg.hidden_units,
                                                   bottleneck, cfg.l2, l2_scope=l2_scope)
    ae = fit(autoencoder, flat["train"], flat["train"], (flat["val"], flat["val"]), cfg.train,
             loss="mse", seed=seed, name=f"{settings.step}[{bottleneck}, {l2_scope}] autoencoder")
    codes = {s: encoder.predict(flat[s], batch_size=256, verbose=0) for s in SPLITS}
    # one eager forward pass per split: predict() would trace a second model's predict
    # function, and retrace it for each split's shape, for a diagnostic
    mse = {f"reconstruction_mse_{s}": float(np.mean(
        (np.asarray(autoencoder(flat[s], training=False)) - flat[s]) ** 2)) for s in SPLITS}
    if l2_scope != cfg.l2_scope:
        variants = [L2_LABELS[l2_scope], *variants]
    return classify(
        settings, codes, y, settings.p1.baseline.classifier, cfg.classifier_train,
        seed=seed,
        cell=labelled({"bottleneck": bottleneck, "l2_scope": l2_scope, **cell}, variants),
        result=result, extra_seconds=ae.seconds,
        extra_history={f"autoencoder_{k}": v for k, v in ae.history.items()},
        extra_metrics={"autoencoder_val_loss": min(ae.history["val_loss"]),
                       "input_dim": float(flat["train"].shape[1]), **mse,
                       "dead_bottleneck_units": float(dead_units(
                           np.concatenate([codes["train"], codes["test"]])))},
        notes=split_notes(feats, cell),
    )


def frame_pairs(seqs: list[np.ndarray]) -> np.ndarray:
    """Consecutive frame pairs [f_t, f_t+1] of every utterance (a 1-frame utterance pairs with
    itself)."""
    return np.concatenate([np.concatenate([s[:-1], s[1:]], axis=1) if len(s) > 1
                           else np.concatenate([s, s], axis=1) for s in seqs]).astype(np.float32)


def merger_examples(seqs: list[np.ndarray],
                    encode) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
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
    ops = keras.ops
    z = encoder(ops.convert_to_tensor(padded[:, :2].reshape(len(seqs), 2 * dim)), training=False)
    for t in range(2, padded.shape[1]):
        merged = merger([z, ops.convert_to_tensor(padded[:, t])], training=False)
        z = ops.where(ops.convert_to_tensor((lengths > t)[:, None]), merged, z)
    return ops.convert_to_numpy(z)


def last_pairs(seqs: list[np.ndarray]) -> np.ndarray:
    """The last frame pair [f_T-2, f_T-1] of every utterance (a 1-frame one pairs with itself)."""
    return np.stack([np.concatenate([s[-2], s[-1]]) if len(s) > 1 else np.concatenate([s[0], s[0]])
                     for s in seqs]).astype(np.float32)


def pair_latent_means(seqs: list[np.ndarray], encode) -> np.ndarray:
    """The mean of the pair latents of every utterance (the pairs of :func:`frame_pairs`)."""
    counts = np.array([max(len(s) - 1, 1) for s in seqs])
    latents = encode(frame_pairs(seqs))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return (np.add.reduceat(latents, starts, axis=0) / counts[:, None]).astype(np.float32)


def median_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Median over rows of the cosine similarity of ``a`` and ``b``."""
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return float(np.median((a * b).sum(axis=1) / np.maximum(norms, 1e-12)))


def diagnostic_embeddings(kind: str, seqs: list[np.ndarray], encode) -> np.ndarray:
    if kind == "last_pair":
        return encode(last_pairs(seqs))
    if kind == "pair_mean":
        return pair_latent_means(seqs, encode)
    raise ValueError(f"p1.utterance.diagnostics: unknown diagnostic {kind!r}")


def utterance_step(settings: SettingsView, *, features: Path, result: Path,
                   seed: int) -> ResultRecord:
    """1.3: two-frame AE + merger -> 32-d utterance embedding -> improved MLP.

    Each of ``p1.utterance.diagnostics`` embeds the utterances another way with the same pair
    autoencoder, trains the same classifier on it, and writes its labelled record under
    ``result/extra/<diagnostic>/``."""
    seed_everything(seed)
    feats, cell, _ = split_features(settings, features, 0)
    cfg = settings.p1.utterance
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
    ae_metrics = {"autoencoder_val_loss": min(ae.history["val_loss"])}
    record = classify(
        settings, emb, y, cfg.classifier, cfg.classifier_train, seed=seed,
        cell=cell, result=result, extra_seconds=ae.seconds + mg.seconds, extra_history=history,
        extra_metrics={**ae_metrics, "merger_val_loss": min(mg.history["val_loss"])},
        notes=split_notes(feats, cell),
    )
    for kind in cfg.diagnostics:
        seed_everything(seed)
        diag = {s: diagnostic_embeddings(kind, seqs[s], encode) for s in SPLITS}
        classify(settings, diag, y, cfg.classifier, cfg.classifier_train,
                 seed=seed, cell=labelled(cell, [DIAGNOSTIC_LABELS[kind]]),
                 result=result / EXTRA_DIR / kind, extra_seconds=ae.seconds,
                 extra_metrics={
                     **ae_metrics,
                     "median_cosine_to_chained": median_cosine(diag["test"], emb["test"])},
                 notes=split_notes(feats, cell))
    return record
