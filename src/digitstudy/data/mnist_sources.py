"""Where the handwritten digits of a run come from: MNIST idx/npz files (digitstudy.data.mnist)
or a ReducedMNIST image folder (``train/<digit>/*.png|jpg|bmp``, ``test/<digit>/*``), and the
``fetch-mnist`` step that copies either into the run. Imports go one way:
``mnist`` (file formats) <- ``mnist_sources`` <- ``reduced_mnist`` (sampling)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitstudy.data.mnist import IMAGE_SHAPE, MnistData, load_mnist, mnist_files, resolve_source

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)

NUM_CLASSES = 10
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
SPLITS = ("train", "test")


class ReducedMnistError(ValueError):
    """Bad ReducedMNIST request or folder; the message names the class, file or folder."""


def _is_layout(folder: Path) -> bool:
    return all((folder / s).is_dir() and any(p.is_dir() and p.name.isdigit()
                                             for p in (folder / s).iterdir()) for s in SPLITS)


def find_reduced_folder(source: Path) -> Path | None:
    """``source`` (or its ``mnist/`` or ``reduced_mnist/``) if laid out as ``train/<digit>/*``."""
    for candidate in (source, source / "mnist", source / "reduced_mnist"):
        if candidate.is_dir() and _is_layout(candidate):
            return candidate
    return None


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            arr = np.asarray(img.convert("L"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError) as err:
        raise ReducedMnistError(f"{path}: not a readable image ({err})") from None
    if arr.shape != IMAGE_SHAPE:
        raise ReducedMnistError(f"{path}: image is {arr.shape[1]}x{arr.shape[0]}, expected 28x28")
    return arr


def load_reduced_folder(folder: str | Path) -> MnistData:
    """Both splits of a ReducedMNIST folder as uint8 arrays; errors name the bad file/folder."""
    folder = Path(folder)
    data = MnistData(folder, {}, {})
    for split in SPLITS:
        root = folder / split
        if not root.is_dir():
            raise ReducedMnistError(f"{folder}: no {split}/ folder (expected train/<digit>/*, "
                                    "test/<digit>/*)")
        images, labels = [], []
        for sub in sorted(p for p in root.iterdir() if not p.name.startswith(".")):
            if not (sub.is_dir() and sub.name in {str(d) for d in range(NUM_CLASSES)}):
                raise ReducedMnistError(f"{sub}: expected only digit folders 0-9 in {root}")
            for path in sorted(p for p in sub.iterdir() if not p.name.startswith(".")):
                if path.suffix.lower() not in IMAGE_SUFFIXES:
                    raise ReducedMnistError(f"{path}: not an image file "
                                            f"({', '.join(IMAGE_SUFFIXES)})")
                images.append(_read_image(path))
                labels.append(int(sub.name))
        if not images:
            raise ReducedMnistError(f"{root}: no images")
        data.splits[split] = (np.stack(images), np.asarray(labels, dtype=np.uint8))
        data.files[split] = [root]
    log.info("ReducedMNIST folder %s: %s", folder, {s: len(data.splits[s][1]) for s in SPLITS})
    return data


def load_source(dataset: Path) -> MnistData:
    """A fetch-mnist output: a ReducedMNIST folder or MNIST idx / npz files."""
    folder = find_reduced_folder(dataset)
    return load_reduced_folder(folder) if folder is not None else load_mnist(dataset)




def fetch_mnist_step(settings: SettingsView, *, dataset: Path, source: str) -> None:
    """Copy the MNIST files of ``source`` into ``dataset`` after checking that they load.

    ``source``: a folder (its own files or a DATA_DIR's ``mnist/``), an ``s3://`` MinIO
    prefix, an http(s) mirror, or "" for the canonical mirror. A ReducedMNIST folder
    (``train/<digit>/*``, ``test/<digit>/*``) is copied as it is.
    """
    dataset.mkdir(parents=True, exist_ok=True)
    local = Path(source) if source and "://" not in source else None
    reduced = find_reduced_folder(local) if local is not None else None
    if reduced is not None:
        for split in ("train", "test"):
            shutil.copytree(reduced / split, dataset / split, dirs_exist_ok=True,
                            copy_function=shutil.copyfile)
        log.info("fetch-mnist: ReducedMNIST folder %s -> %s", reduced, dataset)
        return
    folder = resolve_source(source)
    load_mnist(folder)  # fail here, naming the file, rather than in a later step
    for path in mnist_files(folder):
        shutil.copyfile(path, dataset / path.name)  # not copy2: keep no read-only modes
    log.info("fetch-mnist: %s -> %s", ", ".join(p.name for p in mnist_files(dataset)), dataset)
