"""Problem 2 (ReducedMNIST, classic augmentation, Table 2 CNN): study section 2."""

from __future__ import annotations

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from digitstudy.config.base import Section, TrainConfig, check_ascending_unique


class ReducedMnistConfig(Section):
    train_per_class: PositiveInt  # the largest real size; smaller ones are nested prefixes
    test_per_class: PositiveInt  # the fixed test set every cell is scored on
    seed: int


class AugmentConfig(Section):
    """Parameters of the seven augmentations and of "combined" (images are in [0, 1])."""

    seed: int  # the augmented pools (one stream per real size)
    strength: float = Field(ge=0, le=1, description="combined: probability of each transform")
    white_noise_std: float = Field(ge=0)  # Gaussian noise std
    brightness_max_delta: float = Field(ge=0, le=1)  # added brightness ~ U(-d, d)
    cutout_size: PositiveInt  # side of the zeroed square, pixels
    rotation_degrees: float = Field(ge=0, le=180)  # angle ~ U(-a, a)
    translation_pixels: float = Field(ge=0)  # shift ~ U(-t, t) on each axis
    zoom_range: tuple[PositiveFloat, PositiveFloat]  # scale ~ U(lo, hi); >1 enlarges
    elastic_alpha: float = Field(ge=0)  # displacement scale, pixels (Simard et al. 2003)
    elastic_sigma: PositiveFloat  # Gaussian smoothing of the displacement field, pixels

    @field_validator("zoom_range", mode="before")
    @classmethod
    def _pair_from_list(cls, value):
        # YAML writes a pair as a list; strict validation (profile files) takes only tuples
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _zoom_ordered(self) -> AugmentConfig:
        lo, hi = self.zoom_range
        if lo > hi:
            raise ValueError(f"zoom_range must be [low, high], got {list(self.zoom_range)}")
        return self


class ClassifierConfig(Section):
    train: TrainConfig  # the Table 2 CNN; the study: Adam 1e-3, 20 epochs, batch 32


class P2Config(Section):
    seeds: list[int] = Field(min_length=1)  # one CNN run per grid cell and seed
    reduced: ReducedMnistConfig
    real_sizes: list[PositiveInt] = Field(min_length=1)  # Table 3 rows, real per class
    generated_counts: list[NonNegativeInt] = Field(min_length=1)  # Table 3 columns, per class
    augment: AugmentConfig
    classifier: ClassifierConfig

    @model_validator(mode="after")
    def _grid(self) -> P2Config:
        check_ascending_unique("p2", real_sizes=self.real_sizes,
                               generated_counts=self.generated_counts)
        if max(self.real_sizes) > self.reduced.train_per_class:
            raise ValueError(f"real_sizes {self.real_sizes} exceed reduced.train_per_class "
                             f"({self.reduced.train_per_class})")
        return self
