"""Moving step outputs around: the fan-in that joins a fan-out's outputs into one artifact."""

from __future__ import annotations

import filecmp
import logging
import shutil
from pathlib import Path

log = logging.getLogger(__name__)


def gather_step(profile, *, inputs: list[Path], gathered: Path) -> None:
    """Copy the files of every input directory into ``gathered``.

    Each fan-out task names its outputs by its cell (e.g. ``pool_real300.npz``); a file
    that several tasks wrote byte for byte the same (a shared figure) is kept once, and any
    other collision is an error naming both sources, never an overwrite.
    """
    gathered.mkdir(parents=True, exist_ok=True)
    origin: dict[str, Path] = {}
    for directory in inputs:
        for src in sorted(Path(directory).rglob("*")):
            if not src.is_file():
                continue
            rel = src.relative_to(directory)
            if str(rel) in origin:
                if filecmp.cmp(src, gathered / rel, shallow=False):
                    continue
                raise ValueError(f"gather: {rel} differs between {origin[str(rel)]} and {directory}")
            origin[str(rel)] = Path(directory)
            (gathered / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, gathered / rel)
    log.info("gather: %d files from %d outputs -> %s", len(origin), len(inputs), gathered)
