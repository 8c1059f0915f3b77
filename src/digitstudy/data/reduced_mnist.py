"""ReducedMNIST: a seeded, stratified per-class sample of MNIST (or a ReducedMNIST folder).

Each class gets one seeded permutation (seeded by ``(seed, class)``, so it does not
depend on how many samples are asked). The test set is a prefix of the test pool's
permutation and the train set a prefix of the train pool's, so a smaller real subset is
always a prefix of a larger one (300 ⊂ 700 ⊂ 1000 per class). When the source has one
split only (e.g. just the 10k ``t10k`` digits), both sets come from that pool without
overlap: test takes the first ``test_per_class`` of each class's permutation, train the
ones after it, and the record says so in a note.

The train set is stored rank-major (the first image of every class, then the second of
every class, ...), so ``x_train[: 10 * n]`` is the ``n``-per-class subset.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitstudy.data.mnist import MnistData
from digitstudy.data.mnist_sources import (  # noqa: F401  (load_source: re-exported)
    ReducedMnistError,
    find_reduced_folder,
    load_reduced_folder,
    load_source,
)

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)

NUM_CLASSES = 10
DATA_FILE = "reduced_mnist.npz"
META_FILE = "reduced_mnist.json"


@dataclass
class ReducedMNIST:
    x_train: np.ndarray  # uint8 (n, 28, 28), rank-major per class
    y_train: np.ndarray  # uint8 (n,)
    x_test: np.ndarray
    y_test: np.ndarray
    meta: dict = field(default_factory=dict)  # source, sizes, seed, notes, fingerprint

    @property
    def notes(self) -> list[str]:
        return list(self.meta.get("notes", []))

    def train_subset(self, per_class: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``per_class`` train images of each class (nested across sizes)."""
        idx = per_class_prefix(self.y_train, per_class, what="train images")
        return self.x_train[idx], self.y_train[idx]


def class_ranks(labels: np.ndarray) -> np.ndarray:
    """Position of each sample among the samples of its class, in stored order."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    ranks = np.empty(len(labels), dtype=np.int64)
    ranks[order] = np.arange(len(labels)) - np.searchsorted(sorted_labels, sorted_labels)
    return ranks


def per_class_prefix(labels: np.ndarray, per_class: int, *, what: str = "samples") -> np.ndarray:
    """Indices (in stored order) of the first ``per_class`` samples of every class 0-9."""
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    short = np.flatnonzero(counts < per_class)
    if short.size:
        c = int(short[0])
        raise ReducedMnistError(f"class {c} has {counts[c]} {what}, {per_class} per class "
                                "were asked")
    return np.flatnonzero(class_ranks(labels) < per_class)


def _class_permutation(labels: np.ndarray, digit: int, seed: int) -> np.ndarray:
    members = np.flatnonzero(labels == digit)
    return members[np.random.default_rng([seed, digit]).permutation(len(members))]


def _rank_major(per_class: list[np.ndarray]) -> np.ndarray:
    """Interleave equal-length per-class index lists: rank 0 of each class, rank 1, ..."""
    return np.stack(per_class, axis=1).reshape(-1)


def fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(str(a.shape).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()[:16]


def sample_reduced(data: MnistData, train_per_class: int, test_per_class: int,
                   seed: int) -> ReducedMNIST:
    """Seeded, stratified ReducedMNIST from the splits of ``data`` (see the module doc)."""
    notes: list[str] = []
    if "train" in data.splits and "test" in data.splits:
        (xtr, ytr), (xte, yte) = data.splits["train"], data.splits["test"]
        train_idx, test_idx = [], []
        for digit in range(NUM_CLASSES):
            tr, te = _class_permutation(ytr, digit, seed), _class_permutation(yte, digit, seed)
            for pool, n, split in ((tr, train_per_class, "train"), (te, test_per_class, "test")):
                if len(pool) < n:
                    raise ReducedMnistError(f"class {digit} has {len(pool)} images in the {split} "
                                            f"split, {n} {split} per class were asked")
            train_idx.append(tr[:train_per_class])
            test_idx.append(te[:test_per_class])
        x_train, y_train = xtr[_rank_major(train_idx)], ytr[_rank_major(train_idx)]
        x_test, y_test = xte[_rank_major(test_idx)], yte[_rank_major(test_idx)]
    else:
        (split, (x, y)), = data.splits.items()
        need = train_per_class + test_per_class
        train_idx, test_idx = [], []
        for digit in range(NUM_CLASSES):
            perm = _class_permutation(y, digit, seed)
            if len(perm) < need:
                raise ReducedMnistError(
                    f"class {digit} has {len(perm)} images, {train_per_class} train + "
                    f"{test_per_class} test per class were asked (the source has only its "
                    f"{split} split)")
            test_idx.append(perm[:test_per_class])
            train_idx.append(perm[test_per_class:need])
        x_train, y_train = x[_rank_major(train_idx)], y[_rank_major(train_idx)]
        x_test, y_test = x[_rank_major(test_idx)], y[_rank_major(test_idx)]
        missing = "train" if split == "test" else "test"
        notes.append(f"the source has no {missing} split: train and test were both drawn, "
                     f"without overlap, from its {split} split ({len(y)} images)")
    meta = {
        "source": str(data.source),
        "splits_found": sorted(data.splits),
        "train_per_class": train_per_class,
        "test_per_class": test_per_class,
        "seed": seed,
        "notes": notes,
        "fingerprint": fingerprint(x_train, y_train, x_test, y_test),
    }
    log.info("ReducedMNIST: %d train + %d test per class from %s (seed %d)%s", train_per_class,
             test_per_class, data.source, seed, "; " + notes[0] if notes else "")
    return ReducedMNIST(x_train, y_train, x_test, y_test, meta)


def save_reduced(reduced: ReducedMNIST, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(directory / DATA_FILE, x_train=reduced.x_train, y_train=reduced.y_train,
                        x_test=reduced.x_test, y_test=reduced.y_test)
    (directory / META_FILE).write_text(json.dumps(reduced.meta, indent=2))


def load_reduced(directory: Path) -> ReducedMNIST:
    path = Path(directory) / DATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no ReducedMNIST at {path} (output of the reduced-mnist step)")
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    meta = json.loads((Path(directory) / META_FILE).read_text())
    return ReducedMNIST(**arrays, meta=meta)


def _sample_step(step: str, dataset: Path, reduced: Path, train_per_class: int,
                 test_per_class: int, seed: int) -> None:
    result = sample_reduced(load_source(dataset), train_per_class, test_per_class, seed)
    save_reduced(result, reduced)
    log.info("%s: %d train + %d test images -> %s (fingerprint %s)", step,
             len(result.y_train), len(result.y_test), reduced, result.meta["fingerprint"])


def reduced_mnist_step(settings: SettingsView, *, dataset: Path, reduced: Path) -> None:
    """ReducedMNIST (``profile.p2.reduced``) from a fetch-mnist output, saved as uint8 npz."""
    cfg = settings.p2.reduced
    _sample_step(settings.step, dataset, reduced, cfg.train_per_class, cfg.test_per_class, cfg.seed)


def p4a_reduced_mnist_step(settings: SettingsView, *, dataset: Path, reduced: Path) -> None:
    """Part A's own ReducedMNIST sample (``p4a.train_per_class``, ``test_per_class``,
    ``sample_seed``), drawn once for every model x seed task of Part A."""
    cfg = settings.p4a
    _sample_step(settings.step, dataset, reduced, cfg.train_per_class, cfg.test_per_class,
                 cfg.sample_seed)
