"""Problem 3 (study 3.1-3.3): a conditional GAN per training set, synthesis, GAN quality and
the Table 5 cells (real + synthetic from the size-specific or the full-MNIST GAN).

Artifacts:
- ``p3-train-gan`` / ``p3-train-gan-full`` -> ``<gan>/generator.keras`` + ``gan.json`` (training
set, counts, notes,
  history, wall time); ``<gan>/checkpoint/`` (or under ``$DIGITSTUDY_CHECKPOINT_ROOT``)
  while training, mirrored to ``$DIGITSTUDY_CHECKPOINT_STORE`` on a cluster
  (digitstudy.checkpoints), so a restarted or retried step resumes.
- ``p3-synthesize`` -> ``<synthetic>/synthetic.npz`` (uint8 images, labels rank-major: the
  first ``10 k`` are ``k`` per class) + ``synthetic.json``.
- ``p3-gan-quality`` -> a record with GAN-test / GAN-train and the Figure 6/7 sample grid.
- ``p3-synthetic-cell`` -> one Table 5 cell.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from digitstudy import checkpoints
from digitstudy.config.p3 import FULL
from digitstudy.config.sections import SettingsView
from digitstudy.data.reduced_mnist import (
    ReducedMNIST,
    fingerprint,
    load_reduced,
    load_source,
    per_class_prefix,
)
from digitstudy.experiments.cnn_cell import run_cell, train_and_test_cnn
from digitstudy.models.gan import GAN_VERSION, NUM_CLASSES, synthesize, train_conditional_gan
from digitstudy.models.training import seed_everything
from digitstudy.reporting.records import ResultRecord, classification_record, save_record
from digitstudy.reporting.sample_grid import plot_sample_grid

log = logging.getLogger(__name__)

GENERATOR_FILE = "generator.keras"
GAN_META = "gan.json"
CHECKPOINT_DIR = "checkpoint"
SYNTHETIC_FILE = "synthetic.npz"
SYNTHETIC_META = "synthetic.json"
GRID_FILE = "samples.png"
GAN_KINDS = ("specific", "full")
# A local folder that outlives a pod (a PVC, say); on a cluster without one the checkpoint
# is mirrored to the object store instead (digitstudy.checkpoints).
CHECKPOINT_ROOT_ENV = "DIGITSTUDY_CHECKPOINT_ROOT"


@dataclass
class TrainingSet:
    x: np.ndarray  # uint8 (n, 28, 28)
    y: np.ndarray
    description: str
    notes: list[str] = field(default_factory=list)


# --- training sets -----------------------------------------------------------------------

def _rows(x: np.ndarray) -> np.ndarray:
    """One opaque value per image, for exact set membership of whole images."""
    flat = np.ascontiguousarray(x.reshape(len(x), -1))
    return flat.view(np.dtype((np.void, flat.shape[1]))).ravel()


def full_training_set(dataset: Path, reduced: ReducedMNIST, *, per_class: int | None,
                      seed: int) -> TrainingSet:
    """"full": the source's MNIST train split, or, without one, its largest pool disjoint
    from the ReducedMNIST test set. Test images are removed by content in both cases."""
    source = load_source(dataset)
    notes: list[str] = []
    if "train" in source.splits:
        x, y = source.splits["train"]
        what = f"the {len(y)}-image train split of {source.source}"
    else:
        (split, (x, y)), = source.splits.items()
        what = f"the {len(y)}-image {split} split of {source.source}"
        notes.append(f"'full' substitute: the source has no MNIST train split, so the full-data "
                     f"GAN trains on {what} minus the ReducedMNIST test images (not on the "
                     "60,000-image train split the study used)")
    keep = ~np.isin(_rows(x), _rows(reduced.x_test))
    removed = int((~keep).sum())
    x, y = x[keep], y[keep]
    if per_class is not None:
        order = np.random.default_rng(seed).permutation(len(y))
        idx = order[per_class_prefix(y[order], per_class, what="'full' images")]
        x, y = x[idx], y[idx]
        notes.append(f"'full' capped at {per_class} per class by the profile (full_per_class)")
    counts = np.bincount(y, minlength=NUM_CLASSES).tolist()
    description = (f"{FULL}: {len(y)} images from {what}, {removed} ReducedMNIST test "
                   f"images removed; per class {counts}")
    if removed and "train" in source.splits:
        notes.append(f"{removed} train-split images identical to ReducedMNIST test images removed")
    return TrainingSet(x, y, description, notes)


def reduced_training_set(reduced: ReducedMNIST, per_class: int) -> TrainingSet:
    x, y = reduced.train_subset(per_class)
    return TrainingSet(x, y, f"{per_class} real per class from ReducedMNIST "
                             f"{reduced.meta['fingerprint']}", reduced.notes)


# --- GAN training ------------------------------------------------------------------------

def _tag(settings: SettingsView, train_set: str, data: TrainingSet) -> str:
    """What a checkpoint must share to be resumed: everything but the epoch count (a run
    stopped early can be continued to more epochs)."""
    p3 = settings.p3
    spec = {"version": GAN_VERSION, "architecture": p3.architecture.model_dump(mode="json"),
            "train": p3.train.model_dump(mode="json", exclude={"epochs"}), "seed": p3.gan_seed,
            "train_set": train_set, "data": fingerprint(data.x, data.y)}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def checkpoint_dir(gan: Path, tag: str) -> Path:
    """``<gan>/checkpoint``, or ``$DIGITSTUDY_CHECKPOINT_ROOT/gan-<tag>`` when that is set."""
    root = os.environ.get(CHECKPOINT_ROOT_ENV)
    return Path(root) / f"gan-{tag}" if root else gan / CHECKPOINT_DIR


def load_gan_meta(gan: Path) -> dict:
    path = gan / GAN_META
    if not path.is_file() or not (gan / GENERATOR_FILE).is_file():
        raise FileNotFoundError(f"no trained GAN at {gan} (expected {GENERATOR_FILE} and "
                                f"{GAN_META}; output of the p3-train-gan steps)")
    return json.loads(path.read_text())


def train_and_save_gan(settings: SettingsView, data: TrainingSet, gan: Path, *, train_set: str,
                       epochs: int) -> dict:
    """Train the conditional GAN on ``data`` into ``gan`` (resuming a checkpoint); its metadata.

    A finished GAN of the same configuration and data is kept as it is.
    """
    p3 = settings.p3
    tag = _tag(settings, train_set, data)
    if (gan / GAN_META).is_file() and (gan / GENERATOR_FILE).is_file():
        meta = load_gan_meta(gan)
        if meta.get("tag") == tag and meta.get("epochs") == epochs:
            log.info("train-gan %s: finished GAN with the same config at %s, kept", train_set, gan)
            return meta
    # the checkpoint outlives the pod: mirrored to the object store on a cluster, keyed
    # by run and tag (digitstudy.checkpoints); a retried pod pulls the newest one first
    store = checkpoints.for_task(checkpoint_dir(gan, tag), f"gan-{tag}")
    store.pull()
    ckpt_dir = store.local
    stale = ckpt_dir / "tag.txt"
    if ckpt_dir.is_dir() and (not stale.is_file() or stale.read_text() != tag):
        log.warning("train-gan %s: checkpoint in %s is from another config or data; starting over",
                    train_set, ckpt_dir)
        shutil.rmtree(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    stale.write_text(tag)
    log.info("train-gan %s: %s; %d epochs, batch %d", train_set, data.description, epochs,
             p3.train.batch_size)
    res = train_conditional_gan(data.x, data.y, p3.architecture, p3.train, checkpoint_dir=ckpt_dir,
                                seed=p3.gan_seed, name=f"gan[{train_set}]", epochs=epochs,
                                callbacks=[store.keras_callback()])
    notes = list(data.notes)
    if p3.architecture.aux_base_weights and res.aux_weights is None:
        notes.append(f"aux classifier: MobileNetV2 {p3.architecture.aux_base_weights} weights "
                     "could not be fetched; the base was randomly initialised")
    if res.resumed_from:
        notes.append(f"resumed from a checkpoint at epoch {res.resumed_from}")
    meta = {
        "train_set": train_set, "tag": tag, "description": data.description,
        "images": len(data.y), "per_class": np.bincount(data.y, minlength=NUM_CLASSES).tolist(),
        "epochs": res.epochs, "batch_size": p3.train.batch_size, "seed": p3.gan_seed,
        "train_seconds": res.seconds, "resumed_from": res.resumed_from,
        "aux_base_weights": res.aux_weights, "history": res.history, "notes": notes,
    }
    res.generator.save(gan / GENERATOR_FILE)
    (gan / GAN_META).write_text(json.dumps(meta, indent=2))
    store.clear()  # finished: the generator and metadata replace the checkpoint
    log.info("train-gan %s: %d epochs in %.0fs -> %s", train_set, epochs, res.seconds, gan)
    return meta


def train_gan_step(settings: SettingsView, *, reduced: Path, gan: Path, real_size: int) -> None:
    """The size-specific GAN of a Table 5 row: ``real_size`` real images per class."""
    ts = reduced_training_set(load_reduced(reduced), real_size)
    train_and_save_gan(settings, ts, gan, train_set=str(real_size), epochs=settings.p3.train.epochs)


def train_gan_full_step(settings: SettingsView, *, dataset: Path, reduced: Path, gan: Path) -> None:
    """The "full" GAN of Table 5: the MNIST train split (less the ReducedMNIST test digits)."""
    ts = full_training_set(dataset, load_reduced(reduced), per_class=settings.p3.full_per_class,
                           seed=settings.p3.gan_seed)
    train_and_save_gan(settings, ts, gan, train_set=FULL, epochs=settings.p3.train.epochs)


# --- synthesis ---------------------------------------------------------------------------

def load_generator(gan: Path, seed: int) -> keras.Model:
    """The saved generator of ``gan``, its dropout layers seeded from ``seed``.

    A Dropout layer draws its seed generator's state from Python's global RNG when the model
    is built (keras 3.15 layers/regularization/dropout.py:53 -> random/seed_generator.py:145
    ``make_default_seed``), so training-mode synthesis seeded after loading depended on the
    global RNG state the step happened to start with."""
    seed_everything(seed)
    return keras.models.load_model(gan / GENERATOR_FILE)


def synthetic_per_class(settings: SettingsView) -> int:
    return max(*settings.p3.synthetic_counts, settings.p3.quality.samples_per_class)


def synthesize_step(settings: SettingsView, *, gan: Path, synthetic: Path, variant: str) -> None:
    """A balanced, labelled pool from one GAN: enough per class for every cell and GAN-train.

    ``variant`` (a ``p3.variants`` label, "" for the study's reading) labels the quality
    record and the Table 5 cells made from this pool.
    """
    meta = load_gan_meta(gan)
    generator = load_generator(gan, settings.p3.gan_seed)
    per_class = synthetic_per_class(settings)
    training = settings.p3.synthesis_training_mode
    x, y = synthesize(generator, per_class, seed=settings.p3.gan_seed, training=training)
    notes = meta["notes"] + (["synthesised with dropout and batch norm in training mode"]
                             if training else [])
    synthetic.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(synthetic / SYNTHETIC_FILE, x=x, y=y)
    (synthetic / SYNTHETIC_META).write_text(json.dumps(
        {"train_set": meta["train_set"], "gan_tag": meta["tag"], "per_class": per_class,
         "seed": settings.p3.gan_seed, "variant": variant, "notes": notes}, indent=2))
    log.info("synthesize: %d per class from GAN %s -> %s", per_class, meta["train_set"], synthetic)


def load_synthetic(synthetic: Path, per_class: int,
                   train_set: str | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """The first ``per_class`` synthetic images of each digit, labels, and the pool metadata;
    with ``train_set``, a pool synthesised by another GAN is an error naming both."""
    path = synthetic / SYNTHETIC_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no synthetic pool at {path} (output of the p3-synthesize step)")
    meta = json.loads((synthetic / SYNTHETIC_META).read_text())
    if train_set is not None and meta["train_set"] != train_set:
        raise ValueError(f"{synthetic} was synthesised by the GAN of {meta['train_set']!r}, "
                         f"not of {train_set!r}")
    with np.load(path) as npz:
        x, y = npz["x"], npz["y"]
    idx = per_class_prefix(y, per_class, what=f"synthetic images in {path}")
    return x[idx], y[idx], meta


def variant_cell(pool_meta: dict) -> dict:
    """``{"variant": label}`` for a pool of a labelled variant; {} for the study's reading."""
    return {"variant": pool_meta["variant"]} if pool_meta.get("variant") else {}


# --- classifier cells --------------------------------------------------------------------

def synthetic_cell_step(settings: SettingsView, *, reduced: Path, synthetic: Path, result: Path,
                        real_size: int, synthetic_count: int, gan_kind: str,
                        seed: int) -> ResultRecord:
    """One Table 5 cell: ``real_size`` real + ``synthetic_count`` synthetic per class from the
    pool of its GAN, the size-specific (``gan_kind="specific"``) or the full-MNIST one. With 0
    synthetic the cell is the real-only baseline (cell ``gan="none"``) and the pool is not read."""
    if gan_kind not in GAN_KINDS:
        raise ValueError(f"{settings.step}: gan_kind {gan_kind!r} not in {GAN_KINDS}")
    data = load_reduced(reduced)
    parts = [data.train_subset(real_size)]
    notes = data.notes
    cell = {"real": real_size, "synthetic": synthetic_count,
            "gan": gan_kind if synthetic_count else "none"}
    if synthetic_count:
        expected = str(real_size) if gan_kind == "specific" else FULL
        x_syn, y_syn, meta = load_synthetic(synthetic, synthetic_count, expected)
        parts.append((x_syn, y_syn))
        notes = notes + meta["notes"]
        cell |= variant_cell(meta)
    return run_cell(settings, cell, data, parts, seed=seed, notes=notes, result=result)


# --- GAN quality -------------------------------------------------------------------------

def per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    y_true = np.asarray(y_true, dtype=np.int64)
    hits = np.bincount(y_true, weights=(y_true == np.asarray(y_pred)), minlength=NUM_CLASSES)
    return hits / np.maximum(np.bincount(y_true, minlength=NUM_CLASSES), 1)


def diversity_ratio(x_syn: np.ndarray, y_syn: np.ndarray, x_real: np.ndarray,
                    y_real: np.ndarray) -> float:
    """Mean within-class pixel distance, synthetic / real (< 1: less varied than real digits)."""
    def spread(x, y):
        flat = x.reshape(len(x), -1).astype(np.float32) / 255.0
        out = []
        for d in range(NUM_CLASSES):
            v = flat[y == d]
            sq = (v * v).sum(1)
            dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * v @ v.T, 0))
            out.append(dist.sum() / max(len(v) * (len(v) - 1), 1))
        return np.mean(out)

    return float(spread(x_syn, y_syn) / spread(x_real, y_real))


def gan_quality_step(settings: SettingsView, *, reduced: Path, gan: Path, synthetic: Path,
                     result: Path) -> ResultRecord:
    """Why a GAN helps or hurts: label fidelity and usefulness of its synthetic digits.

    - GAN-test: a CNN trained on ``quality.reference_real_size`` real per class classifies
      the synthetic samples (accuracy overall and per class: does a "7" look like a 7?).
    - GAN-train: a CNN trained on synthetic samples only, tested on the real test set
      (diverse and realistic enough to teach the digits?); its accuracy is ``test_accuracy``.
    - diversity ratio: within-class spread of synthetic vs real digits.
    Both CNNs are the Table 2 CNN trained as in P2; the reference CNN is retrained identically
    (same data, seed) in every quality step so every GAN is judged by the same classifier.
    """
    p3 = settings.p3
    q = p3.quality
    seed = p3.seeds[0]
    data = load_reduced(reduced)
    gmeta = load_gan_meta(gan)
    ts = gmeta["train_set"]
    x_syn, y_syn, smeta = load_synthetic(synthetic, q.samples_per_class)
    if smeta["gan_tag"] != gmeta["tag"]:
        raise ValueError(f"{settings.step}: {synthetic} was not synthesised by the GAN in {gan}")
    x_ref, y_ref = data.train_subset(q.reference_real_size)
    cfg = settings.p2.classifier.train
    # One fit scores the real test set and the synthetic samples together.
    ref = train_and_test_cnn(x_ref, y_ref, np.concatenate([data.x_test, x_syn]),
                             np.concatenate([data.y_test, y_syn]), cfg, seed=seed,
                             name=f"{settings.step}[{ts}] reference CNN")
    n_test = len(data.y_test)
    ref_real = float(np.mean(ref.y_pred[:n_test] == data.y_test))
    gan_test_pred = ref.y_pred[n_test:]
    gan_test = float(np.mean(gan_test_pred == y_syn))
    per_class = per_class_accuracy(y_syn, gan_test_pred)
    gtrain = train_and_test_cnn(x_syn, y_syn, data.x_test, data.y_test, cfg, seed=seed,
                                name=f"{settings.step}[{ts}] GAN-train CNN")
    grid = plot_sample_grid(x_syn, y_syn, result / GRID_FILE, columns=q.grid_columns,
                            title=f"GAN trained on {ts}" + (" per class" if ts.isdigit() else "")
                            + f" ({gmeta['epochs']} epoch{'s' * (gmeta['epochs'] != 1)}):"
                            " one row per label")
    metrics = {
        "gan_train_accuracy": gtrain.test_accuracy, "gan_test_accuracy": gan_test,
        **{f"gan_test_class_{d}": float(per_class[d]) for d in range(NUM_CLASSES)},
        "reference_real_accuracy": ref_real,
        "diversity_ratio": diversity_ratio(x_syn, y_syn, x_ref, y_ref),
        "gan_epochs": float(gmeta["epochs"]), "gan_train_images": float(gmeta["images"]),
        "gan_train_seconds": float(gmeta["train_seconds"]),
        "quality_samples_per_class": float(q.samples_per_class),
        "quality_cnn_seconds": ref.train_seconds + gtrain.train_seconds,
    }
    log.info("%s[%s]: GAN-test %.4f, GAN-train %.4f (reference on real %.4f)", settings.step, ts,
             gan_test, gtrain.test_accuracy, ref_real)
    notes = [*gmeta["notes"], f"GAN: {gmeta['description']}",
             f"reference CNN: {q.reference_real_size} real per class; GAN-test and GAN-train "
             f"on {q.samples_per_class} synthetic per class"]
    # The record's test accuracy is GAN-train's: the synthetic-only CNN on the real test set.
    record = classification_record(
        experiment=settings.step, part=settings.part, cell={"train_set": ts, **variant_cell(smeta)},
        seed=seed, profile=settings.name,
        accuracy=gtrain.test_accuracy, loss=gtrain.test_loss, y_true=data.y_test,
        y_pred=gtrain.y_pred, train_images=len(y_syn), epochs_run=gtrain.epochs_run,
        train_seconds=float(gmeta["train_seconds"]), history=gmeta["history"], metrics=metrics,
        notes=list(dict.fromkeys(notes)))
    record.files["samples"] = grid.name
    save_record(record, result)
    return record
