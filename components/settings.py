"""The one project setting every component shares: the container image it runs in.

Images are tagged with the git commit (KFP caches by image tag; a reused tag would
silently return stale results). Override with DIGITSTUDY_IMAGE (e.g. a kind-loaded tag).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REGISTRY = os.environ.get("DIGITSTUDY_REGISTRY", "ghcr.io/digitstudy")


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "dev"


IMAGE_TAG = os.environ.get("DIGITSTUDY_IMAGE_TAG") or git_commit()
CPU_IMAGE = os.environ.get("DIGITSTUDY_IMAGE") or f"{REGISTRY}/digitstudy-cpu:{IMAGE_TAG}"
GPU_IMAGE = os.environ.get("DIGITSTUDY_GPU_IMAGE") or f"{REGISTRY}/digitstudy-gpu:{IMAGE_TAG}"
BASE_IMAGE = CPU_IMAGE


def component(func):
    """Every component: the project image, kfp already installed there."""
    from kfp import dsl

    return dsl.component(func, base_image=BASE_IMAGE, install_kfp_package=False)
