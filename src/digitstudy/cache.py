"""Where downloads and fetched datasets are cached (``DIGITSTUDY_CACHE``)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    path = Path(os.environ.get("DIGITSTUDY_CACHE", Path.home() / ".cache" / "digitstudy"))
    path.mkdir(parents=True, exist_ok=True)
    return path
