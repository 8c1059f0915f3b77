"""Comparison tables: every run value beside the study's value and the delta.

A table is built by a :class:`TableSpec` from the result records; each part registers
its specs in :data:`TABLE_SPECS` (see ``p1_tables.py``). Runs over several seeds are
averaged; the Markdown shows mean +/- sd where there is more than one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from digitstudy.reporting.records import ResultRecord

CSV_COLUMNS = ["table", "row", "column", "study_value", "run_value", "delta"]


@dataclass
class Cell:
    table: str
    row: str
    column: str
    study_value: float | None
    runs: list[float] = field(default_factory=list)  # one value per seed

    @property
    def run_value(self) -> float:
        return float(np.mean(self.runs)) if self.runs else math.nan

    @property
    def run_sd(self) -> float:
        return float(np.std(self.runs, ddof=1)) if len(self.runs) > 1 else math.nan

    @property
    def delta(self) -> float:
        if self.study_value is None or not self.runs:
            return math.nan
        return self.run_value - self.study_value


@dataclass(frozen=True)
class ReportContext:
    """What table builders may need besides the records."""

    profile: str = ""
    study_scale: float = 1.0  # run sizes per class = study sizes x this


@dataclass(frozen=True)
class TableSpec:
    name: str  # the study's table name, e.g. "Table 1"
    title: str
    part: str
    build: Callable[[list[ResultRecord], ReportContext], list[Cell]]
    note: str = ""
    # records -> text shown under the table (e.g. which differences are significant)
    summary: Callable[[list[ResultRecord]], str] | None = None


TABLE_SPECS: list[TableSpec] = []
# part -> function(records, figures_dir) -> [(caption, png path)]
FIGURE_BUILDERS: dict[str, Callable] = {}


def register(spec: TableSpec) -> TableSpec:
    TABLE_SPECS.append(spec)
    return spec


def register_figures(part: str, build: Callable) -> None:
    FIGURE_BUILDERS[part] = build


def select(records: Iterable[ResultRecord], experiment: str, **cell) -> list[ResultRecord]:
    return [r for r in records if r.experiment == experiment
            and all(r.cell.get(k) == v for k, v in cell.items())]


def metric_runs(records: Iterable[ResultRecord], metric: str) -> list[float]:
    return [r.metrics[metric] for r in records if metric in r.metrics]


def cells_frame(cells: list[Cell]) -> pd.DataFrame:
    return pd.DataFrame(
        [[c.table, c.row, c.column, c.study_value, c.run_value, c.delta] for c in cells],
        columns=CSV_COLUMNS,
    ).astype({"study_value": float, "run_value": float, "delta": float})


def build_tables(records: list[ResultRecord], ctx: ReportContext | None = None,
                 ) -> list[tuple[TableSpec, list[Cell]]]:
    """Specs whose part has records in this run, with their cells."""
    parts = {r.part for r in records}
    ctx = ctx or ReportContext()
    return [(spec, spec.build(records, ctx)) for spec in TABLE_SPECS if spec.part in parts]


def fmt(value: float | None, sd: float = math.nan, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    whole = float(value).is_integer() and abs(value) >= 2  # dimensions, counts, seconds
    text = f"{value:.0f}" if whole or abs(value) >= 1000 else f"{value:.{digits}f}"
    return f"{text} ± {sd:.{digits}f}" if not math.isnan(sd) else text


def markdown_table(cells: list[Cell]) -> str:
    lines = ["| row | column | study | this run | delta |", "| --- | --- | ---: | ---: | ---: |"]
    for c in cells:
        delta = "" if math.isnan(c.delta) else f"{c.delta:+.4f}"
        n = f" (n={len(c.runs)})" if len(c.runs) > 1 else ""
        lines.append(f"| {c.row} | {c.column} | {fmt(c.study_value)} | "
                     f"{fmt(c.run_value, c.run_sd)}{n} | {delta} |")
    return "\n".join(lines)
