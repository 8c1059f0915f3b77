"""Where the raw datasets come from and how much of them a profile uses."""

from __future__ import annotations

from pydantic import PositiveInt

from digitstudy.config.base import Section


class FsddConfig(Section):
    # Recordings kept per digit (spread over speakers, seeded); null keeps all 300.
    per_digit_limit: PositiveInt | None = None
    sample_seed: int


class DataConfig(Section):
    fsdd: FsddConfig
