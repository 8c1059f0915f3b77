"""Build-time check that an image holds exactly the locked environment.

Usage: python check_image.py requirements.lock [--gpu | --jax=VERSION]

Every ``name==version`` of the lock whose environment marker holds here must be installed at
that version, and only once on sys.path (a second, shadowed copy's metadata can make
importlib and pip read the wrong version). With ``--gpu`` the lock's TensorFlow pin is
satisfied by ``tensorflow`` of the same version (the GPU base's) and TensorFlow must be a CUDA
build whose CUDA and cuDNN libraries load (no GPU needed: this checks the image, not a
device). With ``--jax=VERSION`` (the JAX GPU image) jax, jaxlib and JAX's CUDA plugin
(jax-cuda12-plugin, jax-cuda12-pjrt) are installed once at that version, the plugin's shared
libraries and the CUDA runtime, cuBLAS and cuDNN it was built for load, Keras's backend is jax,
and JAX's build information is printed (again no GPU: JAX falls back to its CPU backend). Also
checks the Python minor version the project supports and that ``digitstudy`` imports without
pulling in kfp.
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


def load_cuda_libraries(wanted: list[tuple[str, str]]) -> list[str]:
    """ctypes-load each (soname, what it is for): NVIDIA's pip wheels (site-packages/nvidia/<lib>/lib,
    what tensorflow[and-cuda] and jax[cuda12] install) first, then the loader path (the official
    TensorFlow GPU image's /usr/local/cuda). Problems for those that do not load."""
    import ctypes
    import glob
    import os

    wheel_libs = [p for site in sys.path for p in glob.glob(os.path.join(site, "nvidia", "*", "lib"))]
    problems = []
    for soname, what in wanted:
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
            problems.append(f"{soname} ({what}) does not load")
    return problems


def gpu_problems() -> list[str]:
    """TensorFlow built with CUDA, and the CUDA/cuDNN libraries it was built against load."""
    import tensorflow as tf

    info = tf.sysconfig.get_build_info()
    if not info.get("is_cuda_build"):
        return [f"tensorflow {tf.__version__} is not a CUDA build"]
    what = f"TensorFlow's CUDA {info['cuda_version']} / cuDNN {info['cudnn_version']}"
    cuda, cudnn = info["cuda_version"].split(".")[0], info["cudnn_version"].split(".")[0]
    return load_cuda_libraries([(f"libcudart.so.{cuda}", what), (f"libcublas.so.{cuda}", what),
                                (f"libcudnn.so.{cudnn}", what)])


JAX_CUDA = ("jax-cuda12-plugin", "jax-cuda12-pjrt")  # jax[cuda12]'s plugin, at jax's version
# What the plugin preloads from NVIDIA's cu12 wheels (jax_plugins/xla_cuda12, cuDNN aside).
JAX_CUDA_LIBRARIES = ("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11",
                      "libcusolver.so.11", "libcusparse.so.12", "libcupti.so.12", "libnvrtc.so.12",
                      "libnccl.so.2")


def jax_problems(version: str, copies: dict[str, list[metadata.Distribution]]) -> list[str]:
    """jax, jaxlib and the CUDA plugin at ``version``; the plugin's libraries and the CUDA
    libraries it was built for load; Keras runs on jax. Prints JAX's build info."""
    import ctypes
    import os

    problems = []
    for name in ("jax", "jaxlib", *JAX_CUDA):
        found = copies.get(name, [])
        if len(found) != 1 or found[0].version != version:
            have = ", ".join(d.version for d in found) or "not installed"
            problems.append(f"{name}: {have}, --jax says {version}")
    if problems:
        return problems
    import jax_cuda12_plugin._versions as cuda  # the CUDA versions the plugin was built with

    what = f"JAX's CUDA plugin, built for CUDA {cuda.cuda_runtime_build_version()}"
    problems += load_cuda_libraries([(lib, what) for lib in JAX_CUDA_LIBRARIES] +
                                    [(f"libcudnn.so.{cuda.cudnn_build_version() // 10000}", what)])
    for name in JAX_CUDA:  # every shared library the plugin's wheels install
        for file in copies[name][0].files or []:
            if ".so" in file.name:
                try:
                    ctypes.CDLL(str(file.locate()))
                    print(f"check_image: {name} {file.name} loads")
                except OSError as e:
                    problems.append(f"{name} {file} does not load: {e}")
    for part in ("cuda_runtime", "cudnn", "cublas", "cufft", "cusparse", "cusolver", "cupti"):
        built = getattr(cuda, f"{part}_build_version")()
        try:
            loaded = getattr(cuda, f"{part}_get_version")()
        except Exception as e:  # noqa: BLE001 (the plugin raises RuntimeError or its own types)
            problems.append(f"{part}: the plugin cannot read the loaded library's version: {e}")
            continue
        print(f"check_image: {part} built for {built}, loaded {loaded}")
        if loaded < built:
            problems.append(f"{part} {loaded} is older than the {built} JAX's plugin was built for")
    print("check_image: NVIDIA wheels " + ", ".join(
        f"{name} {found[0].version}" for name, found in sorted(copies.items())
        if name.startswith("nvidia-")))
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        print("check_image: no NVIDIA driver here (libcuda.so.1; on a GPU node the container toolkit "
              "mounts it): JAX's CUDA plugin cannot initialize (cuInit) and jax falls back to its "
              "CPU backend")
    import jax
    import keras

    jax.print_environment_info()  # jax, jaxlib, numpy, python; nvidia-smi where there is one
    print(f"check_image: jax devices {jax.devices()}")
    if keras.backend.backend() != "jax":
        problems.append(f"keras runs on {keras.backend.backend()!r} (KERAS_BACKEND="
                        f"{os.environ.get('KERAS_BACKEND', '')!r}), not jax")
    return problems


def main(argv: list[str]) -> int:
    lock_path, gpu = argv[0], "--gpu" in argv[1:]
    jax = next((a.split("=", 1)[1] for a in argv[1:] if a.startswith("--jax=")), None)
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
    if jax:
        problems += jax_problems(jax, copies)
    for problem in problems:
        print(f"check_image: {problem}", file=sys.stderr)
    print(f"check_image: {'FAILED' if problems else 'ok'} ({lock_path}, gpu={gpu}"
          f"{f', jax={jax}' if jax else ''})")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
