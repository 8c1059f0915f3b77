"""Problem 1 (spoken digits, MFCCs): study sections 1.1-1.3."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, field_validator, model_validator

from digitstudy.config.base import Section, SplitFractions, TrainConfig, unique

# Which Dense layers of the 1.2 autoencoder carry the L2 penalty ("applied to the dense
# layers", study 1.2.1): all four (the literal reading), the three hidden ReLU layers
# (encoder hidden, bottleneck, decoder hidden; not the linear reconstruction layer), none.
L2Scope = Literal["all", "hidden", "none"]
# How P1's utterances are split: the study's random stratified 70/15/15, or leave-speakers-out.
SplitKind = Literal["random", "speakers"]
UtteranceDiagnostic = Literal["last_pair", "pair_mean"]
# how records and report rows name each variant
L2_LABELS = {"all": "L2 on all layers", "hidden": "L2 on hidden layers only", "none": "no L2"}
SPLIT_LABELS = {"random": "random split", "speakers": "speaker-independent split"}
DIAGNOSTIC_LABELS = {"last_pair": "last-pair encoding", "pair_mean": "mean of the pair latents"}


class MfccConfig(Section):
    n_mfcc: PositiveInt
    frame_ms: PositiveFloat  # window length; n_fft = round(sr * frame_ms / 1000)
    hop_ms: PositiveFloat
    n_mels: PositiveInt
    split: SplitFractions
    split_seed: int
    workers: PositiveInt  # decoding processes


class MlpConfig(Section):
    hidden_units: list[PositiveInt] = Field(min_length=1)
    dropout: float = Field(ge=0, lt=1)
    batch_norm: bool


class BaselineConfig(Section):
    classifier: MlpConfig
    train: TrainConfig


class AutoencoderConfig(Section):
    bottleneck_dims: list[PositiveInt] = Field(min_length=1)
    hidden_units: PositiveInt
    l2: float = Field(ge=0)
    l2_scope: L2Scope = "all"  # the study rows (Table 1, the sweep, Figure 2)
    l2_scope_variants: list[L2Scope] = []  # each: the sweep again, as labelled variant rows
    train: TrainConfig
    classifier_train: TrainConfig

    _unique_dims = field_validator("bottleneck_dims")(unique)
    _unique_scopes = field_validator("l2_scope_variants")(unique)

    @model_validator(mode="after")
    def _variants_differ(self) -> AutoencoderConfig:
        if self.l2_scope in self.l2_scope_variants:
            raise ValueError(f"l2_scope_variants {self.l2_scope_variants} repeats l2_scope "
                             f"{self.l2_scope!r} (the study rows already run it)")
        return self

    @property
    def l2_scopes(self) -> list[str]:
        """Every scope swept: the study rows' first."""
        return [self.l2_scope, *self.l2_scope_variants]


class SplitsConfig(Section):
    """The splits P1's classifiers run under. ``kinds[0]`` gives the study rows; every
    further kind reruns the baseline and Approach A at ``bottleneck`` as labelled rows.

    ``speakers``: leave-speakers-out, seeded by ``seed``: ``test_speakers`` speakers form the
    test set, ``val_speakers`` the validation set, the rest train (each speaker's recordings
    stay together); every digit must be in every set."""

    kinds: list[SplitKind] = Field(default=["random"], min_length=1)
    test_speakers: PositiveInt = 1
    val_speakers: PositiveInt = 1  # early stopping needs a validation set
    seed: int = 42
    bottleneck: PositiveInt = 300

    _unique_kinds = field_validator("kinds")(unique)


class UtteranceConfig(Section):
    pair_hidden: PositiveInt
    latent_dim: PositiveInt
    merger_hidden: PositiveInt
    autoencoder_train: TrainConfig
    merger_train: TrainConfig
    classifier: MlpConfig
    classifier_train: TrainConfig
    # labelled diagnostics beside Approach B, each with the same classifier settings:
    # last_pair = the pair-AE latent of the last frame pair only; pair_mean = the mean of
    # every pair's latent
    diagnostics: list[UtteranceDiagnostic] = []

    _unique_diagnostics = field_validator("diagnostics")(unique)


class P1Config(Section):
    seeds: list[int] = Field(min_length=1)  # one training run per seed
    mfcc: MfccConfig
    baseline: BaselineConfig
    autoencoder: AutoencoderConfig
    utterance: UtteranceConfig
    splits: SplitsConfig = SplitsConfig()
