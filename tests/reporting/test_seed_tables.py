"""The paper-run scripts' per-seed tables (reporting.seed_tables): Table 5 over seeds (mean
+/- sd per cell, the difference to the real-only baseline, the paired test, the filtered
row's goal verdict: mean >= baseline mean - one SE of the baseline), Problem 1's cells and
the attention tables."""

from __future__ import annotations

import numpy as np

from digitstudy.config import load_profile
from digitstudy.reporting.records import classification_record
from digitstudy.reporting.seed_tables import (
    attention_seed_tables,
    p1_seed_table,
    table5_over_seeds,
)
from digitstudy.reporting.significance import SignificanceSettings

N = 400


def cell(seed: int, correct: int, synthetic: int = 0, pool: str = "", **keys):
    """A cell whose first ``correct`` of N test digits are right (rotated per seed, so seeds
    differ in which items they miss)."""
    y = np.arange(N) % 10
    pred = y.copy()
    wrong = np.roll(np.arange(N) >= correct, seed)
    pred[wrong] = (y[wrong] + 1) % 10
    experiment, part = keys.pop("experiment", "p3-synthetic-cell"), keys.pop("part", "p3")
    return classification_record(
        experiment=experiment, part=part, seed=seed, profile="paper",
        cell=keys if experiment != "p3-synthetic-cell"
        else {"real": 300, "synthetic": synthetic, "gan": "specific", "variant": pool},
        accuracy=float(np.mean(pred == y)), loss=0.1, y_true=y, y_pred=pred,
        train_images=3000 + 10 * synthetic, epochs_run=20, train_seconds=10.0)


def row_of(table: str, count: int, pool: str) -> list[str]:
    for line in table.splitlines():
        cols = [c.strip() for c in line.strip("|").split("|")]
        if cols[:2] == [str(count), pool]:
            return cols
    raise AssertionError(f"no row {count} {pool} in\n{table}")


def test_filtered_goal_mean_sd_and_paired_test():
    seeds = [42, 43, 44]
    base = [cell(s, 380, 0, "") for s in seeds]  # 0.95 each
    rows = {"none": {0: base},
            "filtered": {1000: [cell(s, c, 1000, "filtered")
                                for s, c in zip(seeds, [378, 380, 379], strict=True)],
                         2000: [cell(s, 340, 2000, "filtered") for s in seeds]}}
    table = table5_over_seeds(rows, SignificanceSettings.of(load_profile("paper").statistics), 300)

    baseline = row_of(table, 0, "none")
    assert baseline[2] == "0.9785"  # the study's real-only cell, from study-tables.yaml
    assert baseline[3:6] == ["0.9500"] * 3 and baseline[6] == "0.9500 ± 0.0000"

    near = row_of(table, 1000, "filtered")
    assert near[6] == "0.9475 ± 0.0025"
    assert near[7].startswith("-0.0025 ± ") and near[7].endswith("(goal met)")

    far = row_of(table, 2000, "filtered")
    assert far[7].startswith("-0.1000 ± ") and far[7].endswith("(goal missed)")
    p, holm = far[8].replace("(", "").replace(")", "").split()
    assert float(p) < 1e-6 and float(p) <= float(holm) < 1e-5
    assert float(near[8].split()[0]) > 0.05


def columns(table: str, first: str) -> list[str]:
    for line in table.splitlines():
        cols = [c.strip() for c in line.strip("|").split("|")]
        if cols[0] == first:
            return cols
    raise AssertionError(f"no row {first} in\n{table}")


def test_attention_tables_give_each_model_over_seeds_against_the_study_and_the_base():
    recs = [cell(s, c, experiment="p4a-attention-mnist", part="p4a", model=m)
            for s in (4, 5, 6) for m, c in (("base_cnn", 390), ("se", 396))]
    table = attention_seed_tables(recs, SignificanceSettings())
    assert table.startswith("**Table 10** (3 seeds; study test items 1000)")
    se = columns(table, "se")
    assert se[1] == "0.9855" and se[2:5] == ["0.9900"] * 3 and se[5] == "0.9900 ± 0.0000"
    assert se[6].startswith("+0.0045 ± ")
    assert float(se[7].split()[0]) < 0.05  # 6 more right on 400 items, 3 seeds: paired test
    assert columns(table, "base_cnn")[7] == "\u2013"  # the baseline is not tested against itself
    assert "Table 13" not in table  # no Part B records


def test_p1_cells_are_grouped_over_seeds_with_their_study_value():
    recs = [cell(s, 360 + s % 3, experiment="p1-baseline", part="p1") for s in (42, 43, 44)]
    table = p1_seed_table([(r, 10.0 * r.seed) for r in recs])
    row = columns(table, "p1-baseline")
    assert row[1] == "0.9311"
    assert row[2] == "42:0.9000 43:0.9025 44:0.9050"
    assert row[3] == "0.9025 ± 0.0025"
    assert row[6] == "420 430 440"
