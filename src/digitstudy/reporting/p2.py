"""Problem 2 table: study Table 3 (real x augmented images per class)."""

from __future__ import annotations

from digitstudy.reporting.layouts import matrix_grid
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import Cell, ReportContext, Runs, TableSpec, select
from digitstudy.steps import P2_CLASSIFIER_CELL


def study_size(run_size: int, scale: float) -> int:
    """The study's per-class size a run size stands for (tiny runs at 1/10 of the sizes)."""
    return int(round(run_size / scale))


def grid_table(table: str, records: list[ResultRecord], scale: float, row_key: str, col_key: str,
               study: dict, col_label: str, value=lambda v: v) -> list[Cell]:
    """Cells of a real x extra-per-class grid, mapped onto the study's sizes."""
    runs: dict[tuple[int, int], Runs] = {}
    for r in records:
        key = (study_size(int(r.cell[row_key]), scale), study_size(int(r.cell[col_key]), scale))
        runs.setdefault(key, Runs()).add(r)
    rows = sorted({k[0] for k in runs} | set(study))
    cells = []
    for row in rows:
        cols = sorted({k[1] for k in runs if k[0] == row} | set(study.get(row, {})))
        for col in cols:
            ref = study.get(row, {}).get(col)
            cells.append(Cell(table, f"{row} real", f"{col} {col_label}",
                              None if ref is None else value(ref), runs.get((row, col), Runs())))
    return cells


def table_3(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    return grid_table("Table 3", select(records, P2_CLASSIFIER_CELL), ctx.study_scale,
                      "real", "generated",
                      study_tables()["table_3"], "generated")


TABLES: list[TableSpec] = []  # this part's tables, in report order (reporting.study_tables)
add_spec = TABLES.append
add_spec(TableSpec(
    "Table 3", "Problem 2: ReducedMNIST CNN accuracy, real x augmented images per class", "p2",
    table_3, note="Rows and columns are per-class sizes of the study; a profile with "
    "study_scale < 1 runs them scaled down (tiny: 1/10) and is reported on the study's cells. "
    "Each entry: study / this run (delta; * where it exceeds 1.96 SE).",
    layout=lambda cells: matrix_grid(cells, corner="Real per class \u2193 / generated \u2192")))
