"""Where the raw datasets come from and how much of them a profile uses."""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveInt

from digitstudy.config.base import Section


class FsddConfig(Section):
    # Recordings kept per digit (spread over speakers, seeded); null keeps all 300.
    per_digit_limit: PositiveInt | None = None
    sample_seed: int
    # Recordings with more than one channel: "error" (the default: FSDD is mono, so a
    # stereo file is probably the wrong file) or "mix_down" (average the channels).
    # Mixed sample rates are always an error: resample the files first.
    channels: Literal["error", "mix_down"] = "error"


class DataConfig(Section):
    fsdd: FsddConfig
