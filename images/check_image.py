"""Build-time check that an image holds exactly the locked environment.

Usage: python check_image.py requirements.lock [--gpu]

Every ``name==version`` of the lock must be installed at that version; with ``--gpu`` the
lock's ``tensorflow_cpu`` is satisfied by ``tensorflow`` of the same version (the GPU
base image's). Also checks the Python minor version the project supports and that
``digitstudy`` imports without pulling in kfp.
"""

from __future__ import annotations

import sys
from importlib import metadata


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def main(argv: list[str]) -> int:
    lock_path, gpu = argv[0], "--gpu" in argv[1:]
    problems = []
    if sys.version_info[:2] not in ((3, 11), (3, 12)):
        problems.append(f"python {sys.version.split()[0]}: the project needs 3.11 or 3.12")
    for line in open(lock_path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, version = line.split("==")
        if gpu and canonical(name) == "tensorflow-cpu":
            name = "tensorflow"
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed (lock: {version})")
            continue
        if installed != version:
            problems.append(f"{name}: {installed} installed, lock says {version}")
    import digitstudy  # noqa: F401

    if "kfp" in sys.modules:
        problems.append("importing digitstudy imported kfp (layering rule)")
    for problem in problems:
        print(f"check_image: {problem}", file=sys.stderr)
    print(f"check_image: {'FAILED' if problems else 'ok'} ({lock_path}, gpu={gpu})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
