"""Moving step outputs around: the fan-in that joins a fan-out's outputs into one artifact."""

from __future__ import annotations

import filecmp
import json
import logging
import shutil
from pathlib import Path

log = logging.getLogger(__name__)


def gather_step(profile, *, inputs: list[Path], gathered: Path, subdirs: bool = False) -> None:
    """Copy the files of every input directory into ``gathered`` (``subdirs``: input i into
    ``gathered/<i>/``, for outputs that share file names, found again by their metadata).

    Each fan-out task names its outputs by its cell (e.g. ``pool_real300.npz``); a file
    that several tasks wrote byte for byte the same (a shared figure) is kept once, and any
    other collision is an error naming both sources, never an overwrite.
    """
    gathered.mkdir(parents=True, exist_ok=True)
    origin: dict[str, Path] = {}
    for i, directory in enumerate(inputs):
        for src in sorted(Path(directory).rglob("*")):
            if not src.is_file():
                continue
            rel = src.relative_to(directory)
            if subdirs:
                rel = Path(f"{i:03d}") / rel
            if str(rel) in origin:
                if filecmp.cmp(src, gathered / rel, shallow=False):
                    continue
                raise ValueError(f"gather: {rel} differs between {origin[str(rel)]} and {directory}")
            origin[str(rel)] = Path(directory)
            (gathered / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, gathered / rel)
    log.info("gather: %d files from %d outputs -> %s", len(origin), len(inputs), gathered)


def find_output(root: Path, meta_file: str, **match) -> Path:
    """The output directory under ``root`` (``root`` itself, or one gathered subdirectory)
    whose ``meta_file`` JSON has every ``match`` item; an error names what was there."""
    candidates = [root] + sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    seen = []
    for directory in candidates:
        path = directory / meta_file
        if path.is_file():
            meta = json.loads(path.read_text())
            seen.append({k: meta.get(k) for k in match})
            if all(meta.get(k) == v for k, v in match.items()):
                return directory
    raise FileNotFoundError(f"no output with {match} under {root} (found: {seen or 'none'})")
