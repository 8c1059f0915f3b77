"""Comparison tables: every run value beside the study's value and the delta.

A table is built by a :class:`TableSpec` from the result records; each part lists its specs
in its ``TABLES`` (``p1.py`` ... ``p4.py``), gathered in ``study_tables``. Runs over several
seeds are averaged; the tables show mean +/- sd where there is more than one. A test
accuracy whose test-set size is known (the record's paired predictions) gets its 95%
interval, the SE of its difference to the study's value (test-set SE of both sides plus the
seed spread, ``intervals.difference_se``) and a mark saying whether the difference exceeds
it. A ``fact`` cell (a feature dimension) is a property of the setup, shown beside the
study's but not compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from digitstudy.reporting.intervals import (
    AccuracyInterval,
    accuracy_interval,
    difference_se,
    z_test_pvalue,
)
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.significance import SignificanceSettings
from digitstudy.reporting.study_values import STUDY_TEST_SIZES
from digitstudy.steps import Step

CSV_COLUMNS = ["table", "row", "column", "study_value", "run_value", "delta"]
# after the comparison columns (tools reading the first six need no change)
EXTRA_COLUMNS = ["kind", "n_test", "ci_low", "ci_high", "p_value", "se_diff"]
LEGEND = ("Accuracies are fractions of the test set; this run = mean \u00b1 sd over its seeds "
          "(n = seeds); delta = this run \u2212 study. 95% interval: Wilson score interval of "
          "the mean test accuracy (n = test items of one seed; the seeds share them). "
          "SE of delta = sqrt(p(1\u2212p)/n + s(1\u2212s)/N + sd\u00b2/k): this run's mean p "
          "on its n test items (one seed's test set, shared by the seeds), the study's value "
          "s on its N test items (where the study gives them), and the spread sd of this "
          "run's k seeds "
          "(k \u2265 2); the study's own seed spread is unknown and not included. "
          "Significant: |delta| > 1.96 SE (two-sided normal test, p < 0.05).")


class Runs(list):
    """Run values (one per seed) and the test-set size behind each (None where unknown)."""

    def __init__(self, values=(), trials=()):
        super().__init__(values)
        self.trials: list[int | None] = list(trials)
        self.records: list[ResultRecord] = []  # behind each value (paired tests of claims)

    def add(self, record: ResultRecord, metric: str = "test_accuracy") -> Runs:
        self.append(record.metrics[metric])
        self.trials.append(test_size(record) if metric == "test_accuracy" else None)
        self.records.append(record)
        return self


def test_size(record: ResultRecord) -> int | None:
    return len(record.predictions.y_true) if record.predictions is not None else None


@dataclass
class Cell:
    table: str
    row: str
    column: str
    study_value: float | None
    runs: list[float] = field(default_factory=list)  # one value per seed (a Runs: with sizes)
    kind: str = "metric"  # "fact": a property of the setup, shown but not compared
    digits: int = 4  # decimals shown (accuracies 4; counts and seconds, means over seeds, 1)
    variant_of: str = ""  # a labelled variant row: the study row it varies (shown under it)

    @property
    def run_value(self) -> float:
        return float(np.mean(self.runs)) if self.runs else math.nan

    @property
    def run_sd(self) -> float:
        return float(np.std(self.runs, ddof=1)) if len(self.runs) > 1 else math.nan

    @property
    def delta(self) -> float:
        if self.kind == "fact" or self.study_value is None or not self.runs:
            return math.nan
        return self.run_value - self.study_value

    @property
    def difference_se(self) -> float | None:
        """SE of ``delta`` (``intervals.difference_se``) for a test accuracy whose test-set
        sizes are known; the study's test size comes from ``STUDY_TEST_SIZES``."""
        trials = getattr(self.runs, "trials", [])
        if self.kind == "fact" or self.study_value is None or not self.runs \
                or len(trials) != len(self.runs) or any(t is None for t in trials):
            return None
        return difference_se(self.run_value, float(np.mean(trials)), self.study_value,
                             STUDY_TEST_SIZES.get(self.table), self.run_sd, len(self.runs))

    @property
    def difference_p(self) -> float | None:
        se = self.difference_se
        return None if se is None else z_test_pvalue(self.delta, se)

    @property
    def interval(self) -> AccuracyInterval | None:
        """95% interval of a test accuracy whose test-set sizes are all known."""
        trials = getattr(self.runs, "trials", [])
        if self.kind == "fact" or not self.runs or len(trials) != len(self.runs) \
                or any(t is None for t in trials):
            return None
        return accuracy_interval(list(self.runs), trials, self.study_value)


@dataclass(frozen=True)
class ReportContext:
    """What table builders may need besides the records."""

    profile: str = ""
    study_scale: float = 1.0  # run sizes per class = study sizes x this
    statistics: SignificanceSettings = SignificanceSettings()  # the profile's ``statistics``


@dataclass(frozen=True)
class TableSpec:
    name: str  # the study's table name, e.g. "Table 1"
    title: str
    part: str
    build: Callable[[list[ResultRecord], ReportContext], list[Cell]]
    note: str = ""
    # (records, ctx) -> text shown under the table (e.g. which differences are significant)
    summary: Callable[[list[ResultRecord], ReportContext], str] | None = None
    # cells -> layouts.Grid (None: one line per cell, ``layouts.long_grid``)
    layout: Callable[[list[Cell]], object] | None = None


@dataclass(frozen=True)
class Figure:
    """A report figure, shown beside the table it explains."""

    caption: str  # says what to look at
    path: Path
    table: str = ""  # the TableSpec name it sits beside ("" = after the tables)
    folded: bool = False  # folded away by default (training curves, confusion matrices)


def select(records: Iterable[ResultRecord], step: Step, **cell) -> list[ResultRecord]:
    """The records of registry step ``step`` (its constant: a typo fails at import) in ``cell``."""
    name = step.name
    return [r for r in records if r.experiment == name
            and all(r.cell.get(k) == v for k, v in cell.items())]


def metric_runs(records: Iterable[ResultRecord], metric: str) -> Runs:
    runs = Runs()
    for r in records:
        if metric in r.metrics:
            runs.add(r, metric)
    return runs


def cells_frame(cells: list[Cell]) -> pd.DataFrame:
    rows = []
    for c in cells:
        iv, se, p = c.interval, c.difference_se, c.difference_p
        rows.append([c.table, c.row, c.column, c.study_value, c.run_value, c.delta, c.kind,
                     iv.n if iv else math.nan, iv.low if iv else math.nan,
                     iv.high if iv else math.nan, math.nan if p is None else p,
                     math.nan if se is None else se])
    return pd.DataFrame(rows, columns=CSV_COLUMNS + EXTRA_COLUMNS).astype(
        {"study_value": float, "run_value": float, "delta": float, "n_test": float,
         "ci_low": float, "ci_high": float, "p_value": float, "se_diff": float})


def fmt(value: float | None, sd: float = math.nan, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # dimensions, counts and seconds read as whole numbers; 0 and 1 only outside accuracy
    # columns (an accuracy of 1 stays "1.0000")
    whole = float(value).is_integer() and (abs(value) >= 2 or digits < 4)
    text = f"{value:.0f}" if whole or abs(value) >= 1000 else f"{value:.{digits}f}"
    return f"{text} ± {sd:.{digits}f}" if not math.isnan(sd) else text


def signed(delta: float, digits: int = 4) -> str:
    """``+0.0123`` / ``\u22120.0422``: every delta carries its sign."""
    if math.isnan(delta):
        return ""
    text = f"{delta:+.{digits}f}"
    return text.replace("-", "\u2212", 1)


def facts_line(cells: list[Cell]) -> str:
    """Fact cells as one sentence: ``Feature dimension: Baseline 13 (study 13), ...``."""
    by_column: dict[str, list[str]] = {}
    for c in cells:
        if c.kind == "fact" and c.runs:
            study = f" (study {fmt(c.study_value)})" if c.study_value is not None else ""
            by_column.setdefault(c.column, []).append(f"{c.row} {fmt(c.run_value)}{study}")
    return "; ".join(f"{col}: {', '.join(items)}" for col, items in by_column.items())
