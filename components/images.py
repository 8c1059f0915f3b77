"""The container images the components run in (the one project setting every task shares).

Images are tagged by scripts/image_tag.sh: the git commit, plus ``-dirty-<hash>`` for
uncommitted changes to what goes into the image (KFP caches by image tag; a reused tag would
silently return stale results). ``make`` exports that tag as DIGITSTUDY_IMAGE_TAG; without it
the script runs on the first use of a name (never at import), so the compiled YAML names the
image ``make image-cpu`` builds. Override with DIGITSTUDY_IMAGE (e.g. a kind-loaded tag).
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

REGISTRY = os.environ.get("DIGITSTUDY_REGISTRY", "ghcr.io/digitstudy")
IMAGE_TAG_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "image_tag.sh"
# name -> (the environment variable that overrides it, the image's repository)
_IMAGES = {"CPU_IMAGE": ("DIGITSTUDY_IMAGE", "digitstudy-cpu"),
           "GPU_IMAGE": ("DIGITSTUDY_GPU_IMAGE", "digitstudy-gpu"),
           # the training image of a profile with ``backend: jax`` on the gpu target
           "GPU_JAX_IMAGE": ("DIGITSTUDY_GPU_JAX_IMAGE", "digitstudy-gpu-jax")}


@cache
def image_tag() -> str:
    """DIGITSTUDY_IMAGE_TAG, else scripts/image_tag.sh's tag ("dev" outside a git checkout,
    as mk/images.mk does)."""
    if os.environ.get("DIGITSTUDY_IMAGE_TAG"):
        return os.environ["DIGITSTUDY_IMAGE_TAG"]
    try:
        out = subprocess.run([str(IMAGE_TAG_SCRIPT)], capture_output=True, text=True, check=True)
        return out.stdout.strip() or "dev"
    except (OSError, subprocess.CalledProcessError):
        return "dev"


def __getattr__(name: str) -> str:
    """``IMAGE_TAG``, ``CPU_IMAGE``, ``GPU_IMAGE``, ``GPU_JAX_IMAGE``: computed on first use."""
    if name == "IMAGE_TAG":
        return image_tag()
    if name in _IMAGES:
        variable, repository = _IMAGES[name]
        return os.environ.get(variable) or f"{REGISTRY}/{repository}:{image_tag()}"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
