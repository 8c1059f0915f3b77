"""Conditional DCGAN of the study (Table 4) with an auxiliary MobileNetV2 classifier.

- Generator: label embedding + noise -> FC(7x7xF0)-BN-ReLU-Dropout -> reshape ->
  [ConvT(F, 5, 2) - conditional BN - ReLU - Dropout] x 2 -> Conv(1, 5, 1) - tanh, in [-1, 1].
- Discriminator: [Conv(F, 5, 2) - LeakyReLU - Dropout] x 3 -> Flatten -> concat(one-hot
  label) -> Dense(1) logit. With a linear head the label can only shift the logit per class,
  as in the study; label consistency comes from the conditional BN and the aux classifier.
- Auxiliary classifier (training only): grayscale replicated to 3 channels, resized to
  MobileNetV2's minimum 32x32, MobileNetV2 base, GAP, Dense(512, ReLU), Dropout(0.5),
  Dense(10) logits. It learns from the real batches; its loss on generated images (with
  their intended labels) is added to the generator loss.

Training follows keras.io's GAN examples: :class:`ConditionalGAN` is a ``keras.Model``
with ``compile(d_optimizer, g_optimizer, c_optimizer)`` and ``train_step``; losses are
tracked as metrics and the noise comes from a seeded ``SeedGenerator``. The losses are
``keras.ops``; only taking gradients differs by backend: a ``tf.GradientTape`` under
TensorFlow, ``jax.value_and_grad`` over stateless calls and ``stateless_apply`` under JAX
(Keras's documented pattern for a custom ``train_step`` on JAX).
:class:`GanCheckpoint` saves every network, optimizer state and the epoch so that
:func:`train_conditional_gan` resumes a restarted run from its last checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from digitstudy.config.p3 import AdamConfig, GanArchitecture, GanTrainConfig
from digitstudy.models.training import ArrayBatches, EpochLog, seed_everything

log = logging.getLogger(__name__)

NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28, 1)
AUX_INPUT_SIZE = 32  # MobileNetV2's minimum input side
CHECKPOINT_FILE = "gan_checkpoint.npz"
# Bump when training semantics change, so an older checkpoint is not resumed.
GAN_VERSION = 4  # 4: batch order from numpy (seed, epoch), any Keras backend


@keras.saving.register_keras_serializable(package="digitstudy")
class ConditionalBatchNorm(keras.layers.Layer):
    """Batch normalisation whose scale and shift are looked up from the class label.

    Called on ``[features (b, h, w, c), labels (b,) or (b, 1) int]``. The per-class scale
    starts near 1 (N(1, 0.02), the DCGAN init) and the shift at 0.
    """

    def __init__(self, num_classes: int = NUM_CLASSES, momentum: float = 0.99,
                 epsilon: float = 1e-3, **kwargs):
        super().__init__(**kwargs)
        self.num_classes, self.momentum, self.epsilon = num_classes, momentum, epsilon

    def build(self, input_shape):
        x_shape, label_shape = input_shape
        channels = x_shape[-1]
        self.norm = keras.layers.BatchNormalization(center=False, scale=False,
                                                    momentum=self.momentum, epsilon=self.epsilon,
                                                    name="norm")
        self.norm.build(x_shape)
        self.gamma = keras.layers.Embedding(
            self.num_classes, channels, name="gamma",
            embeddings_initializer=keras.initializers.RandomNormal(1.0, 0.02))
        self.beta = keras.layers.Embedding(self.num_classes, channels, name="beta",
                                           embeddings_initializer="zeros")
        self.gamma.build((None,))
        self.beta.build((None,))

    def call(self, inputs, training=None):
        x, labels = inputs
        labels = keras.ops.reshape(keras.ops.cast(labels, "int32"), (-1,))
        gamma = self.gamma(labels)[:, None, None, :]
        beta = self.beta(labels)[:, None, None, :]
        return self.norm(x, training=training) * gamma + beta

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "momentum": self.momentum, "epsilon": self.epsilon}


def _label_input(name: str) -> keras.KerasTensor:
    return keras.Input((1,), dtype="int32", name=name)


def _conv_block(h, filters: int, arch: GanArchitecture, *, up: bool, label=None, name: str):
    """One Table 4 row group: (transposed) conv 5x5 stride 2, normalisation, activation, dropout.

    Generator blocks (``up``) use conditional BN on ``label`` and ReLU; discriminator
    blocks use LeakyReLU and no normalisation.
    """
    conv = keras.layers.Conv2DTranspose if up else keras.layers.Conv2D
    h = conv(filters, 5, strides=2, padding="same", use_bias=not up, name=f"{name}_conv")(h)
    if up:
        h = ConditionalBatchNorm(NUM_CLASSES, name=f"{name}_cbn")([h, label])
        h = keras.layers.ReLU(name=f"{name}_relu")(h)
    else:
        h = keras.layers.LeakyReLU(arch.leaky_slope, name=f"{name}_lrelu")(h)
    return keras.layers.Dropout(arch.dropout, name=f"{name}_dropout")(h)


def build_generator(arch: GanArchitecture) -> keras.Model:
    """``[noise (b, noise_dim), label (b, 1)] -> image (b, 28, 28, 1)`` in [-1, 1]."""
    f0, f1, f2 = arch.generator_filters
    noise = keras.Input((arch.noise_dim,), name="noise")
    label = _label_input("label")
    emb = keras.layers.Flatten(name="label_flat")(
        keras.layers.Embedding(NUM_CLASSES, arch.label_embedding_dim,
                               name="label_embedding")(label))
    h = keras.layers.Concatenate(name="noise_label")([noise, emb])
    h = keras.layers.Dense(7 * 7 * f0, use_bias=False, name="fc")(h)
    h = keras.layers.BatchNormalization(name="fc_bn")(h)
    h = keras.layers.ReLU(name="fc_relu")(h)
    h = keras.layers.Dropout(arch.dropout, name="fc_dropout")(h)
    h = keras.layers.Reshape((7, 7, f0), name="reshape")(h)
    h = _conv_block(h, f1, arch, up=True, label=label, name="up1")  # 14x14
    h = _conv_block(h, f2, arch, up=True, label=label, name="up2")  # 28x28
    image = keras.layers.Conv2D(1, 5, padding="same", activation="tanh", name="to_image")(h)
    return keras.Model([noise, label], image, name="generator")


def build_discriminator(arch: GanArchitecture) -> keras.Model:
    """``[image (b, 28, 28, 1) in [-1, 1], label (b, 1)] -> real/fake logit (b, 1)``."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    label = _label_input("label")
    h = image
    for i, filters in enumerate(arch.discriminator_filters, start=1):
        h = _conv_block(h, filters, arch, up=False, name=f"down{i}")
    h = keras.layers.Flatten(name="flatten")(h)
    onehot = keras.layers.CategoryEncoding(NUM_CLASSES, output_mode="one_hot", name="onehot")(label)
    h = keras.layers.Concatenate(name="features_label")([h, onehot])
    logit = keras.layers.Dense(1, name="logit")(h)
    return keras.Model([image, label], logit, name="discriminator")


def mobilenet_base(weights: str | None, alpha: float) -> tuple[keras.Model, str | None]:
    """MobileNetV2 without top on 32x32x3 and the weights actually used.

    ``weights="imagenet"`` that cannot be fetched (offline, no cache) falls back to
    random initialisation with one warning instead of failing the step.
    """
    shape = (AUX_INPUT_SIZE, AUX_INPUT_SIZE, 3)
    if weights is not None:
        try:
            with warnings.catch_warnings():  # 32x32 takes the 224x224 weights: the convs fit
                warnings.filterwarnings("ignore", message=".*input_shape. is undefined")
                base = keras.applications.MobileNetV2(input_shape=shape, include_top=False,
                                                      weights=weights, alpha=alpha)
            log.info("aux classifier: MobileNetV2 base with %s weights", weights)
            return base, weights
        except Exception as err:  # keras raises a bare Exception on fetch failures
            log.warning("aux classifier: MobileNetV2 %s weights unavailable (%s); "
                        "FALLING BACK TO RANDOM INITIALISATION", weights, str(err).splitlines()[0])
    else:
        log.info("aux classifier: MobileNetV2 base randomly initialised (profile: weights null)")
    base = keras.applications.MobileNetV2(input_shape=shape, include_top=False, weights=None,
                                          alpha=alpha)
    return base, None


def build_aux_classifier(arch: GanArchitecture) -> tuple[keras.Model, str | None]:
    """``image (b, 28, 28, 1) in [-1, 1] -> class logits (b, 10)`` and the base weights used."""
    base, used = mobilenet_base(arch.aux_base_weights, arch.aux_alpha)
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = arch.aux_bn_momentum
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = keras.layers.Concatenate(name="to_rgb")([image, image, image])
    h = keras.layers.Resizing(AUX_INPUT_SIZE, AUX_INPUT_SIZE, name="resize")(h)
    h = base(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    h = keras.layers.Dense(arch.aux_dense_units, activation="relu", name="head_dense")(h)
    h = keras.layers.Dropout(arch.aux_dropout, name="head_dropout")(h)
    logits = keras.layers.Dense(NUM_CLASSES, name="logits")(h)
    return keras.Model(image, logits, name="aux_classifier"), used


def _adam(cfg: AdamConfig) -> keras.optimizers.Adam:
    return keras.optimizers.Adam(cfg.learning_rate, beta_1=cfg.beta_1, beta_2=cfg.beta_2)


class ConditionalGAN(keras.Model):
    """Generator, discriminator and auxiliary classifier trained together (keras.io idiom).

    ``fit`` takes batches ``(real images in [-1, 1], int labels)``. Each step: the
    discriminator learns real vs generated (same labels), the aux classifier learns the
    real batch, then the generator learns to fool the discriminator and to be classified
    as its label by the aux classifier (weight ``aux_weight``).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 aux_classifier: keras.Model, *, noise_dim: int, aux_weight: float, seed: int,
                 **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.aux_classifier = aux_classifier
        self.noise_dim, self.aux_weight = noise_dim, aux_weight
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in (
            "d_loss", "g_loss", "g_adv_loss", "g_aux_loss", "g_aux_acc", "c_loss", "c_acc")}
        self.built = True  # its networks are; fit need not trace a call() it does not have

    def compile(self, d_optimizer, g_optimizer, c_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer, self.c_optimizer = d_optimizer, g_optimizer, c_optimizer
        # What fit sees as "the optimizer": the three, as one list of variables. The JAX
        # trainer carries self.optimizer.variables through its stateless train_step.
        self.optimizer = _Optimizers(d_optimizer, g_optimizer, c_optimizer)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.cce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def optimizers(self) -> dict[str, tuple[keras.optimizers.Optimizer, keras.Model]]:
        return {"d_optimizer": (self.d_optimizer, self.discriminator),
                "g_optimizer": (self.g_optimizer, self.generator),
                "c_optimizer": (self.c_optimizer, self.aux_classifier)}

    def _noise(self, batch):
        return keras.random.normal((batch, self.noise_dim), seed=self.seed_generator)

    # The three losses of one step, in keras.ops: each returns (loss, tensors to report).

    def _d_loss(self, real, labels):
        fake = self.generator([self._noise(keras.ops.shape(real)[0]), labels], training=True)
        real_logits = self.discriminator([real, labels], training=True)
        fake_logits = self.discriminator([fake, labels], training=True)
        return (self.bce(keras.ops.ones_like(real_logits), real_logits)
                + self.bce(keras.ops.zeros_like(fake_logits), fake_logits)), {}

    def _c_loss(self, real, labels):
        real_class = self.aux_classifier(real, training=True)
        return self.cce(labels, real_class), {"real_class": real_class}

    def _g_loss(self, real, labels):
        fake = self.generator([self._noise(keras.ops.shape(real)[0]), labels], training=True)
        fake_logits = self.discriminator([fake, labels], training=True)
        fake_class = self.aux_classifier(fake, training=False)
        g_adv = self.bce(keras.ops.ones_like(fake_logits), fake_logits)
        g_aux = self.cce(labels, fake_class)
        return g_adv + self.aux_weight * g_aux, {"g_adv": g_adv, "g_aux": g_aux,
                                                  "fake_class": fake_class}

    def _phases(self):
        """(optimizer, network, loss) in the order of one step: D, then aux classifier, then G."""
        return ((self.d_optimizer, self.discriminator, self._d_loss),
                (self.c_optimizer, self.aux_classifier, self._c_loss),
                (self.g_optimizer, self.generator, self._g_loss))

    def _logs(self, losses, reported, labels) -> list[tuple[str, object]]:
        def accuracy(logits):
            hits = keras.ops.equal(keras.ops.argmax(logits, axis=1), labels[:, 0])
            return keras.ops.mean(keras.ops.cast(hits, "float32"))

        d_loss, c_loss, g_loss = losses
        return [("d_loss", d_loss), ("g_loss", g_loss), ("g_adv_loss", reported["g_adv"]),
                ("g_aux_loss", reported["g_aux"]),
                ("g_aux_acc", accuracy(reported["fake_class"])),
                ("c_loss", c_loss), ("c_acc", accuracy(reported["real_class"]))]

    def train_step(self, *args):
        """One D, aux-classifier and G update. JAX calls ``(state, data)``, TensorFlow
        ``(data)``."""
        if keras.backend.backend() == "jax":
            return self._jax_train_step(*args)
        if keras.backend.backend() == "tensorflow":
            return self._tf_train_step(*args)
        raise NotImplementedError(f"ConditionalGAN trains under the tensorflow and jax Keras "
                                  f"backends, not {keras.backend.backend()!r}")

    def _tf_train_step(self, data):
        import tensorflow as tf

        real, labels = _batch(data)
        losses, reported = [], {}
        for optimizer, net, loss_fn in self._phases():
            with tf.GradientTape() as tape:
                loss, extra = loss_fn(real, labels)
            variables = net.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
            losses.append(loss)
            reported.update(extra)
        for name, value in self._logs(losses, reported, labels):
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def _jax_train_step(self, state, data):
        import jax

        real, labels = _batch(data)
        variables = [*self.trainable_variables, *self.non_trainable_variables,
                     *self.optimizer.variables, *self.metrics_variables]
        values = {id(v): value for v, value in zip(variables, [x for part in state for x in part],
                                                   strict=True)}

        def scope(over, current):
            return keras.StatelessScope(state_mapping=[(v, current[id(v)]) for v in over])

        losses, reported = [], {}
        for optimizer, net, loss_fn in self._phases():
            net_vars = net.trainable_variables

            def stateless_loss(net_values, net_vars=net_vars, loss_fn=loss_fn):
                current = {**values, **dict(zip(map(id, net_vars), net_values, strict=True))}
                with scope(variables, current) as s:
                    loss, extra = loss_fn(real, labels)
                # Batch-norm statistics and the noise seed advance.
                updates = [s.get_current_value(v) for v in self.non_trainable_variables]
                return loss, (extra, updates)

            before = [values[id(v)] for v in net_vars]
            (loss, (extra, updates)), grads = jax.value_and_grad(stateless_loss, has_aux=True)(
                before)
            values.update(zip(map(id, self.non_trainable_variables), updates, strict=True))
            new_net, new_opt = optimizer.stateless_apply(
                [values[id(v)] for v in optimizer.variables], grads, before)
            values.update(zip(map(id, net_vars), new_net, strict=True))
            values.update(zip(map(id, optimizer.variables), new_opt, strict=True))
            losses.append(loss)
            reported.update(extra)
        with scope(self.metrics_variables, values) as s:
            for name, value in self._logs(losses, reported, labels):
                self.trackers[name].update_state(value)
            logs = {name: t.result() for name, t in self.trackers.items()}
            values.update((id(v), s.get_current_value(v)) for v in self.metrics_variables)
        return logs, tuple([values[id(v)] for v in part] for part in (
            self.trainable_variables, self.non_trainable_variables, self.optimizer.variables,
            self.metrics_variables))


def _batch(data):
    """(images, labels (b, 1) int32) as backend tensors (eager steps get NumPy arrays)."""
    real, labels = data
    labels = keras.ops.reshape(keras.ops.cast(labels, "int32"), (-1, 1))
    return keras.ops.convert_to_tensor(real, "float32"), labels


class _Optimizers:
    """The three optimizers seen as one by ``fit``: their variables in a fixed order."""

    built = True

    def __init__(self, *optimizers: keras.optimizers.Optimizer):
        self.optimizers = optimizers

    @property
    def variables(self) -> list:
        return [v for opt in self.optimizers for v in opt.variables]

    def scale_loss(self, loss):
        return loss


def build_conditional_gan(arch: GanArchitecture, train: GanTrainConfig, *, seed: int,
                          run_eagerly: bool = False) -> tuple[ConditionalGAN, str | None]:
    """A compiled :class:`ConditionalGAN` and the aux base weights actually loaded.

    ``run_eagerly`` skips tracing ``train_step`` (~20 s for the MobileNetV2 graph): faster
    for a handful of steps (tests), much slower per step.
    """
    aux, used = build_aux_classifier(arch)
    gan = ConditionalGAN(build_generator(arch), build_discriminator(arch), aux,
                         noise_dim=arch.noise_dim, aux_weight=train.aux_weight, seed=seed)
    gan.compile(d_optimizer=_adam(train.discriminator), g_optimizer=_adam(train.generator),
                c_optimizer=_adam(train.aux_classifier), run_eagerly=run_eagerly)
    # Built eagerly: slot variables created inside the traced train_step cost a second trace.
    for opt, net in gan.optimizers().values():
        opt.build(net.trainable_variables)
    return gan, used


# --- checkpoints -------------------------------------------------------------------------

def _checkpoint_groups(gan: ConditionalGAN) -> dict[str, list]:
    """Every variable a resumed run needs, by group, in a stable order."""
    groups = {name: list(net.variables) for name, net in (
        ("generator", gan.generator), ("discriminator", gan.discriminator),
        ("aux_classifier", gan.aux_classifier))}
    for name, (opt, _) in gan.optimizers().items():
        groups[name] = list(opt.variables)
    groups["noise"] = [gan.seed_generator.state]
    return groups


def save_checkpoint(gan: ConditionalGAN, directory: Path, *, epoch: int,
                    history: dict[str, list[float]], seconds: float) -> Path:
    """One atomic file: all variables, the epochs done, the history and train seconds so far."""
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {f"{group}/{i}": v.numpy()
              for group, variables in _checkpoint_groups(gan).items()
              for i, v in enumerate(variables)}
    state = {"epoch": epoch, "history": history, "seconds": seconds}
    path = directory / CHECKPOINT_FILE
    tmp = directory / f".{CHECKPOINT_FILE}.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, __state__=np.array(json.dumps(state)), **arrays)
    os.replace(tmp, path)
    return path


class CheckpointMismatch(ValueError):
    """A checkpoint that does not fit the model (the profile changed): names file and variable."""


def restore_checkpoint(gan: ConditionalGAN, directory: Path) -> dict | None:
    """Load the last checkpoint into ``gan``; its state (epoch, history, seconds) or None."""
    path = directory / CHECKPOINT_FILE
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as npz:
        stored = {k: npz[k] for k in npz.files}
    state = json.loads(str(stored.pop("__state__")))
    groups = _checkpoint_groups(gan)
    expected = {f"{g}/{i}" for g, vs in groups.items() for i in range(len(vs))}
    if set(stored) != expected:
        raise CheckpointMismatch(
            f"{path}: holds {len(stored)} variables, the model has {len(expected)} "
            f"(differs in {sorted(set(stored) ^ expected)[:5]}); delete it to start over")
    for group, variables in groups.items():
        for i, var in enumerate(variables):
            value = stored[f"{group}/{i}"]
            if tuple(value.shape) != tuple(var.shape):
                raise CheckpointMismatch(f"{path}: {group} variable {i} ({var.path}) has shape "
                                         f"{tuple(var.shape)}, checkpoint {value.shape}; delete "
                                         "it to start over")
            var.assign(value)
    return state


class GanCheckpoint(keras.callbacks.Callback):
    """Checkpoint every ``every`` epochs and after the last one; keeps the full history."""

    def __init__(self, directory: Path, every: int, epochs: int, *, history: dict | None = None,
                 seconds: float = 0.0):
        super().__init__()
        self.directory, self.every, self.epochs = directory, every, epochs
        self.history = {k: list(v) for k, v in (history or {}).items()}
        self.seconds_before = seconds
        self._t0 = time.perf_counter()

    def on_train_begin(self, logs=None):
        self._t0 = time.perf_counter()

    @property
    def seconds(self) -> float:
        return self.seconds_before + time.perf_counter() - self._t0

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))
        done = epoch + 1
        if done % self.every == 0 or done == self.epochs:
            save_checkpoint(self.model, self.directory, epoch=done, history=self.history,
                            seconds=self.seconds)
            log.info("checkpoint: epoch %d/%d -> %s", done, self.epochs, self.directory)


# --- training and synthesis --------------------------------------------------------------

def to_gan_range(x: np.ndarray) -> np.ndarray:
    """uint8 0-255 or float [0, 1] images (n, 28, 28[, 1]) -> float32 [-1, 1] (n, 28, 28, 1)."""
    x = np.asarray(x)
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    return (x.astype(np.float32).reshape(-1, *IMAGE_SHAPE) / scale) * 2.0 - 1.0


@dataclass
class GanTrainResult:
    generator: keras.Model
    gan: ConditionalGAN
    history: dict[str, list[float]]  # every epoch, across restarts
    seconds: float  # training wall time, summed over restarts
    epochs: int
    resumed_from: int  # epochs already done by a checkpoint when this run started
    aux_weights: str | None  # the aux base weights actually used


def train_conditional_gan(
    x: np.ndarray,
    y: np.ndarray,
    arch: GanArchitecture,
    train: GanTrainConfig,
    *,
    checkpoint_dir: Path,
    seed: int,
    name: str,
    epochs: int | None = None,
    run_eagerly: bool = False,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> GanTrainResult:
    """Train (or resume) a conditional GAN on images ``x`` (uint8 or [0, 1]) with labels ``y``.

    A checkpoint in ``checkpoint_dir`` (from an interrupted run with the same config) is
    restored and training continues from its epoch; a finished checkpoint trains nothing.
    """
    epochs = epochs or train.epochs
    if len(x) != len(y) or len(y) == 0:
        raise ValueError(f"{name}: {len(x)} images and {len(y)} labels")
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=NUM_CLASSES)
    if len(counts) > NUM_CLASSES or (counts == 0).any():
        raise ValueError(f"{name}: every digit 0-9 needs training images, counts {counts.tolist()}")
    seed_everything(seed)
    gan, used = build_conditional_gan(arch, train, seed=seed, run_eagerly=run_eagerly)
    state = restore_checkpoint(gan, checkpoint_dir) or {"epoch": 0, "history": {}, "seconds": 0.0}
    start = int(state["epoch"])
    if start:
        log.info("%s: resuming from the checkpoint at epoch %d/%d", name, start, epochs)
    ckpt = GanCheckpoint(checkpoint_dir, train.checkpoint_every, epochs,
                         history=state["history"], seconds=state["seconds"])
    if start < epochs:
        # Epoch e's order depends on (seed, e) only, so a run resumed at epoch `start` sees
        # the batches an uninterrupted run sees.
        ds = ArrayBatches(to_gan_range(x), np.asarray(y, np.int32), train.batch_size, seed=seed)
        gan.fit(ds, epochs=epochs, initial_epoch=start, verbose=0,
                shuffle=False,  # ArrayBatches shuffles itself (seeded)
                callbacks=[ds.callback(), EpochLog(name, epochs), ckpt, *(callbacks or [])])
    seconds = ckpt.seconds if start < epochs else float(state["seconds"])
    return GanTrainResult(gan.generator, gan, ckpt.history, seconds, max(start, epochs), start,
                          used)


def balanced_labels(per_class: int) -> np.ndarray:
    """Rank-major labels 0..9, 0..9, ...: any prefix of ``10 * k`` is ``k`` per class."""
    return np.tile(np.arange(NUM_CLASSES, dtype=np.uint8), per_class)


def to_pixels(out: np.ndarray) -> np.ndarray:
    """Generator output (n, 28, 28, 1) in [-1, 1] -> uint8 (n, 28, 28) in 0-255."""
    return np.clip(np.rint((np.asarray(out)[..., 0] + 1.0) * 127.5), 0, 255).astype(np.uint8)


def generate_images(generator: keras.Model, noise: np.ndarray, labels: np.ndarray, *,
                    training: bool = False, batch_size: int = 500) -> np.ndarray:
    """uint8 digits for ``noise`` (n, noise_dim) and ``labels`` (n,), in batches.

    ``training=False``: inference mode (no dropout, BN moving statistics); ``True``: dropout
    active and BN on each batch's own statistics, as during GAN training.
    """
    labels = np.asarray(labels, np.int32).reshape(-1, 1)
    if not training:
        return to_pixels(generator.predict([noise, labels], batch_size=batch_size, verbose=0))
    return to_pixels(np.concatenate([
        keras.ops.convert_to_numpy(generator([noise[i:i + batch_size], labels[i:i + batch_size]],
                                             training=True))
        for i in range(0, len(labels), batch_size)]))


def noise_for(generator: keras.Model, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n, generator.input_shape[0][-1])).astype(np.float32)


def synthesize(generator: keras.Model, per_class: int, *, seed: int, batch_size: int = 500,
               training: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` images of every digit: uint8 (n, 28, 28) in 0-255 and labels, rank-major.

    Uses the generator in inference mode (no dropout, BN moving statistics) unless
    ``training``; the tanh output is mapped back to the classifiers' pixel range.
    """
    labels = balanced_labels(per_class)
    if training:
        seed_everything(seed)  # the dropout masks
    noise = noise_for(generator, len(labels), np.random.default_rng(seed))
    return generate_images(generator, noise, labels, training=training,
                           batch_size=batch_size), labels
