"""The one result-record schema every experiment writes and the aggregator reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

RECORD_FILE = "record.json"
# a step that measures labelled variants beside its record writes each as EXTRA_DIR/<name>/
EXTRA_DIR = "extra"

CellValue = int | float | str | bool


class Predictions(BaseModel):
    """Paired test labels and predictions (confusion matrices, McNemar tests)."""

    model_config = ConfigDict(extra="forbid")
    y_true: list[int]
    y_pred: list[int]


class ResultRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    experiment: str  # step that produced it, e.g. "p1-autoencoder"
    part: str  # p1, p2, p3, p4a, p4b
    cell: dict[str, CellValue] = Field(
        default_factory=dict
    )  # grid coordinates, e.g. {"bottleneck": 300}
    seed: int
    profile: str
    metrics: dict[str, float]  # at least test_accuracy; accuracies are fractions in [0, 1]
    train_seconds: float
    history: dict[str, list[float]] = Field(default_factory=dict)  # per-epoch Keras history
    predictions: Predictions | None = None
    files: dict[str,
                str] = Field(default_factory=dict)  # extra outputs (plots, maps), relative paths
    notes: list[str] = Field(default_factory=list)  # deviations from the protocol, substitutions
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def key(self) -> str:
        cell = ",".join(f"{k}={v}" for k, v in sorted(self.cell.items()))
        return f"{self.experiment}[{cell}]seed={self.seed}"


def classification_record(*, experiment: str, part: str, cell: dict, seed: int, profile: str,
                          accuracy: float, loss: float, y_true, y_pred, train_images: int,
                          epochs_run: int, train_seconds: float, history: dict | None = None,
                          metrics: dict | None = None, notes: list[str] | None = None
                          ) -> ResultRecord:
    """The record of one trained classifier, in the one metric vocabulary every step uses:
    ``test_accuracy``, ``test_loss``, ``epochs_run``, ``train_images``, ``test_images`` (plus
    the step's own ``metrics``) and the paired test predictions."""
    y_true, y_pred = [int(v) for v in y_true], [int(v) for v in y_pred]
    return ResultRecord(
        experiment=experiment, part=part, cell=cell, seed=seed, profile=profile,
        metrics={"test_accuracy": float(accuracy), "test_loss": float(loss),
                 "epochs_run": float(epochs_run), "train_images": float(train_images),
                 "test_images": float(len(y_true)),
                 **{k: float(v) for k, v in (metrics or {}).items()}},
        train_seconds=float(train_seconds), history=history or {},
        predictions=Predictions(y_true=y_true, y_pred=y_pred), notes=list(notes or []))


def save_record(record: ResultRecord, directory: str | Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / RECORD_FILE
    path.write_text(record.model_dump_json(indent=2))
    return path


def load_record(directory: str | Path) -> ResultRecord:
    path = Path(directory)
    if path.is_dir():
        path = path / RECORD_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no result record at {path}")
    return ResultRecord.model_validate(json.loads(path.read_text()))


def record_folders(directories: list[str | Path]) -> list[Path]:
    """Every folder holding a record: each step output, followed by its ``EXTRA_DIR/<name>/``
    variant records (the order :func:`load_records` gives, so the two zip)."""
    out = []
    for d in map(Path, directories):
        out.append(d)
        extra = d / EXTRA_DIR
        if d.is_dir() and extra.is_dir():
            out += [e for e in sorted(extra.iterdir()) if e.is_dir()]
    return out


def load_records(directories: list[str | Path]) -> list[ResultRecord]:
    """Records from step outputs and their variant records (:func:`record_folders`); every
    directory must hold one (nothing is skipped silently)."""
    return [load_record(d) for d in record_folders(directories)]
