"""Exact McNemar on paired predictions, spread over seeds, the Table 10 / 13 rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitstudy.reporting.records import Predictions, ResultRecord
from digitstudy.reporting.significance import (
    accuracy_standard_error,
    compare_to_baseline,
    comparison_rows,
    mcnemar_exact,
    mean_sd,
    paired_table,
)


def paired(both_right: int, only_a: int, only_b: int, both_wrong: int):
    """Labels and two prediction vectors realising a given 2x2 table."""
    n = both_right + only_a + only_b + both_wrong
    y = np.arange(n) % 10
    wrong = (y + 1) % 10
    a_right = np.r_[np.ones(both_right + only_a, bool), np.zeros(only_b + both_wrong, bool)]
    b_right = np.r_[np.ones(both_right, bool), np.zeros(only_a, bool), np.ones(only_b, bool),
                    np.zeros(both_wrong, bool)]
    return y, np.where(a_right, y, wrong), np.where(b_right, y, wrong)


def test_paired_table_counts_the_four_cells():
    y, a, b = paired(50, 10, 2, 3)
    np.testing.assert_array_equal(paired_table(y, a, b), [[50, 10], [2, 3]])


def test_exact_mcnemar_on_a_known_table():
    # 12 discordant pairs, 10 vs 2: p = 2 * P(X <= 2 | Bin(12, 1/2)) = 2 * 79 / 4096
    result = mcnemar_exact(*paired(50, 10, 2, 3))
    assert (result.only_a_right, result.only_b_right, result.n) == (10, 2, 65)
    assert result.pvalue == pytest.approx(158 / 4096)
    # only the discordant pairs matter
    assert mcnemar_exact(*paired(900, 10, 2, 88)).pvalue == pytest.approx(158 / 4096)
    # symmetric and, without discordant pairs, no evidence at all
    assert mcnemar_exact(*paired(50, 2, 10, 3)).pvalue == pytest.approx(158 / 4096)
    assert mcnemar_exact(*paired(40, 0, 0, 5)).pvalue == 1.0
    assert mcnemar_exact(*paired(40, 3, 3, 5)).pvalue == pytest.approx(1.0)


def test_unpaired_predictions_are_errors():
    with pytest.raises(ValueError, match="equal 1-d shapes"):
        paired_table([1, 2, 3], [1, 2, 3], [1, 2])


def test_mean_sd_and_standard_error():
    assert mean_sd([1.0, 2.0, 3.0]) == (2.0, 1.0)
    mean, sd = mean_sd([0.98])
    assert mean == 0.98 and math.isnan(sd)
    # the study's single runs: 1000 test images at ~98 % -> one standard error ~ 0.0044
    assert accuracy_standard_error(0.981, 1000) == pytest.approx(0.00432, abs=1e-5)


def record(model: str, seed: int, y, pred, seconds: float) -> ResultRecord:
    y, pred = np.asarray(y), np.asarray(pred)
    return ResultRecord(experiment="p4a-attention-mnist", part="p4a", cell={"model": model},
                        seed=seed, profile="test",
                        metrics={"test_accuracy": float(np.mean(y == pred))},
                        train_seconds=seconds,
                        predictions=Predictions(y_true=y.tolist(), y_pred=pred.tolist()))


@pytest.fixture
def seed_records():
    y, se_pred, base_pred = paired(50, 10, 2, 3)
    _, se_pred2, base_pred2 = paired(55, 6, 1, 3)
    return [record("base_cnn", 4, y, base_pred, 40.0), record("se", 4, y, se_pred, 44.0),
            record("base_cnn", 5, y, base_pred2, 42.0), record("se", 5, y, se_pred2, 45.0)]


def test_compare_to_baseline_over_seeds(seed_records):
    base, se = compare_to_baseline(seed_records, "base_cnn")
    assert base.model == "base_cnn" and base.mcnemar == [] and base.pvalue is None
    assert se.seeds == [4, 5] and se.n_test == 65
    assert se.accuracy[0] == pytest.approx((60 / 65 + 61 / 65) / 2)
    assert se.accuracy_vs_base == pytest.approx((8 / 65 + 5 / 65) / 2)
    assert se.seconds_vs_base == pytest.approx(3.5)
    assert [m.pvalue for m in se.mcnemar] == [pytest.approx(158 / 4096),
                                              pytest.approx(mcnemar_exact(*paired(55, 6, 1, 3)).pvalue)]
    assert se.seeds_significant == 1


def test_comparison_needs_the_baseline_on_the_same_seeds_and_labels(seed_records):
    with pytest.raises(ValueError, match="no records of the baseline"):
        compare_to_baseline(seed_records, "cbam")
    with pytest.raises(ValueError, match="seed"):
        compare_to_baseline(seed_records[1:], "base_cnn")
    y, a, b = paired(50, 10, 2, 3)
    other = record("se", 4, (y + 1) % 10, a, 1.0)
    with pytest.raises(ValueError, match="same test labels"):
        compare_to_baseline([seed_records[0], other], "base_cnn")


def test_comparison_rows_sit_beside_the_study(seed_records):
    study = {"base_cnn": {"test_accuracy": 0.9810, "train_seconds": 41.41},
             "cbam": {"test_accuracy": 0.9830, "train_seconds": 63.40, "seconds_vs_base": 21.99},
             "se": {"test_accuracy": 0.9855, "train_seconds": 44.61}}
    rows = {r["model"]: r for r in comparison_rows(seed_records, "base_cnn", study)}
    assert list(rows) == ["base_cnn", "cbam", "se"]
    assert rows["cbam"]["accuracy_mean"] is None and rows["cbam"]["study_seconds_vs_base"] == 21.99
    se = rows["se"]
    assert se["study_seconds_vs_base"] == pytest.approx(3.20)  # derived when not transcribed
    assert se["accuracy_delta"] == pytest.approx(se["accuracy_mean"] - 0.9855)
    assert se["seconds_vs_base"] == pytest.approx(3.5) and se["seeds"] == 2
    assert se["mcnemar_p"] == pytest.approx(np.median([m.pvalue for m in
                                                      compare_to_baseline(seed_records, "base_cnn")[1].mcnemar]))
    assert rows["base_cnn"]["mcnemar_p"] is None and rows["base_cnn"]["seeds_p_below_alpha"] is None
    assert rows["base_cnn"]["significant"] is None
    assert se["significant"] == (se["mcnemar_p"] < 0.05)
