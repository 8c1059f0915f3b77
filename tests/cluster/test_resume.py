"""A train-gan process SIGKILLed mid-run resumes in a new process from the object store.

Three processes run the same micro GAN (gan_resume_worker.py) with the same seed on CPU:
an uninterrupted one with no store; one with the checkpoint store on a real SeaweedFS,
killed (SIGKILL) in the middle of epoch 3 after epoch 2's checkpoint was pushed; and a
new one, with a fresh output folder (a retried pod's emptyDir), that pulls that
checkpoint and finishes. The resumed generator must equal the uninterrupted one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from digitstudy import checkpoints, storage

pytestmark = [pytest.mark.resume, pytest.mark.objectstore, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RUN = "digitstudy-resume-test"


def worker_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINIO_", "DIGITSTUDY_CHECKPOINT", "DIGITSTUDY_RUN"))}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), str(ROOT / "tests"),
                                           str(HERE)]),
               CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0",
               TF_DETERMINISTIC_OPS="1", OMP_NUM_THREADS="1")
    env.update(extra)
    return env


def start(out: Path, env: dict[str, str]) -> subprocess.Popen:
    out.mkdir(parents=True)
    return subprocess.Popen([sys.executable, str(HERE / "gan_resume_worker.py"), str(out)],
                            env=worker_env(env), cwd=out, stdout=open(out / "log.txt", "w"),
                            stderr=subprocess.STDOUT)


def finish(proc: subprocess.Popen, out: Path, timeout: float = 600) -> dict:
    assert proc.wait(timeout=timeout) == 0, (out / "log.txt").read_text()[-3000:]
    return json.loads((out / "gan.json").read_text())


def weights(out: Path) -> list[np.ndarray]:
    with np.load(out / "weights.npz") as npz:
        return [npz[f"arr_{i}"] for i in range(len(npz.files))]


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_killed_training_resumes_from_the_object_store_and_matches_an_uninterrupted_run(
        weed_server, tmp_path, backend):
    config = weed_server.config()
    storage.Storage(config).ensure_buckets([storage.CHECKPOINTS_BUCKET])
    run = f"{RUN}-{backend}"
    store_env = {**weed_server.weed.env(), checkpoints.STORE_ENV: "s3://checkpoints",
                 checkpoints.RUN_ENV: run, "KERAS_BACKEND": backend}

    reference = start(tmp_path / "uninterrupted", {"KERAS_BACKEND": backend})
    killed = start(tmp_path / "killed", {**store_env, "STALL_IN_EPOCH": "3"})
    try:
        log = tmp_path / "killed" / "log.txt"
        deadline = time.monotonic() + 600
        while "stalled in epoch 3" not in log.read_text():
            assert killed.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker never reached epoch 3"
            time.sleep(0.5)
        os.kill(killed.pid, signal.SIGKILL)  # mid-epoch, as a deleted pod
        assert killed.wait(timeout=30) == -signal.SIGKILL
    finally:
        if killed.poll() is None:
            killed.kill()
    assert not (tmp_path / "killed" / "gan.json").exists()
    listing = storage.Storage(config).list_keys(storage.CHECKPOINTS_BUCKET, f"{run}/")
    (generation,) = {k.split("/")[2] for k in listing}  # older generations were dropped
    assert any(k.endswith(storage.MANIFEST) for k in listing)

    resumed = finish(start(tmp_path / "resumed", store_env), tmp_path / "resumed")
    expected = finish(reference, tmp_path / "uninterrupted")

    assert resumed["resumed_from"] == 2 and expected["resumed_from"] == 0
    assert "resumed from a checkpoint at epoch 2" in resumed["notes"]
    assert resumed["epochs"] == expected["epochs"] == 4
    for key in expected["history"]:
        np.testing.assert_allclose(resumed["history"][key], expected["history"][key],
                                   rtol=1e-5, err_msg=key)
    got, want = weights(tmp_path / "resumed"), weights(tmp_path / "uninterrupted")
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"generator variable {i}")
    # finished: the generator replaced the checkpoint in the store too
    assert storage.Storage(config).list_keys(storage.CHECKPOINTS_BUCKET, f"{run}/") == []
