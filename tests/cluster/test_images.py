"""Container images, checked without a Docker engine: Dockerfiles, build context, tags,
and the build-time lock check run against this virtualenv."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPTS = ("kind_up.sh", "kind_down.sh", "install_tools.sh", "image_tag.sh",
                   "base_image.sh")
DOCKERFILES = {"cpu": ROOT / "images" / "Dockerfile.cpu", "gpu": ROOT / "images" / "Dockerfile.gpu"}


def lock(path: str = "requirements.lock") -> dict[str, str]:
    pins = {}
    for line in (ROOT / path).read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def base_image(text: str) -> str:
    default = re.search(r"^ARG \w+_IMAGE=(\S+)$", text, re.M).group(1)
    assert re.search(r"^FROM \$\{\w+_IMAGE\}$", text, re.M)
    return default


@pytest.mark.parametrize("variant", ["cpu", "gpu"])
def test_dockerfile_installs_the_lock_as_non_root(variant):
    text = DOCKERFILES[variant].read_text()
    assert "libsndfile1" in text
    # the lock, then the project: no re-resolution, built by the lock's setuptools (no fetch)
    assert re.search(r"pip install --no-deps (--ignore-installed )?--no-build-isolation -r "
                     r"requirements", text)
    assert re.search(r"pip install --no-deps --no-build-isolation \.", text)
    assert "grep -E '^(setuptools|wheel)==' requirements.lock" in text
    assert "check_image.py requirements.lock" in text
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and user[-1] == "1000:1000"  # numeric: runAsNonRoot can verify it
    assert "RUN add_app_user.sh" in text
    assert (
        "mkdir -p /home/app /gcs /minio /s3 /oci"
        in (ROOT / "images" / "add_app_user.sh").read_text()
    )
    # any uid, read-only root: librosa's numba cache and matplotlib's config go to /tmp
    assert "NUMBA_CACHE_DIR=/tmp/" in text and "MPLCONFIGDIR=/tmp/" in text
    assert "# syntax=" not in text  # BuildKit would fetch that frontend from Docker Hub


def test_cpu_base_matches_the_venv_python():
    image = base_image(DOCKERFILES["cpu"].read_text())
    assert re.fullmatch(r"python:(\d+\.\d+)\.\d+-slim-\w+", image)
    assert image.split(":")[1].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")


def test_gpu_base_is_tensorflow_gpu_at_the_locked_version():
    text = DOCKERFILES["gpu"].read_text()
    image = base_image(text)
    assert image == f"tensorflow/tensorflow:{lock()['tensorflow-cpu']}-gpu"
    assert "grep -v -E '^tensorflow(_cpu)?=='" in text and "--gpu" in text
    assert "prune_shadowed.py requirements.lock --gpu" in text  # --ignore-installed leftovers


def test_jax_gpu_image_is_the_cpu_image_plus_jax_cuda_at_the_locked_version():
    """make image-gpu-jax: Dockerfile.cpu with JAX_VERSION from requirements-dev.lock, installed
    between the lock layer (shared with the CPU image) and the project, checked with --jax."""
    jax = lock("requirements-dev.lock")["jax"]
    if shutil.which("make") is None:
        missing_tool("make", "not on PATH", "apt-get install make")
    recipe = subprocess.run(["make", "-s", "-n", "image-gpu-jax", "PYTHON_IMAGE=base:1",
                             "IMAGE_TAG=t1"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    build = " ".join(recipe.replace("\\\n", " ").split("\n")[0].split())
    assert build == ("docker build --network host --build-arg PYTHON_IMAGE=base:1 "
                     f"--build-arg JAX_VERSION={jax} --build-arg KERAS_BACKEND=jax "
                     "-f images/Dockerfile.cpu -t ghcr.io/digitstudy/digitstudy-gpu-jax:t1 .")
    text = DOCKERFILES["cpu"].read_text()
    lock_layer = text.index("-r requirements.lock && pip check")
    jax_arg, project = text.index("ARG JAX_VERSION=\n"), text.index("COPY src ./src")
    assert lock_layer < jax_arg < project  # the CPU image's layers up to the lock are shared
    assert 'pip install -c requirements.lock "jax[cuda12]==${JAX_VERSION}" && pip check' in text
    assert "ENV KERAS_BACKEND=${KERAS_BACKEND}" in text
    assert "check_image.py requirements.lock ${JAX_VERSION:+--jax=${JAX_VERSION}}" in text


def test_jax_check_needs_the_cuda_plugin_at_the_locked_version():
    """This venv has CPU jax only: the check names the missing CUDA plugin and a wrong version."""
    jax = lock("requirements-dev.lock")["jax"]
    check = [sys.executable, str(ROOT / "images" / "check_image.py"),
             str(ROOT / "requirements.lock")]
    out = subprocess.run([*check, f"--jax={jax}"], capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stderr.splitlines() == [f"check_image: jax-cuda12-plugin: not installed, --jax says "
                                       f"{jax}",
                                       f"check_image: jax-cuda12-pjrt: not installed, --jax says "
                                       f"{jax}"]
    assert out.stdout.strip().endswith(f"FAILED ({ROOT / 'requirements.lock'}, gpu=False, "
                                       f"jax={jax})")
    out = subprocess.run([*check, "--jax=0.0.1"], capture_output=True, text=True)
    assert f"check_image: jax: {jax}, --jax says 0.0.1" in out.stderr.splitlines()
    assert (
        f"check_image: jaxlib: {lock('requirements-dev.lock')['jaxlib']}, --jax says 0.0.1"
        in out.stderr
    )


def test_kfp_in_the_images_is_the_sdk_version():
    from importlib.metadata import version

    assert lock()["kfp"] == version("kfp")


def test_lock_check_passes_for_this_venv():
    """What the image build runs: every pin of requirements.lock installed at its version."""
    out = subprocess.run([sys.executable, str(ROOT / "images" / "check_image.py"),
                          str(ROOT / "requirements.lock")], capture_output=True, text=True)
    assert out.returncode == 0, (
        out.stderr + "\n(install the new package's pin into requirements.lock)"
    )


def test_lock_check_catches_a_mismatch(tmp_path):
    bad = tmp_path / "lock"
    bad.write_text("numpy==0.0.1\nno-such-package-xyz==1.0\n")
    out = subprocess.run([sys.executable, str(ROOT / "images" / "check_image.py"), str(bad)],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "numpy: " in out.stderr and "lock says 0.0.1" in out.stderr
    assert "no-such-package-xyz: not installed" in out.stderr


def dockerignore_keeps(path: str) -> bool:
    keep = True
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/") or \
                fnmatch.fnmatch(path, pattern.replace("**/", "*/")) or fnmatch.fnmatch(
                    Path(path).name, pattern.replace("**/", "")):
            keep = negate
    return keep


def test_build_context_holds_only_what_the_images_install():
    for kept in ("src/digitstudy/storage.py", "pyproject.toml", "README.md", "requirements.lock",
                 "images/check_image.py", "images/add_app_user.sh", "images/prune_shadowed.py"):
        assert dockerignore_keeps(kept), kept
    for dropped in (".venv/bin/python", "report/index.html", "local_outputs/x", ".git/HEAD",
                    ".cache/minio.env", "tests/conftest.py", "src/digitstudy/__pycache__/x.pyc",
                    "requirements-dev.lock"):
        assert not dockerignore_keeps(dropped), dropped


@pytest.mark.skipif(shutil.which("git") is None, reason="git not on PATH")
def test_image_tag_is_the_commit_and_marks_uncommitted_changes():
    tag = subprocess.run([str(ROOT / "scripts" / "image_tag.sh")], capture_output=True, text=True,
                         check=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT,
                            capture_output=True,
                            text=True, check=True).stdout.strip()
    assert re.fullmatch(rf"{commit}(-dirty-[0-9a-f]{{8}})?", tag)
    again = subprocess.run([str(ROOT / "scripts" / "image_tag.sh")], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert again == tag  # same content, same tag


def test_scripts_pass_shellcheck():
    if shutil.which("shellcheck") is None:
        missing_tool("shellcheck", "not on PATH", "scripts/install_tools.sh (make tools)")
    scripts = [str(ROOT / "scripts" / name) for name in CLUSTER_SCRIPTS]
    out = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_cluster_scripts_are_strict_and_executable():
    for name in CLUSTER_SCRIPTS:
        path = ROOT / "scripts" / name
        assert path.stat().st_mode & 0o111, f"{name} is not executable"
        assert "set -euo pipefail" in path.read_text()
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
