"""The paper run's Table 5 over seeds (scripts/p3_paper_run.py): mean +/- sd per cell, the
difference to the real-only baseline, the paired test, and the filtered row's goal verdict
(mean >= baseline mean - one SE of the baseline)."""

from __future__ import annotations

import numpy as np

from digitstudy.config import load_profile
from digitstudy.reporting.records import classification_record
from scripts.p3_paper_run import table5

N = 400


def cell(seed: int, correct: int, synthetic: int, pool: str):
    """A cell whose first ``correct`` of N test digits are right (rotated per seed, so seeds
    differ in which items they miss)."""
    y = np.arange(N) % 10
    pred = y.copy()
    wrong = np.roll(np.arange(N) >= correct, seed)
    pred[wrong] = (y[wrong] + 1) % 10
    return classification_record(
        experiment="p3-synthetic-cell", part="p3", seed=seed, profile="paper",
        cell={"real": 300, "synthetic": synthetic, "gan": "specific", "variant": pool},
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
    table = table5(rows, load_profile("paper"), 300)

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
