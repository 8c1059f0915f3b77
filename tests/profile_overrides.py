"""Build a validated profile from a built-in one with dotted-key overrides."""

from __future__ import annotations

import copy

import yaml

from digitstudy.config import Profile, profile_from_dict, profile_path


def profile_with(base: str = "tiny", **overrides) -> Profile:
    """``profile_with(p1__baseline__train__epochs=5)``: '__' separates keys."""
    data = copy.deepcopy(yaml.safe_load(profile_path(base).read_text()))
    for dotted, value in overrides.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return profile_from_dict(data, source=f"{base}+overrides")


# Table 4's layers at minimal widths; MobileNetV2 (alpha 0.35) stays the aux base.
SMALL_GAN = {
    "p3__architecture__noise_dim": 8,
    "p3__architecture__label_embedding_dim": 4,
    "p3__architecture__generator_filters": [16, 8, 4],
    "p3__architecture__discriminator_filters": [4, 8, 16],
    "p3__architecture__aux_dense_units": 32,
    "p3__train__batch_size": 50,
}


def small_gan_profile(**overrides) -> Profile:
    """The tiny profile with the GAN shrunk further (same layers), plus ``overrides``."""
    return profile_with("tiny", **{**SMALL_GAN, **overrides})
