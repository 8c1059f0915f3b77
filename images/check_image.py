"""Build-time check that an image holds exactly the locked environment.

Usage: python check_image.py requirements.lock [--gpu]

Every ``name==version`` of the lock whose environment marker holds here must be installed at
that version, and only once on sys.path (a second, shadowed copy's metadata can make
importlib and pip read the wrong version). With ``--gpu`` the lock's TensorFlow pin is
satisfied by ``tensorflow`` of the same version (the GPU base's) and TensorFlow must be a CUDA
build whose CUDA and cuDNN libraries load (no GPU needed: this checks the image, not a
device). Also checks the Python minor version the project supports and that ``digitstudy``
imports without pulling in kfp.
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

TENSORFLOW = {"tensorflow", "tensorflow-cpu"}


def read_lock(path: str, gpu: bool) -> dict[str, str]:
    """canonical name -> version for the pins that apply to this interpreter."""
    pins = {}
    for line in open(path):
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-r ")):
            continue
        req = Requirement(line)
        name, version = canonicalize_name(req.name), next(iter(req.specifier)).version
        if gpu and name in TENSORFLOW:
            pins["tensorflow"] = version  # either platform's pin: the same version
        elif req.marker is None or req.marker.evaluate():
            pins[name] = version
    return pins


def installed_copies() -> dict[str, list[metadata.Distribution]]:
    copies: dict[str, list[metadata.Distribution]] = {}
    for dist in metadata.distributions():
        copies.setdefault(canonicalize_name(dist.metadata["Name"] or ""), []).append(dist)
    return copies


def gpu_problems() -> list[str]:
    """TensorFlow built with CUDA, and the CUDA/cuDNN libraries it was built against load."""
    import ctypes
    import glob
    import os

    import tensorflow as tf

    info = tf.sysconfig.get_build_info()
    if not info.get("is_cuda_build"):
        return [f"tensorflow {tf.__version__} is not a CUDA build"]
    problems = []
    # tensorflow[and-cuda] brings CUDA as nvidia-*-cu12 wheels (site-packages/nvidia/<lib>/lib);
    # the official GPU image has them on the loader path (/usr/local/cuda).
    wheel_libs = [p for site in sys.path for p in glob.glob(os.path.join(site, "nvidia", "*", "lib"))]
    for lib, version in (("cudart", info["cuda_version"].split(".")[0]),
                         ("cublas", info["cuda_version"].split(".")[0]),
                         ("cudnn", info["cudnn_version"].split(".")[0])):
        soname = f"lib{lib}.so.{version}"
        candidates = [os.path.join(d, soname) for d in wheel_libs
                      if os.path.exists(os.path.join(d, soname))] + [soname]
        for path in candidates:
            try:
                ctypes.CDLL(path)
                print(f"check_image: {soname} loads ({path})")
                break
            except OSError:
                continue
        else:
            problems.append(f"{soname} (TensorFlow's CUDA {info['cuda_version']} / cuDNN "
                            f"{info['cudnn_version']}) does not load")
    return problems


def main(argv: list[str]) -> int:
    lock_path, gpu = argv[0], "--gpu" in argv[1:]
    problems = []
    if sys.version_info[:2] not in ((3, 11), (3, 12)):
        problems.append(f"python {sys.version.split()[0]}: the project needs 3.11 or 3.12")
    copies = installed_copies()
    for name, version in read_lock(lock_path, gpu).items():
        found = copies.get(name, [])
        if not found:
            problems.append(f"{name}: not installed (lock: {version})")
        elif len(found) > 1:
            where = ", ".join(f"{d.version} in {d._path}" for d in found)  # noqa: SLF001
            problems.append(f"{name}: {len(found)} installed copies ({where}), lock says {version}")
        elif found[0].version != version:
            problems.append(f"{name}: {found[0].version} installed, lock says {version}")
    if gpu and "tensorflow-cpu" in copies:
        problems.append("tensorflow-cpu is installed beside the GPU base's tensorflow")
    import digitstudy  # noqa: F401

    if "kfp" in sys.modules:
        problems.append("importing digitstudy imported kfp (layering rule)")
    if gpu:
        problems += gpu_problems()
    for problem in problems:
        print(f"check_image: {problem}", file=sys.stderr)
    print(f"check_image: {'FAILED' if problems else 'ok'} ({lock_path}, gpu={gpu})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
