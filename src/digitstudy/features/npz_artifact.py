"""A dataclass of arrays stored as one ``.npz`` file in a step's output folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar, Self

import numpy as np


class NpzArtifact:
    """Mixin for dataclasses of arrays: ``save(dir)`` / ``load(dir)`` as ``dir/FILE``.

    Subclasses set ``FILE`` (the file name) and ``PRODUCER`` (the step that writes it,
    named in the error when the file is missing).
    """

    FILE: ClassVar[str]
    PRODUCER: ClassVar[str]

    def save(self, directory: Path, *, compress: bool = False) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / self.FILE
        arrays = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        (np.savez_compressed if compress else np.savez)(path, **arrays)
        return path

    @classmethod
    def load(cls, directory: Path) -> Self:
        path = Path(directory) / cls.FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not found (run {cls.PRODUCER} first)")
        with np.load(path) as data:
            return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})
