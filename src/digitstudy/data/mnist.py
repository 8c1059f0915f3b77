"""MNIST: idx / ``mnist.npz`` loaders with named errors, canonical download and the fetch step.

A folder may hold any of the canonical idx files (gzipped or raw) or a Keras
``mnist.npz``; it may hold only some splits (e.g. just ``t10k-*``): :func:`load_mnist`
returns the splits it found and says which. Images are uint8 ``(n, 28, 28)``, labels
uint8 ``(n,)``.
"""

from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitstudy.data.download import fetch
from digitstudy.errors import UserError

log = logging.getLogger(__name__)

MNIST_MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"
SPLITS = ("train", "test")
# split -> (images stem, labels stem); the canonical files add ".gz".
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CANONICAL_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fd0dcd0fb1b",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
NPZ_FILE = "mnist.npz"
NPZ_KEYS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}
IMAGE_SHAPE = (28, 28)
IDX_MAGIC = {3: 0x00000803, 1: 0x00000801}  # ndim -> magic (unsigned byte data)


class MnistError(UserError):
    """Bad MNIST input; the message names the file."""


@dataclass
class MnistData:
    """The splits found in one source: ``splits[name] = (images uint8 (n,28,28), labels uint8)``."""

    source: Path
    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    files: dict[str, list[Path]] = field(default_factory=dict)

    def describe(self) -> str:
        found = ", ".join(f"{s} ({len(self.splits[s][1])} images from "
                          f"{', '.join(p.name for p in self.files.get(s, []))})"
                          for s in SPLITS if s in self.splits)
        missing = [s for s in SPLITS if s not in self.splits]
        return f"{self.source}: found {found}" + (
            f"; missing {', '.join(missing)}" if missing else ""
        )


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | Path, ndim: int) -> np.ndarray:
    """One idx file of unsigned bytes (``ndim`` 3 = images, 1 = labels), gzipped or raw."""
    path = Path(path)
    try:
        with _open(path) as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise MnistError(f"{path}: cannot read ({err})") from None
    if len(data) < 4 + 4 * ndim:
        raise MnistError(f"{path}: {len(data)} bytes is too short for an idx{ndim} header")
    magic = int.from_bytes(data[:4], "big")
    if magic != IDX_MAGIC[ndim]:
        raise MnistError(f"{path}: magic number {magic:#010x}, expected {IDX_MAGIC[ndim]:#010x} "
                         f"(idx{ndim}, unsigned bytes)")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise MnistError(f"{path}: header says shape {dims} ({int(np.prod(dims))} bytes) but "
                         f"the file holds {body.size} data bytes")
    return body.reshape(dims)


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write uint8 images (n, h, w) or labels (n,) as an idx file, gzipped if ``path`` ends .gz."""
    path, array = Path(path), np.asarray(array, dtype=np.uint8)
    header = IDX_MAGIC[array.ndim].to_bytes(4, "big")
    header += b"".join(d.to_bytes(4, "big") for d in array.shape)
    data = header + array.tobytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def _check_pair(images: np.ndarray, labels: np.ndarray, where: str) -> None:
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise MnistError(f"{where}: images have shape {images.shape}, expected (n, 28, 28)")
    if labels.ndim != 1 or len(labels) != len(images):
        raise MnistError(f"{where}: {len(images)} images but labels of shape {labels.shape}")
    if len(labels) and labels.max() > 9:
        raise MnistError(f"{where}: label {int(labels.max())} is not a digit 0-9")


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def load_mnist_idx(folder: str | Path) -> MnistData:
    """The idx splits of ``folder`` (a split needs both its images and labels file)."""
    folder = Path(folder)
    data = MnistData(folder, {})
    for split, (img_stem, lbl_stem) in IDX_FILES.items():
        img, lbl = _find(folder, img_stem), _find(folder, lbl_stem)
        if img is None and lbl is None:
            continue
        if img is None or lbl is None:
            have, want = (img or lbl), (img_stem if img is None else lbl_stem)
            raise MnistError(f"{folder}: {have.name} is there but {want}[.gz] is missing")
        images, labels = read_idx(img, 3), read_idx(lbl, 1)
        _check_pair(images, labels, f"{img} + {lbl.name}")
        data.splits[split] = (images, labels)
        data.files[split] = [img, lbl]
    return data


def load_mnist_npz(path: str | Path) -> MnistData:
    """A Keras-style ``mnist.npz`` (x_train, y_train, x_test, y_test)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as err:
        raise MnistError(f"{path}: not a readable .npz file ({err})") from None
    data = MnistData(path.parent, {}, {})
    for split, (xk, yk) in NPZ_KEYS.items():
        if xk not in arrays or yk not in arrays:
            raise MnistError(f"{path}: missing key(s) {[k for k in (xk, yk) if k not in arrays]}; "
                             f"expected {list(NPZ_KEYS['train'] + NPZ_KEYS['test'])}")
        x, y = arrays[xk], arrays[yk]
        for key, arr, top in ((xk, x, 255), (yk, y, 9)):
            if not np.issubdtype(arr.dtype, np.integer) or (arr.size and (arr.min() < 0
                                                                         or arr.max() > top)):
                raise MnistError(
                    f"{path}: {key} must hold integers 0-{top} (got dtype {arr.dtype})"
                )
        x, y = x.astype(np.uint8), y.astype(np.uint8)
        _check_pair(x, y, f"{path} [{xk}, {yk}]")
        data.splits[split] = (x, y)
        data.files[split] = [path]
    return data


def mnist_files(folder: Path) -> list[Path]:
    """The MNIST files present in ``folder`` (idx, gzipped or raw, and ``mnist.npz``)."""
    stems = [s for pair in IDX_FILES.values() for s in pair]
    found = [p for stem in stems if (p := _find(folder, stem)) is not None]
    if (folder / NPZ_FILE).is_file():
        found.append(folder / NPZ_FILE)
    return found


def load_mnist(folder: str | Path) -> MnistData:
    """Every split of a folder of MNIST files; idx files win over ``mnist.npz`` per split."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MnistError(f"{folder}: not a folder")
    data = load_mnist_idx(folder)
    if (folder / NPZ_FILE).is_file() and len(data.splits) < len(SPLITS):
        npz = load_mnist_npz(folder / NPZ_FILE)
        for split in SPLITS:
            if split not in data.splits:
                data.splits[split], data.files[split] = npz.splits[split], npz.files[split]
    if not data.splits:
        raise MnistError(f"{folder}: no MNIST files (expected {IDX_FILES['train'][0]}[.gz], "
                         f"{IDX_FILES['test'][0]}[.gz] and their labels, or {NPZ_FILE})")
    log.info("MNIST %s", data.describe())
    return data


def download_mnist(mirror: str = MNIST_MIRROR) -> Path:
    """The four canonical gzipped idx files, fetched into the cache and verified by MD5."""
    base = mirror if mirror.endswith("/") else mirror + "/"
    paths = [fetch(base + name, sha256=None, filename=f"mnist/{name}", md5=md5)
             for name, md5 in CANONICAL_MD5.items()]
    return paths[0].parent


def find_mnist_folder(source: Path) -> Path:
    """``source`` or ``source/mnist`` (a DATA_DIR), whichever holds MNIST files."""
    for candidate in (source, source / "mnist"):
        if candidate.is_dir() and mnist_files(candidate):
            return candidate
    raise MnistError(f"{source}: no MNIST files here or in mnist/ (expected "
                     f"{', '.join(s + '[.gz]' for pair in IDX_FILES.values() for s in pair)} "
                     f"or {NPZ_FILE})")


def resolve_source(source: str) -> Path:
    """A local folder, ``s3://`` (MinIO), an http(s) mirror base URL, or "" (canonical mirror)."""
    if not source:
        return download_mnist()
    if source.startswith(("http://", "https://")):
        return download_mnist(source)
    if source.startswith("s3://"):
        from digitstudy.data import remote  # deployment extra

        return find_mnist_folder(remote.download_dataset(source))
    return find_mnist_folder(Path(source))
