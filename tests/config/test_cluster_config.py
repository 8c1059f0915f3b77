"""Profile section `cluster`: the retry window Argo gets, and what the profile refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from digitstudy.config import load_profile
from digitstudy.config.cluster import RetryPolicy, seconds


def test_window_covers_every_attempt_at_full_length_plus_the_waits():
    retry = RetryPolicy(count=3, backoff="60s", factor=2, max_step_duration="6h")
    assert retry.waits() == [60, 120, 240]
    assert retry.window == f"{4 * 6 * 3600 + 420}s"
    assert RetryPolicy(count=0, backoff="10s", factor=1, max_step_duration="5m").window == "300s"


def test_paper_window_is_derived_from_its_longest_step():
    retry = load_profile("paper").cluster.retry
    assert seconds(retry.max_step_duration) >= 6 * 3600  # the 75-epoch full-MNIST GAN (docs)
    assert retry.window_seconds == (retry.count + 1) * seconds(retry.max_step_duration) \
        + sum(retry.waits())


@pytest.mark.parametrize("factor,ok", [(2, True), (2.0, True), (1.5, False), ("2", False)])
def test_backoff_factor_must_be_a_whole_number(factor, ok):
    values = {"count": 1, "backoff": "10s", "factor": factor, "max_step_duration": "1m"}
    if ok:
        assert RetryPolicy(**values).factor == 2
    else:
        with pytest.raises(ValidationError, match="factor"):
            RetryPolicy(**values)


def test_the_old_cap_key_is_refused_with_its_name():
    with pytest.raises(ValidationError, match="max_backoff"):
        RetryPolicy(count=1, backoff="10s", factor=2, max_step_duration="1m", max_backoff="10m")
