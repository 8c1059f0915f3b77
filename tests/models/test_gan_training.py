"""ConditionalGAN training: one step moves every network; an interrupted, checkpointed run
resumes from its last checkpoint when restarted. Under TensorFlow the steps run eagerly (a few
steps cost less than tracing; the traced train_step runs in the train-gan step tests); under
JAX (test_gan_training_jax.py) they are compiled, which costs less than JAX's eager ops."""

from __future__ import annotations

import shutil

import keras
import numpy as np
import pytest

from digitstudy.models import gan as G

pytestmark = pytest.mark.slow

EPOCHS, CRASH_AFTER = 3, 2  # 100 images, batch 50: 2 steps per epoch
EAGER = keras.backend.backend() == "tensorflow"


class Crash(RuntimeError):
    pass


def weights(model: keras.Model) -> list[np.ndarray]:
    return [v.numpy().copy() for v in model.trainable_variables]


def nets(gan):
    return {"generator": gan.generator, "discriminator": gan.discriminator,
            "aux_classifier": gan.aux_classifier}


class Probe(keras.callbacks.Callback):
    """Weights when training starts and after its first batch; epochs begun; optional crash."""

    def __init__(self, crash_after: int | None = None):
        super().__init__()
        self.crash_after, self.epochs_begun = crash_after, []
        self.at_begin = self.after_first_batch = None
        self.iterations_at_begin = None

    def on_train_begin(self, logs=None):
        self.at_begin = {k: weights(m) for k, m in nets(self.model).items()}
        self.iterations_at_begin = int(self.model.g_optimizer.iterations.numpy())

    def on_train_batch_end(self, batch, logs=None):
        if self.after_first_batch is None:
            self.after_first_batch = {k: weights(m) for k, m in nets(self.model).items()}

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs_begun.append(epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.crash_after is not None and epoch + 1 == self.crash_after:
            raise Crash(f"simulated pod kill after epoch {epoch + 1}")


@pytest.fixture(scope="module")
def setup(p3_profile, digits, tmp_path_factory):
    x, y = digits(10, seed=3)
    train = p3_profile.p3.train.model_copy(update={"checkpoint_every": 1})
    ckpt = tmp_path_factory.mktemp("gan") / "checkpoint"
    probe = Probe(crash_after=CRASH_AFTER)
    with pytest.raises(Crash):
        G.train_conditional_gan(x, y, p3_profile.p3.architecture, train, checkpoint_dir=ckpt,
                                seed=7, name="test-gan", epochs=EPOCHS, run_eagerly=EAGER,
                                callbacks=[probe])
    return x, y, train, ckpt, probe


def test_one_train_step_changes_every_network(setup):
    *_, probe = setup
    for name in ("generator", "discriminator", "aux_classifier"):
        before, after = probe.at_begin[name], probe.after_first_batch[name]
        changed = sum(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
        assert changed == len(before), f"{name}: {changed}/{len(before)} weights moved"


def test_interrupted_run_leaves_its_last_checkpoint(setup):
    *_, ckpt, probe = setup
    assert probe.epochs_begun == [0, 1]
    with np.load(ckpt / G.CHECKPOINT_FILE) as npz:
        assert '"epoch": 2' in str(npz["__state__"])
    assert not list(ckpt.glob(".*.tmp"))  # written atomically


def test_restarted_run_resumes_from_the_checkpoint(setup, p3_profile, tmp_path):
    x, y, train, crashed, _ = setup
    ckpt = tmp_path / "checkpoint"  # a copy: the other tests read the checkpoint the crash left
    shutil.copytree(crashed, ckpt)
    with np.load(ckpt / G.CHECKPOINT_FILE) as npz:
        saved_generator = [npz[f"generator/{i}"] for i in range(len(
            [k for k in npz.files if k.startswith("generator/")]))]
    probe = Probe()
    res = G.train_conditional_gan(x, y, p3_profile.p3.architecture, train, checkpoint_dir=ckpt,
                                  seed=7, name="test-gan", epochs=EPOCHS, run_eagerly=EAGER,
                                callbacks=[probe])
    assert res.resumed_from == CRASH_AFTER and res.epochs == EPOCHS
    assert probe.epochs_begun == [CRASH_AFTER]  # only the missing epoch ran
    assert probe.iterations_at_begin == CRASH_AFTER * 2  # optimizer state restored
    restored = [v.numpy() for v in res.generator.variables]
    assert len(saved_generator) == len(restored)
    trainable = {id(v) for v in res.generator.trainable_variables}
    start = dict(zip(map(id, res.generator.trainable_variables),
                     probe.at_begin["generator"], strict=True))
    for var, saved in zip(res.generator.variables, saved_generator, strict=True):
        if id(var) in trainable:
            np.testing.assert_array_equal(start[id(var)], saved)
    assert all(len(v) == EPOCHS for v in res.history.values())
    assert {"d_loss", "g_loss", "g_aux_loss", "c_loss"} <= set(res.history)
    # finished: restarting again trains nothing
    again = Probe()
    G.train_conditional_gan(x, y, p3_profile.p3.architecture, train, checkpoint_dir=ckpt,
                            seed=7, name="test-gan", epochs=EPOCHS, run_eagerly=EAGER,
                                callbacks=[again])
    assert again.epochs_begun == []


def test_checkpoint_of_another_architecture_is_refused(setup, p3_profile):
    *_, ckpt, _ = setup
    arch = p3_profile.p3.architecture.model_copy(update={"generator_filters": [8, 8, 4]})
    gan, _ = G.build_conditional_gan(arch, p3_profile.p3.train, seed=0)
    with pytest.raises(G.CheckpointMismatch, match="delete it to start over"):
        G.restore_checkpoint(gan, ckpt)
