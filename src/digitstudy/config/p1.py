"""Problem 1 (spoken digits, MFCCs): study sections 1.1-1.3."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt, field_validator

from digitstudy.config.base import Section, SplitFractions, TrainConfig, unique


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
    train: TrainConfig
    classifier_train: TrainConfig

    _unique_dims = field_validator("bottleneck_dims")(unique)


class UtteranceConfig(Section):
    pair_hidden: PositiveInt
    latent_dim: PositiveInt
    merger_hidden: PositiveInt
    autoencoder_train: TrainConfig
    merger_train: TrainConfig
    classifier: MlpConfig
    classifier_train: TrainConfig


class P1Config(Section):
    seeds: list[int] = Field(min_length=1)  # one training run per seed
    mfcc: MfccConfig
    baseline: BaselineConfig
    autoencoder: AutoencoderConfig
    utterance: UtteranceConfig
