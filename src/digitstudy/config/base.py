"""Shared building blocks of the typed profile."""

from __future__ import annotations

import typing

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, model_validator


def _admits_none(annotation) -> bool:
    return type(None) in typing.get_args(annotation)


class Section(BaseModel):
    """A profile section: unknown keys are errors, values are immutable once loaded.

    A nullable key that is absent reads as null: KFP struct parameters cannot carry
    nulls, so :meth:`Profile.as_parameter` leaves them out and they must round-trip.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _absent_nullable_is_null(cls, data):
        if isinstance(data, dict):
            absent = [n for n, f in cls.model_fields.items()
                      if n not in data and f.is_required() and _admits_none(f.annotation)]
            if absent:
                data = {**data, **dict.fromkeys(absent)}
        return data


class ReduceLROnPlateau(Section):
    factor: float = Field(gt=0, lt=1)
    patience: PositiveInt


class TrainConfig(Section):
    """How one Keras model is fitted (the study's per-model training protocol)."""

    epochs: PositiveInt
    batch_size: PositiveInt
    learning_rate: PositiveFloat
    # early stopping on val loss with best weights restored; null = no early stopping
    patience: PositiveInt | None = None
    reduce_lr: ReduceLROnPlateau | None = None


class SplitFractions(Section):
    train: float = Field(gt=0, lt=1)
    val: float = Field(ge=0, lt=1)
    test: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitFractions:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + val + test must be 1.0, got {total:.4f}")
        return self


def unique(values: list) -> list:
    """The one uniqueness rule of list settings (grids, models, seeds): a pydantic validator."""
    if len(set(values)) != len(values):
        raise ValueError(f"entries must be unique, got {values}")
    return values


def check_ascending_unique(section: str, **grids: list[int]) -> None:
    """Grid axes (sizes, counts) must be unique and ascending, so cells nest and sort."""
    for name, values in grids.items():
        if list(values) != sorted(set(values)):
            raise ValueError(f"{section}.{name} must be unique and ascending, got {values}")
