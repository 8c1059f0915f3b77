"""Problem 4 (attention): Part A on ReducedMNIST (study section 5, Tables 7-10) and
Part B on spoken digits as spectrogram images (section 6, Tables 11-13)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    field_validator,
)

from digitstudy.config.base import Section, SplitFractions, TrainConfig, unique
from digitstudy.config.p4_models import MNIST_MODELS, SPEECH_MODELS

# Model names are the keys of the named specs (digitstudy.config.p4_models, TensorFlow-free):
# the rows of the study's tables (study_tables.yaml table_10 / table_13), then labelled
# variants such as "self_attention_add_norm".
MNIST_MODEL_NAMES: tuple[str, ...] = tuple(MNIST_MODELS)
SPEECH_MODEL_NAMES: tuple[str, ...] = tuple(SPEECH_MODELS)


def _one_of(known: tuple[str, ...]):
    def check(name: str) -> str:
        if name not in known:
            raise ValueError(f"unknown model {name!r}; known: {', '.join(known)}")
        return name

    return AfterValidator(check)


MnistModel = Annotated[str, _one_of(MNIST_MODEL_NAMES)]
SpeechModel = Annotated[str, _one_of(SPEECH_MODEL_NAMES)]
# CBAM's channel-gate descriptors: ["avg"] = the study's text (sections 5.2.2, 6.2.2),
# ["avg", "max"] = Woo et al. 2018 (eq. 2)
CbamPooling = list[Literal["avg", "max"]]


def _pooling(pooling: list[str]) -> list[str]:
    if not pooling or len(set(pooling)) != len(pooling):
        raise ValueError(f"cbam_channel_pooling must be [avg], [max] or [avg, max], got {pooling}")
    return pooling


class P4aConfig(Section):
    """ReducedMNIST attention study: every model x seed is one training run."""

    models: list[MnistModel] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)  # training seeds (weights, dropout, shuffling)
    train_per_class: PositiveInt  # 500 -> the study's 5000 training images
    test_per_class: PositiveInt  # 100 -> 1000 test images (also the validation data)
    sample_seed: int  # which digits are sampled (fixed across training seeds)
    train: TrainConfig
    map_digits: list[int] = Field(min_length=1)  # one test example of each in the maps
    cbam_channel_pooling: CbamPooling

    _unique_models = field_validator("models", "seeds")(unique)
    _cbam_pooling = field_validator("cbam_channel_pooling")(_pooling)

    @field_validator("map_digits")
    @classmethod
    def _digits(cls, digits: list[int]) -> list[int]:
        bad = [d for d in digits if not 0 <= d <= 9]
        if bad:
            raise ValueError(f"map digits must be 0-9, got {bad}")
        return digits


class SpectrogramConfig(Section):
    """Log-power spectrogram of each recording rendered as a size x size RGB image."""

    kind: Literal["mel", "stft"]
    n_fft: PositiveInt
    win_length: PositiveInt
    hop_length: PositiveInt
    n_mels: PositiveInt  # mel bands (kind=mel); the image height is resampled to `size`
    fmax: PositiveFloat | None  # top of the mel scale; null = Nyquist
    top_db: PositiveFloat  # dynamic range kept below each image's peak
    size: PositiveInt  # images are size x size (frequency x time, both resampled)
    colormap: str  # a matplotlib colormap name
    workers: PositiveInt  # decoding processes


class P4bConfig(Section):
    """Spoken-digit attention study on spectrogram images."""

    models: list[SpeechModel] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)
    spectrogram: SpectrogramConfig
    split: SplitFractions
    split_seed: int
    train: TrainConfig
    clipnorm: PositiveFloat | None  # Adam gradient clipping by norm
    noise_std: NonNegativeFloat  # Gaussian noise on training images only ...
    noise_models: list[SpeechModel]  # ... of these models
    map_examples: PositiveInt  # test spectrograms drawn with Grad-CAM / attention overlays
    cbam_channel_pooling: CbamPooling

    _unique_lists = field_validator("models", "seeds", "noise_models")(unique)
    _cbam_pooling = field_validator("cbam_channel_pooling")(_pooling)
