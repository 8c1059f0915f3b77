"""Time the paper profile's training steps under one Keras backend (meant for JAX on a GPU).

    KERAS_BACKEND=jax python scripts/bench_training.py --out timings.json [--scale 1.0]

Synthetic data of the paper's shapes (time only, accuracy means nothing): every model is
built by the library's own builders with the paper profile's settings, fitted through
``digitstudy.models.training.fit`` / ``train_conditional_gan`` for its full epochs (early
stopping off, so the times are upper bounds), and the first epoch (tracing / compilation)
is timed apart from the rest. ``--scale`` shrinks data and epochs for a CPU rehearsal of the
same code path. ``--budget`` seconds: a model still training then stops after its current
epoch and the record says how many epochs ran. Results go to ``--out`` after each model.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from digitstudy.config import TrainConfig, load_profile
from digitstudy.models import gan as G
from digitstudy.models.attention_cnn import build_named
from digitstudy.models.autoencoders import build_dense_autoencoder
from digitstudy.models.cnn import build_table2_cnn
from digitstudy.models.training import fit, seed_everything

P1_INPUT_DIM = 3965  # 13 MFCCs x 305 frames, padded and flattened (Problem 1, 1.2)


class EpochTimes(keras.callbacks.Callback):
    """Seconds per epoch; stops training once ``deadline`` (perf_counter) has passed."""

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline, self.times, self._t0 = deadline, [], 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._t0)
        if time.perf_counter() > self.deadline:
            self.model.stop_training = True


def peak_gib() -> float | None:
    """The accelerator's peak bytes in use so far (JAX's allocator), in GiB; None elsewhere."""
    if keras.backend.backend() != "jax":
        return None
    import jax

    stats = jax.local_devices()[0].memory_stats() or {}
    peak = stats.get("peak_bytes_in_use")
    return None if peak is None else round(peak / 2**30, 3)


def summary(name: str, times: list[float], steps: int, epochs_planned: int, n: int,
            batch: int, wall: float) -> dict:
    steady = statistics.median(times[1:]) if len(times) > 1 else None
    rec = {"model": name, "train_images": n, "batch_size": batch, "steps_per_epoch": steps,
           "epochs_planned": epochs_planned, "epochs_run": len(times),
           "first_epoch_s": round(times[0], 3) if times else None,
           "steady_epoch_s": None if steady is None else round(steady, 4),
           "ms_per_step": None if steady is None else round(1000 * steady / steps, 3),
           "wall_s": round(wall, 2), "peak_gib_so_far": peak_gib()}
    if steady is not None:
        rec["projected_full_s"] = round(times[0] + steady * (epochs_planned - 1), 1)
    return rec


def images(n: int, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.random((n, *shape), dtype=np.float32)


def labels(n: int) -> np.ndarray:
    return (np.arange(n) % 10).astype(np.int32)


def classifier_run(name: str, model: keras.Model, x, y, val, cfg: TrainConfig, *, loss: str,
                   deadline: float, clipnorm: float | None = None) -> dict:
    probe = EpochTimes(deadline)
    t0 = time.perf_counter()
    fit(model, x, y, val, cfg.model_copy(update={"patience": None, "reduce_lr": None}),
        loss=loss, metrics=["accuracy"] if loss != "mse" else None, seed=42, name=name,
        clipnorm=clipnorm, callbacks=[probe])
    return summary(name, probe.times, -(-len(x) // cfg.batch_size), cfg.epochs, len(x),
                   cfg.batch_size, time.perf_counter() - t0)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scale", type=float, default=1.0, help="data and epochs x this (rehearsal)")
    ap.add_argument("--budget", type=float, default=330.0, help="seconds for all models")
    ap.add_argument("--only", nargs="*", help="model names to run (default: all)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    deadline = start + args.budget
    profile = load_profile("paper")
    rng = np.random.default_rng(0)

    def n_of(n: int) -> int:
        return max(20, int(n * args.scale))

    def epochs_of(cfg):
        return cfg.model_copy(update={"epochs": max(2, int(round(cfg.epochs * args.scale)))})

    out = {"backend": keras.backend.backend(), "keras": keras.__version__,
           "python": platform.python_version(), "scale": args.scale,
           "data": "synthetic, paper shapes (time only)", "models": []}
    if keras.backend.backend() == "jax":
        import jax

        out["jax"] = jax.__version__
        out["devices"] = [str(d) for d in jax.devices()]

    def record(rec: dict) -> None:
        rec["since_start_s"] = round(time.perf_counter() - start, 1)
        out["models"].append(rec)
        print(json.dumps(rec), flush=True)
        args.out.write_text(json.dumps(out, indent=1))

    def wanted(name: str) -> bool:
        return not args.only or name in args.only

    # Problem 3: the 300-per-class GAN, 75 epochs, batch 128 (aux base random: no network).
    if wanted("gan-300"):
        p3 = profile.p3
        arch = p3.architecture.model_copy(update={"aux_base_weights": None})
        train = epochs_of(p3.train)
        n = n_of(3000)
        x = (rng.random((n, 28, 28)) * 255).astype(np.uint8)
        probe = EpochTimes(start + 0.6 * args.budget)
        t0 = time.perf_counter()
        ckpt = Path(tempfile.mkdtemp()) / "gan-checkpoint"  # not under --out: it is large
        G.train_conditional_gan(x, labels(n), arch, train, checkpoint_dir=ckpt, seed=42,
                                name="gan-300", callbacks=[probe])
        rec = summary("gan-300", probe.times, -(-n // train.batch_size), train.epochs, n,
                      train.batch_size, time.perf_counter() - t0)
        rec["note"] = "checkpoint every 5 epochs included"
        record(rec)

    # Problem 2/3 cells: the Table 2 CNN, 20 epochs, batch 32 (3,000 images: 300 per class).
    if wanted("table2-cnn"):
        cfg = epochs_of(profile.p2.classifier.train)
        n = n_of(3000)
        seed_everything(42)
        record(classifier_run("table2-cnn", build_table2_cnn((28, 28, 1)),
                              images(n, (28, 28, 1), rng), labels(n), None, cfg,
                              loss="sparse_categorical_crossentropy", deadline=deadline))

    # Problem 1.2: the dense autoencoder at 300D, 100 epochs, batch 32, on 2100 utterances.
    if wanted("p1-autoencoder-300"):
        ae_cfg = profile.p1.autoencoder
        cfg = epochs_of(ae_cfg.train)
        n, nv = n_of(2100), n_of(450)
        seed_everything(42)
        ae, _ = build_dense_autoencoder(P1_INPUT_DIM, ae_cfg.hidden_units, 300, ae_cfg.l2,
                                        l2_scope=ae_cfg.l2_scope)
        x, xv = images(n, (P1_INPUT_DIM,), rng), images(nv, (P1_INPUT_DIM,), rng)
        record(classifier_run("p1-autoencoder-300", ae, x, x, (xv, xv), cfg, loss="mse",
                              deadline=deadline))

    # Problem 4: Part A's six models (5,000 train / 1,000 validation, 28x28x1, 10 epochs,
    # batch 32) and Part B's three (2,400 / 300 spectrograms 128x128x3, 15 epochs, batch 16,
    # clipnorm 1).
    parts = ((profile.p4a, 5000, 1000, (28, 28, 1), None),
             (profile.p4b, 2400, 300, (128, 128, 3), profile.p4b.clipnorm))
    for part, n_train, n_val, shape, clipnorm in parts:
        for model in filter(wanted, part.models):
            cfg = epochs_of(part.train)
            n, nv = n_of(n_train), n_of(n_val)
            seed_everything(42)
            record(classifier_run(model, build_named(model, shape), images(n, shape, rng),
                                  labels(n), (images(nv, shape, rng), labels(nv)), cfg,
                                  loss="sparse_categorical_crossentropy", deadline=deadline,
                                  clipnorm=clipnorm))
    out["total_s"] = round(time.perf_counter() - start, 1)
    out["peak_gib"] = peak_gib()
    args.out.write_text(json.dumps(out, indent=1))
    print(f"done in {out['total_s']} s; peak {out['peak_gib']} GiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
