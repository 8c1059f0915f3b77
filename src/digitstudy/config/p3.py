"""Problem 3 (conditional DCGAN synthesis, real + synthetic grid, proposed pipeline): study 3."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt, model_validator

from digitstudy.config.base import Section, check_ascending_unique

# GAN training sets: ReducedMNIST real sizes per class, the full MNIST train split, and the
# proposed pipeline's 300 real + augmented per class (study 3.4).
FULL = "full"
PROPOSED = "proposed"
FILTERED = "filtered"  # the label of the filtered-synthesis rows (p3.filter)
# where each variant override lands in the profile
VARIANT_PATHS = {"aux_bn_momentum": "p3.architecture.aux_bn_momentum",
                 "aux_weight": "p3.train.aux_weight",
                 "synthesis_training_mode": "p3.synthesis_training_mode"}
# what a GAN is trained with (its checkpoint tag, digitstudy.experiments.gan_grid._tag); an
# override outside these changes only how a trained GAN's pool is drawn
GAN_TRAINING_PATHS = ("p3.architecture.", "p3.train.")


class AdamConfig(Section):
    learning_rate: PositiveFloat
    beta_1: float = Field(ge=0, lt=1)
    beta_2: float = Field(ge=0, lt=1)


class GanArchitecture(Section):
    """Table 4. Filters are the study's (256-128-64 / 64-128-256); tiny shrinks them."""

    noise_dim: PositiveInt
    label_embedding_dim: PositiveInt  # generator's label embedding, concatenated to the noise
    generator_filters: list[PositiveInt] = Field(min_length=3, max_length=3)  # FC, ConvT, ConvT
    discriminator_filters: list[PositiveInt] = Field(min_length=1)  # Conv(5x5, stride 2) each
    dropout: float = Field(ge=0, lt=1)
    leaky_slope: float = Field(gt=0, lt=1)
    aux_base_weights: Literal["imagenet"] | None  # MobileNetV2 base; null = random init
    aux_alpha: PositiveFloat  # MobileNetV2 width multiplier (1.0 = the standard network)
    aux_dense_units: PositiveInt
    aux_dropout: float = Field(ge=0, lt=1)
    # A deviation from stock Keras (MobileNetV2's BN momentum 0.999): the aux classifier judges
    # generated digits in inference mode, i.e. with BN moving statistics of real batches. At
    # 0.999 (0.99 too) those stay near their init for hundreds of steps, and through ~50 BN
    # layers a random-init base then gives near-constant logits (no class signal for the
    # generator); at 0.9 they track the real data within ~50 steps.
    aux_bn_momentum: float = Field(0.9, gt=0, lt=1)


class GanTrainConfig(Section):
    epochs: PositiveInt
    batch_size: PositiveInt
    generator: AdamConfig
    discriminator: AdamConfig
    aux_classifier: AdamConfig  # trained on the real batches alongside the GAN
    aux_weight: float = Field(ge=0)  # weight of the aux classification loss in the G loss
    checkpoint_every: PositiveInt  # epochs between checkpoints (and after the last epoch)


class QualityConfig(Section):
    """GAN-test / GAN-train (Shmelkov et al. 2018) for every GAN."""

    samples_per_class: PositiveInt  # synthetic images per class scored / trained on
    reference_real_size: PositiveInt  # real per class the GAN-test reference CNN is trained on
    grid_columns: PositiveInt  # samples per class row in the Figure 6/7 grids


class ProposedConfig(Section):
    """Study 3.4: 300 real + augmented per class -> GAN -> synthetic -> classifier (Table 6)."""

    real_size: PositiveInt
    augmented_per_class: PositiveInt
    gan_epochs: PositiveInt  # the study: "e.g. 100 epochs"


class VariantOverrides(Section):
    """What a labelled GAN variant changes; unset keys keep the profile's value."""

    aux_bn_momentum: float | None = Field(None, gt=0, lt=1)  # p3.architecture; stock Keras 0.999
    aux_weight: float | None = Field(None, ge=0)  # p3.train; 0 = no aux classification loss
    synthesis_training_mode: bool | None = None  # p3; dropout/BN in training mode at synthesis

    @model_validator(mode="after")
    def _something(self) -> VariantOverrides:
        if not self.model_dump(exclude_none=True):
            raise ValueError("overrides: a variant must set at least one of "
                             f"{', '.join(type(self).model_fields)}")
        return self


class GanVariant(Section):
    """A labelled reading of the study: GAN -> synthesis -> quality -> Table 5 cells, with its
    own GAN when it changes how the GAN is trained."""

    label: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)
    overrides: VariantOverrides

    @property
    def trains_own_gan(self) -> bool:
        """False for a synthesis-only variant: its pool is drawn from the row's default GAN."""
        return any(path.startswith(GAN_TRAINING_PATHS) for path in variant_overrides(self))


class FilterConfig(Section):
    """Filtered synthesis (beyond the study): keep a synthetic digit only when a Table 2 CNN
    trained on the row's real training set gives its conditioning label probability
    >= ``threshold``; draw until every class's pool is full."""

    enabled: bool
    threshold: float = Field(gt=0, le=1)
    max_draws_factor: PositiveInt  # at most this many draws per kept image, per class
    seed: int  # synthesis noise of the filtered pool
    batch_size: PositiveInt  # images generated and scored per draw round


class P3Config(Section):
    """The CNN of every P3 cell trains as in P2 (``p2.classifier.train``), as the study says."""

    seeds: list[int] = Field(min_length=1)  # one classifier run per grid cell and seed
    gan_seed: int  # weights, noise and shuffling of every GAN; synthesis noise
    architecture: GanArchitecture
    train: GanTrainConfig
    train_sets: list[str] = Field(min_length=1)  # real sizes as strings and/or "full"
    real_sizes: list[PositiveInt] = Field(min_length=1)  # Table 5 rows, real per class
    synthetic_counts: list[NonNegativeInt] = Field(min_length=1)  # Table 5/6 columns, per class
    # "full": cap per class (seeded sample) of the full-MNIST training set; null = all of it.
    full_per_class: PositiveInt | None
    quality: QualityConfig
    proposed: ProposedConfig
    # synthesize with the generator's dropout and batch norm in training mode (the default,
    # false, uses inference mode: no dropout, BN moving statistics)
    synthesis_training_mode: bool = False
    variants: list[GanVariant] = Field(default_factory=list)
    # the Table 5 rows the variants get; null = the smallest row (the study's scarcest)
    variant_real_sizes: list[PositiveInt] | None = None
    filter: FilterConfig = FilterConfig(enabled=False, threshold=0.9, max_draws_factor=20,
                                        seed=7, batch_size=1000)

    @model_validator(mode="after")
    def _grid(self) -> P3Config:
        check_ascending_unique("p3", real_sizes=self.real_sizes,
                               synthetic_counts=self.synthetic_counts)
        for ts in self.train_sets:
            if ts != FULL and not (ts.isdigit() and int(ts) > 0):
                raise ValueError(f"train_sets: {ts!r} is neither a real size per class nor "
                                 f"{FULL!r}")
        # each Table 5 row's cells are nested in the loop of its size-specific GAN
        specific = sorted(int(t) for t in self.train_sets if t != FULL)
        if specific != list(self.real_sizes):
            raise ValueError(f"train_sets: the size-specific GANs {specific} must be exactly the "
                             f"Table 5 rows real_sizes {list(self.real_sizes)}")
        labels = [v.label for v in self.variants]
        if len(set(labels)) != len(labels) or FILTERED in labels:
            raise ValueError(f"variants: labels must be unique and not {FILTERED!r} (the "
                             f"filtered-synthesis rows), got {labels}")
        extra = sorted(set(self.variant_real_sizes or ()) - set(self.real_sizes))
        if extra:
            raise ValueError(f"variant_real_sizes: {extra} not among the Table 5 rows "
                             f"real_sizes {list(self.real_sizes)}")
        return self

    @property
    def variant_rows(self) -> list[int]:
        """The Table 5 rows the variants (and the filtered pools) get."""
        if not self.variants and not self.filter.enabled:
            return []
        return list(self.variant_real_sizes or self.real_sizes[:1])

    @property
    def gan_variant_labels(self) -> list[str]:
        """The variants that train their own GAN per row."""
        return gan_variant_labels(self.variants)

    @property
    def pool_variant_labels(self) -> list[str]:
        """The rows drawn from the row's default GAN: synthesis-only variants, then filtered."""
        return ([v.label for v in self.variants if not v.trains_own_gan]
                + ([FILTERED] if self.filter.enabled else []))


def gan_variant_labels(variants: list[GanVariant]) -> list[str]:
    """The labels of ``variants`` that train their own GAN (``GanVariant.trains_own_gan``)."""
    return [v.label for v in variants if v.trains_own_gan]


def variant_overrides(variant: GanVariant) -> dict[str, object]:
    """A variant's overrides as profile paths -> values."""
    return {VARIANT_PATHS[k]: v for k, v in variant.overrides.model_dump(exclude_none=True).items()}
