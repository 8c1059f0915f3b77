"""The paired tests against a baseline: worked examples, calibration, Holm, the Table 10 rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from digitstudy.reporting.records import Predictions, ResultRecord
from digitstudy.reporting.significance import (
    SignificanceSettings,
    compare_to_baseline,
    holm,
    item_differences,
    mean_sd,
    paired_t_pvalue,
    sign_flip_pvalue,
)


def test_exact_sign_flip_on_hand_computable_cases():
    # +-1 +-1 +-1: the sums 3, 1, -1, -3 have weights 1, 3, 3, 1 of 8; |T| >= 3 in 2 of 8
    assert sign_flip_pvalue([1, 1, 1]) == (pytest.approx(2 / 8), True)
    # zeros drop out; +-2 +-1 +-1: sums 4, 2, 2, 0, 0, -2, -2, -4 -> |T| >= 4 in 2 of 8
    assert sign_flip_pvalue([2, 1, 0, 1, 0])[0] == pytest.approx(2 / 8)
    # observed 2 (= 2 + 1 - 1): |T| >= 2 in 6 of 8
    assert sign_flip_pvalue([2, 1, -1])[0] == pytest.approx(6 / 8)
    # no difference at all, or differences that cancel: p = 1
    assert sign_flip_pvalue([0, 0, 0]) == (1.0, True)
    assert sign_flip_pvalue([1, -1, 2, -2])[0] == 1.0
    assert sign_flip_pvalue([])[0] == 1.0


def test_one_seed_is_the_exact_mcnemar_test():
    # 12 discordant items, 10 vs 2: p = 2 * P(X <= 2 | Bin(12, 1/2)) = 2 * 79 / 4096
    d = [1] * 10 + [-1] * 2 + [0] * 50
    assert sign_flip_pvalue(d)[0] == pytest.approx(158 / 4096)
    assert sign_flip_pvalue(d)[0] == pytest.approx(binomtest(2, 12).pvalue)


def test_monte_carlo_agrees_with_exact_and_is_seeded():
    d = np.random.default_rng(0).integers(-3, 4, size=300)
    d[:20] = 3  # a modest shift
    exact, is_exact = sign_flip_pvalue(d)
    assert is_exact and 1e-4 < exact < 0.5
    mc = SignificanceSettings(seed=7, resamples=20_000, exact_limit=1)
    p, is_exact = sign_flip_pvalue(d, settings=mc)
    assert not is_exact and abs(p - exact) < 4 * math.sqrt(exact * (1 - exact) / 20_000) + 1e-4
    assert sign_flip_pvalue(d, settings=mc) == (p, False)  # same seed, same p
    assert sign_flip_pvalue(np.zeros(10, int), settings=mc) == (1.0, True)


def test_sign_flip_is_calibrated_under_the_null():
    """Two equally good models (the same per-item chance of being right), 3 seeds: about
    alpha of the p-values fall below alpha, never many more."""
    rng = np.random.default_rng(1)
    ease = rng.beta(8, 1, size=200)  # per-item chance of a correct prediction
    ps = []
    for _ in range(300):
        a = (rng.random((3, 200)) < ease).sum(axis=0)
        b = (rng.random((3, 200)) < ease).sum(axis=0)
        ps.append(sign_flip_pvalue(a - b)[0])
    assert np.mean(np.array(ps) < 0.05) <= 0.08
    assert np.mean(np.array(ps) < 0.5) == pytest.approx(0.5, abs=0.1)  # roughly uniform


def test_paired_t_over_seeds():
    # differences 1, 2, 3: t = 2 / (1 / sqrt 3) = 3.464 with 2 df -> p = 0.0742
    assert paired_t_pvalue([1.0, 2.0, 3.0]) == pytest.approx(0.0742, abs=1e-4)
    assert paired_t_pvalue([0.0, 0.0, 0.0]) == 1.0
    assert paired_t_pvalue([0.01]) is None  # one seed: no test


def test_holm_on_known_pvalues():
    # sorted 0.01, 0.02, 0.04, 0.5 times (4, 3, 2, 1) = 0.04, 0.06, 0.08, 0.5
    out = holm({"a": 0.04, "b": 0.01, "c": 0.02, "d": 0.5}, alpha=0.05)
    assert {k: round(v[0], 6) for k, v in out.items()} == {"a": 0.08, "b": 0.04, "c": 0.06,
                                                           "d": 0.5}
    assert [k for k, (_, reject) in out.items() if reject] == ["b"]
    assert holm({}) == {}


def test_mean_sd():
    assert mean_sd([1.0, 2.0, 3.0]) == (2.0, 1.0)
    mean, sd = mean_sd([0.98])
    assert mean == 0.98 and math.isnan(sd)


def paired(both_right: int, only_a: int, only_b: int, both_wrong: int):
    """Labels and two prediction vectors realising a given 2x2 table."""
    n = both_right + only_a + only_b + both_wrong
    y = np.arange(n) % 10
    wrong = (y + 1) % 10
    a_right = np.r_[np.ones(both_right + only_a, bool), np.zeros(only_b + both_wrong, bool)]
    b_right = np.r_[np.ones(both_right, bool), np.zeros(only_a, bool), np.ones(only_b, bool),
                    np.zeros(both_wrong, bool)]
    return y, np.where(a_right, y, wrong), np.where(b_right, y, wrong)


def record(model: str, seed: int, y, pred, seconds: float, predictions: bool = True
           ) -> ResultRecord:
    y, pred = np.asarray(y), np.asarray(pred)
    return ResultRecord(experiment="p4a-attention-mnist", part="p4a", cell={"model": model},
                        seed=seed, profile="test",
                        metrics={"test_accuracy": float(np.mean(y == pred))},
                        train_seconds=seconds,
                        predictions=Predictions(y_true=y.tolist(), y_pred=pred.tolist())
                        if predictions else None)


@pytest.fixture
def seed_records():
    y, se_pred, base_pred = paired(50, 10, 2, 3)
    _, se_pred2, base_pred2 = paired(55, 6, 1, 3)
    return [record("base_cnn", 4, y, base_pred, 40.0), record("se", 4, y, se_pred, 44.0),
            record("base_cnn", 5, y, base_pred2, 42.0), record("se", 5, y, se_pred2, 45.0),
            record("cbam", 4, y, base_pred, 50.0), record("cbam", 5, y, base_pred2, 51.0)]


def test_item_differences_count_seeds(seed_records):
    base = [r for r in seed_records if r.cell["model"] == "base_cnn"]
    se = [r for r in seed_records if r.cell["model"] == "se"]
    d = item_differences(se, base)
    # seed 4: items 50-59 +1, 60-61 -1; seed 5: items 55-60 +1, 61 -1
    assert d.sum() == (10 - 2) + (6 - 1)
    assert d[55:60].tolist() == [2] * 5 and d[61] == -2 and d[60] == 0


def test_compare_to_baseline_over_seeds(seed_records):
    base, se, cbam = compare_to_baseline(seed_records, "base_cnn")
    assert base.model == "base_cnn" and base.test is None and base.pvalue is None
    assert se.seeds == [4, 5] and se.n_test == 65
    assert se.accuracy[0] == pytest.approx((60 / 65 + 61 / 65) / 2)
    assert se.accuracy_vs_base == pytest.approx([8 / 65, 5 / 65])
    assert se.seconds_vs_base == pytest.approx([4.0, 3.0])
    expected = sign_flip_pvalue(item_differences(
        [r for r in seed_records if r.cell["model"] == "se"],
        [r for r in seed_records if r.cell["model"] == "base_cnn"]))[0]
    assert se.test.method == "permutation (exact)" and se.pvalue == pytest.approx(expected)
    assert se.test.seeds == 2 and se.test.n_items == 65
    # cbam predicts exactly as the baseline: p = 1, and Holm over the two models
    assert cbam.pvalue == 1.0
    assert se.p_holm == pytest.approx(min(1.0, 2 * expected)) and cbam.p_holm == 1.0
    assert se.significant == (se.p_holm < 0.05) and cbam.significant is False


def test_without_predictions_the_seeds_are_paired_by_a_t_test(seed_records):
    bare = [r.model_copy(update={"predictions": None}) for r in seed_records]
    _, se, cbam = compare_to_baseline(bare, "base_cnn")
    assert se.test.method == "paired t over seeds"
    assert se.pvalue == pytest.approx(paired_t_pvalue([8 / 65, 5 / 65]))
    assert cbam.pvalue == 1.0


def test_comparison_needs_the_baseline_on_the_same_seeds_and_labels(seed_records):
    with pytest.raises(ValueError, match="no records of the baseline"):
        compare_to_baseline(seed_records, "spatial_attention")
    with pytest.raises(ValueError, match="seed"):
        compare_to_baseline(seed_records[1:], "base_cnn")
    y, a, b = paired(50, 10, 2, 3)
    other = record("se", 4, (y + 1) % 10, a, 1.0)
    with pytest.raises(ValueError, match="same test labels"):
        compare_to_baseline([seed_records[0], other], "base_cnn")
