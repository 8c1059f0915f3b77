"""The content digest of a file: one function for the dataset checksums
(``data.download``) and the object store's upload manifests (``storage``)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """Hex digest of ``path``'s bytes (streamed by :func:`hashlib.file_digest`)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()
