"""Typed, validated study profiles. Each part of the study owns one section module."""

from digitstudy.config.base import ReduceLROnPlateau, Section, SplitFractions, TrainConfig
from digitstudy.config.profile import (
    BUILTIN_PROFILES,
    Profile,
    ProfileError,
    load_profile,
    profile_from_dict,
    profile_path,
)

__all__ = [
    "BUILTIN_PROFILES",
    "Profile",
    "ProfileError",
    "ReduceLROnPlateau",
    "Section",
    "SplitFractions",
    "TrainConfig",
    "load_profile",
    "profile_from_dict",
    "profile_path",
]
