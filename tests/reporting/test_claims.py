"""The study's findings as data, and the verdict on them: supported, contradicted, not
resolved (with the size that would resolve it), not run."""

import pytest
from report_records import N_TEST, p1_record

from digitstudy.reporting.claims import (
    CONTRADICTED,
    NOT_RUN,
    SUPPORTED,
    UNRESOLVED,
    Claim,
    Comparison,
    cells_by_key,
    evaluate,
    needed_items,
    study_claims,
    verdict_text,
)
from digitstudy.reporting.study_tables import build_tables
from digitstudy.reporting.tables import Cell, ReportContext, Runs

CTX = ReportContext("test", 0.1)
A_VS_B = "p1-approach-a-beats-b"


def verdicts(records) -> dict:
    cells = cells_by_key(build_tables(records, CTX), CTX)
    return {r.claim.id: r for r in evaluate(cells)}


def p1(a_correct: int, b_correct: int, seeds=(42,)):
    return [rec for s in seeds for rec in (
        p1_record("p1-baseline", 80, seed=s),
        p1_record("p1-autoencoder", a_correct, seed=s, bottleneck=300),
        p1_record("p1-utterance-embedding", b_correct, seed=s))]


def test_every_claim_names_cells_of_the_study_tables_with_a_study_value():
    cells = cells_by_key([], CTX)
    claims = study_claims()
    assert len({c.id for c in claims}) == len(claims) >= 10
    for claim in claims:
        assert claim.comparisons, claim.id
        for comp in claim.comparisons:
            for key in comp.keys:
                assert key in cells, f"{claim.id}: {key} is not a cell of the study's tables"
                assert cells[key].study_value is not None, f"{claim.id}: {key} has no study value"
    # each comparison states the study's own direction
    results = evaluate(cells)
    assert all(p.study_diff > 0 for r in results for p in r.parts)


def test_a_clear_difference_in_the_studys_direction_supports_the_claim():
    result = verdicts(p1(80, 20))[A_VS_B]
    [part] = result.parts
    assert result.verdict == SUPPORTED
    assert part.method == "permutation (exact)"  # paired predictions on the same seed
    assert part.run_diff == pytest.approx(60 / N_TEST)
    assert part.p_holm < 0.05


def test_a_clear_difference_the_other_way_contradicts_it():
    result = verdicts(p1(20, 80))[A_VS_B]
    assert result.verdict == CONTRADICTED
    assert result.parts[0].run_diff < 0


def test_a_small_difference_is_not_resolved_and_says_what_size_would_resolve_it():
    result = verdicts(p1(60, 58))[A_VS_B]
    [part] = result.parts
    assert result.verdict == UNRESOLVED
    assert part.p_holm > 0.05
    # the study's 0.9156 vs 0.7289: z^2 (s1(1-s1) + s2(1-s2)) / diff^2 items per cell
    assert part.n_needed == needed_items([0.9156, 0.7289], 0.9156 - 0.7289, 0.05) == 31
    # 90 items were enough to show the study's difference: the run's own is smaller
    assert "this run's 90 test items per cell would show the study's difference (+0.1867, " \
        "about 31 needed)" in verdict_text(result)


def test_a_claim_whose_cells_did_not_run_is_not_run_here():
    got = verdicts(p1(80, 20))
    assert got["p4a-se-best"].verdict == NOT_RUN
    assert got["p4a-se-best"].parts[0].study_diff == pytest.approx(0.9855 - 0.9810)
    # a run value on one side only is still not run
    only_baseline = [p1_record("p1-baseline", 80), p1_record("p1-autoencoder", 60, bottleneck=300)]
    assert verdicts(only_baseline)["p1-baseline-beats-autoencoders"].verdict == NOT_RUN


def test_cells_without_predictions_are_compared_by_the_se_of_their_difference():
    key_a, key_b = ("T", "a", "Test accuracy"), ("T", "b", "Test accuracy")
    claim = Claim("x", "0", "a beats b", (Comparison((key_a,), (key_b,)),))
    # three seeds each on 2000 items: 0.985 +- 0.001 against 0.965 +- 0.001
    cells = {key_a: Cell("T", "a", "Test accuracy", 0.99, Runs([0.984, 0.985, 0.986], [2000] * 3)),
             key_b: Cell("T", "b", "Test accuracy", 0.988, Runs([0.964, 0.965, 0.966], [2000] * 3))}
    [result] = evaluate(cells, claims=(claim,))
    part = result.parts[0]
    expected = ((0.985 * 0.015 + 0.965 * 0.035) / 2000 + 2 * 0.001 ** 2 / 3) ** 0.5
    assert part.method == "SE of the difference"
    assert part.se == pytest.approx(expected)
    assert part.run_diff / part.se > 3 and result.verdict == SUPPORTED
    # half the difference is under 2 SE: not resolved
    cells[key_a] = Cell("T", "a", "Test accuracy", 0.99, Runs([0.974, 0.975, 0.976], [2000] * 3))
    [result] = evaluate(cells, claims=(claim,))
    assert result.verdict == UNRESOLVED and result.parts[0].p > 0.05
    # the study's 0.99 vs 0.988 needs more items than the run's 2000 to stand out
    n = needed_items([0.99, 0.988], 0.002, 0.05)
    assert n > 2000
    assert verdict_text(result).endswith(f"from about {n:,} test items per cell; this run has 2000")
