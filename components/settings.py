"""The one project setting every component shares: the container image it runs in.

Images are tagged by scripts/image_tag.sh: the git commit, plus ``-dirty-<hash>`` for
uncommitted changes to what goes into the image (KFP caches by image tag; a reused tag would
silently return stale results). ``make`` exports that tag as DIGITSTUDY_IMAGE_TAG; without it
this runs the same script, so the compiled YAML names the image ``make image-cpu`` builds.
Override with DIGITSTUDY_IMAGE (e.g. a kind-loaded tag).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REGISTRY = os.environ.get("DIGITSTUDY_REGISTRY", "ghcr.io/digitstudy")


IMAGE_TAG_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "image_tag.sh"


def image_tag() -> str:
    """scripts/image_tag.sh's tag ("dev" outside a git checkout, as mk/images.mk does)."""
    try:
        out = subprocess.run([str(IMAGE_TAG_SCRIPT)], capture_output=True, text=True, check=True)
        return out.stdout.strip() or "dev"
    except (OSError, subprocess.CalledProcessError):
        return "dev"


IMAGE_TAG = os.environ.get("DIGITSTUDY_IMAGE_TAG") or image_tag()
CPU_IMAGE = os.environ.get("DIGITSTUDY_IMAGE") or f"{REGISTRY}/digitstudy-cpu:{IMAGE_TAG}"
GPU_IMAGE = os.environ.get("DIGITSTUDY_GPU_IMAGE") or f"{REGISTRY}/digitstudy-gpu:{IMAGE_TAG}"
# the training image of a profile with ``backend: jax`` on the gpu target (make image-gpu-jax)
GPU_JAX_IMAGE = (os.environ.get("DIGITSTUDY_GPU_JAX_IMAGE")
                 or f"{REGISTRY}/digitstudy-gpu-jax:{IMAGE_TAG}")
BASE_IMAGE = CPU_IMAGE


def component(func):
    """Every component: the project image, kfp already installed there."""
    from kfp import dsl

    return dsl.component(func, base_image=BASE_IMAGE, install_kfp_package=False)
