"""How the report tests its differences (``reporting/significance.py``)."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from digitstudy.config.base import Section


class StatisticsConfig(Section):
    alpha: float = Field(gt=0, lt=1)  # significance level, after Holm's correction
    permutation_seed: int  # Monte Carlo sign draws of the permutation test
    resamples: PositiveInt  # Monte Carlo draws (only where the exact test is too large)
    exact_limit: PositiveInt  # operations of the exact permutation distribution, at most
