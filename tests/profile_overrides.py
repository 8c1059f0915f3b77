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
