"""One train-gan step as its own process, for test_resume.py (run: python this.py OUT).

Trains a micro conditional GAN (the p3 test architecture, 10 synthetic digits per class)
through ``gan_grid.train_and_save_gan``, the code the train-gan step runs, so checkpoints
go wherever ``DIGITSTUDY_CHECKPOINT_STORE`` / ``DIGITSTUDY_RUN`` / ``MINIO_*`` say. Writes
``OUT/weights.npz`` (every generator variable) and ``OUT/gan.json``. With
``STALL_IN_EPOCH=k`` it stops for good in the middle of epoch k (1-based), after that
epoch's first batch, and waits to be killed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

EPOCHS = 4


def main(out: Path) -> None:
    import keras
    import numpy as np
    from mnist_fixtures import block_digits
    from profile_overrides import small_gan_profile

    from digitstudy.experiments import gan_grid

    stall = int(os.environ.get("STALL_IN_EPOCH", "0"))

    class Stall(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == stall:
                print(f"stalled in epoch {stall}", flush=True)
                time.sleep(3600)

    real_train = gan_grid.train_conditional_gan

    def train(*args, callbacks=(), **kwargs):
        return real_train(*args, callbacks=[*callbacks, Stall()], **kwargs)

    gan_grid.train_conditional_gan = train
    profile = small_gan_profile(p3__train__checkpoint_every=1)
    x, y = block_digits(10, seed=3)
    data = gan_grid.TrainingSet(x, y, "10 synthetic digits per class")
    gan = out / "gan"  # a fresh output folder per process, like a retried pod's emptyDir
    meta = gan_grid.train_and_save_gan(profile, data, gan, train_set="10", epochs=EPOCHS)
    assert keras.backend.backend() == os.environ.get("KERAS_BACKEND", "tensorflow")
    generator = keras.models.load_model(gan / gan_grid.GENERATOR_FILE)
    np.savez(out / "weights.npz", *[v.numpy() for v in generator.variables])
    (out / "gan.json").write_text(json.dumps(meta))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
