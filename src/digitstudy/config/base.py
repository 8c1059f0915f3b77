"""Shared building blocks of the typed profile."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, model_validator


class Section(BaseModel):
    """A profile section: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReduceLROnPlateau(Section):
    factor: float = Field(gt=0, lt=1)
    patience: PositiveInt


class TrainConfig(Section):
    """How one Keras model is fitted (the study's per-model training protocol)."""

    epochs: PositiveInt
    batch_size: PositiveInt
    learning_rate: PositiveFloat
    patience: PositiveInt | None = Field(
        description="early stopping on val loss with best weights restored; null = no early stopping"
    )
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
