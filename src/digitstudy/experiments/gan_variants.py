"""Labelled GAN variants (``p3.variants``) and filtered synthesis as Table 5 rows beside the
study's reading, each a GAN -> pool -> quality -> cells chain: a variant that changes how the
GAN trains has its own GAN; a synthesis-only one and the filtered rows draw their pool from
the row's default GAN (``P3Config.pool_variant_labels``).

A variant's steps receive the profile's own settings plus ``p3.variants``; they apply the
variant's overrides (``digitstudy.config.p3.VARIANT_PATHS``) and then run the plain step, so
a variant is data, never a code path. The label :data:`FILTERED` is the default GAN with a
filtered pool (``p3.filter``, :mod:`digitstudy.experiments.filtered_synthesis`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from digitstudy.config.p3 import FILTERED, gan_variant_labels, variant_overrides
from digitstudy.experiments.filtered_synthesis import filtered_synthesize_step
from digitstudy.experiments.gan_grid import synthesize_step, train_gan_step

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView


def with_variant(settings: SettingsView, variant: str):
    """``settings`` (a step's settings view) with the overrides of ``variant`` applied."""
    if variant == FILTERED:
        return settings
    known = {v.label: v for v in settings.p3.variants}
    if variant not in known:
        raise ValueError(f"variant {variant!r} is not in p3.variants (labels: "
                         f"{', '.join(known) or 'none'}; {FILTERED!r} = p3.filter)")
    return settings.overridden(variant_overrides(known[variant]))


def train_gan_variant_step(settings: SettingsView, *, reduced: Path, gan: Path, real_size: int,
                           variant: str) -> None:
    """The size-specific GAN of a variant that changes how the GAN trains."""
    own_gan = gan_variant_labels(settings.p3.variants)
    if variant not in own_gan:
        with_variant(settings, variant)  # an unknown label: the error that lists the labels
        raise ValueError(f"variant {variant!r} changes only synthesis: its pool is drawn from "
                         "the row's own GAN (p3-train-gan), which p3-train-gan-variant would "
                         f"only train again (GAN variants: {', '.join(own_gan) or 'none'})")
    train_gan_step(with_variant(settings, variant), reduced=reduced, gan=gan, real_size=real_size)


def synthesize_variant_step(settings: SettingsView, *, reduced: Path, gan: Path, synthetic: Path,
                            real_size: int, variant: str) -> None:
    """The labelled pool of a variant row: filtered (``p3.filter``) or plain synthesis."""
    if variant == FILTERED:
        filtered_synthesize_step(settings, reduced=reduced, gan=gan, synthetic=synthetic,
                                 real_size=real_size, variant=variant)
    else:
        synthesize_step(with_variant(settings, variant), gan=gan, synthetic=synthetic,
                        variant=variant)
