"""Synthetic, linearly separable "digits" for Problem 2 tests (no real data needed)."""

from __future__ import annotations

import pytest

from digitstudy.config import load_profile, profile_from_dict


@pytest.fixture
def p2_profile():
    """The tiny profile with a p2 grid shrunk to seconds; overrides merge into p2."""

    def build(**p2):
        data = load_profile("tiny").model_dump(mode="json")
        for key, value in p2.items():
            if isinstance(value, dict):
                data["p2"][key] |= value
            else:
                data["p2"][key] = value
        return profile_from_dict(data)

    return build
