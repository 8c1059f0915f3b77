"""After ``pip install --ignore-installed`` over a base image: keep one copy of each pin.

Usage: python prune_shadowed.py requirements.lock [--gpu]

``--ignore-installed`` installs a pin without uninstalling the base's copy. In the same
site-packages the old ``*.dist-info`` stays beside the new one (importlib.metadata and
check_image.py may then read the old version); in another directory (a distro's
dist-packages) the old copy is shadowed but still listed. For every locked name with more
than one copy, this removes each copy whose version is not the lock's: the files its RECORD
lists that the kept copy does not own, then its metadata directory.
"""

from __future__ import annotations

import shutil
import sys
from importlib import metadata
from pathlib import Path

from check_image import installed_copies, read_lock


def owned_files(dist: metadata.Distribution) -> set[Path]:
    return {Path(dist.locate_file(f)).resolve() for f in dist.files or []}


def prune(lock_path: str, gpu: bool) -> list[str]:
    removed = []
    copies = installed_copies()
    for name, version in read_lock(lock_path, gpu).items():
        found = copies.get(name, [])
        keep = [d for d in found if d.version == version]
        if len(found) < 2 or not keep:
            continue  # nothing shadowed, or nothing right to keep: check_image.py says so
        kept_files = owned_files(keep[0])
        for stale in (d for d in found if d is not keep[0]):
            meta_dir, stale_version = Path(stale._path), stale.version  # noqa: SLF001 (its .dist-info)
            for path in owned_files(stale) - kept_files:
                if path.is_file() and meta_dir not in path.parents:
                    path.unlink()
            shutil.rmtree(meta_dir) if meta_dir.is_dir() else meta_dir.unlink()
            removed.append(f"{name} {stale_version} ({meta_dir})")
    return removed


def main(argv: list[str]) -> int:
    for line in prune(argv[0], "--gpu" in argv[1:]):
        print(f"prune_shadowed: removed {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
