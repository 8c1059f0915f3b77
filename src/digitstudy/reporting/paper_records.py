"""The report rebuilt from transcribed paper-profile cells (``docs/paper-records/cells.csv``).

Each line is one table cell's value for one seed, named as the report names its cells,
with its test items; the study's values come from the report's own table builders (built
on no records), so the claims, the tables in the study's shape and the forest plots are
the ones a DAG run's report shows. There are no records behind these cells: no paired
tests, no per-record figures. ``python -m digitstudy.reporting.paper_records CSV OUT``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pandas as pd

from digitstudy.reporting.claims import (
    CLAIM_COLUMNS,
    cells_by_key,
    claims_records,
    claims_rows,
    evaluate,
)
from digitstudy.reporting.layouts import Grid
from digitstudy.reporting.report import forest_figures, render, sections_of
from digitstudy.reporting.study_tables import TABLE_SPECS
from digitstudy.reporting.tables import (
    Cell,
    ReportContext,
    Runs,
    cells_frame,
)

log = logging.getLogger(__name__)
COLUMNS = ["table", "row", "column", "seed", "value", "n_test", "variant_of", "source"]


class PaperRecordsError(ValueError):
    """A cells.csv line that cannot be used; the message names the file and line."""


def read_cells(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"seed": "Int64"}, keep_default_na=False,
                        na_values={"seed": [""]})
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise PaperRecordsError(f"{path}: lacks columns {missing} (has {list(frame.columns)})")
    for i, row in frame.iterrows():
        value = float(row.value)
        if not 0.0 <= value <= 1.0 or int(row.n_test) <= 0:
            raise PaperRecordsError(f"{path} line {i + 2}: value {row.value} / n_test "
                                    f"{row.n_test} is not an accuracy on a test set")
    twice = frame.duplicated(["table", "row", "column", "seed"], keep=False)
    if twice.any():
        first = frame[twice].iloc[0]
        raise PaperRecordsError(f"{path}: the cell {first.table} / {first.row} / "
                                f"{first.column} seed {first.seed} appears twice")
    return frame


def paper_tables(frame: pd.DataFrame, ctx: ReportContext) -> list[tuple]:
    """``[(spec, cells)]`` as ``build_tables`` gives them: each table's study cells (filled
    where the CSV has values) and the CSV's labelled variant rows beside them."""
    study = cells_by_key([], ctx)
    runs: dict[tuple[str, str, str], Cell] = {}
    for (table, row, column), lines in frame.groupby(["table", "row", "column"], sort=False):
        values = Runs([float(v) for v in lines.value], [int(n) for n in lines.n_test])
        parent = str(lines.variant_of.iloc[0])
        base = study.get((table, row, column)) or study.get((table, parent, column))
        runs[(table, row, column)] = Cell(table, row, column,
                                          base.study_value if base else None, values,
                                          variant_of=parent)
    unknown = [k for k, c in runs.items() if c.table not in {s.name for s in TABLE_SPECS}]
    if unknown:
        raise PaperRecordsError(f"cells of tables the report does not have: {unknown[:3]}")
    tables = []
    for spec in TABLE_SPECS:
        mine = [c for k, c in runs.items() if k[0] == spec.name]
        if not mine:
            continue
        cells = [runs.pop((c.table, c.row, c.column), c) for c in spec.build([], ctx)]
        cells += [c for k, c in list(runs.items()) if k[0] == spec.name]
        tables.append((spec, cells))
    return tables


def write_paper_report(csv: Path, out: Path) -> list[dict]:
    """The report over ``csv``'s cells into ``out``; returns the claims' verdicts."""
    frame = read_cells(csv)
    ctx = ReportContext("paper")
    tables = paper_tables(frame, ctx)
    out.mkdir(parents=True, exist_ok=True)
    cells_frame([c for _, cells in tables for c in cells]).to_csv(out / "results.csv", index=False)
    cells = cells_by_key(tables, ctx)
    verdicts = evaluate(cells, ctx.statistics)
    records = claims_records(verdicts)
    (out / "claims.json").write_text(json.dumps(records, indent=2))
    figures = forest_figures(tables, out / "figures")
    sections, loose = sections_of(tables, figures)
    seeds = frame.groupby(["table"]).seed.nunique()
    meta = {"source": str(csv), "cells": int(frame.groupby(["table", "row", "column"]).ngroups),
            "values": len(frame), "profile": "paper"}
    intro = ["Paper-profile cells transcribed from docs/paper-runs.md "
             "(docs/paper-records/README.md). "
             "Their record folders are not in the repository: no per-item predictions, so "
             "every verdict uses the SE of the difference (no paired tests), and the only "
             "figures are the forest plots.",
             "Seeds per table: " + ", ".join(f"{t} {max(int(n), 1)}" for t, n in seeds.items())
             + "."]
    render(out, "digitstudy report: paper-profile records", meta, intro,
           Grid(CLAIM_COLUMNS, claims_rows(verdicts, cells), left=4), sections, loose=loose)
    log.info("paper report: %d cells, %d claims -> %s", meta["cells"], len(records), out)
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m digitstudy.reporting.paper_records",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    for r in write_paper_report(args.csv, args.out):
        print(f"{r['verdict']:>26}  {r['claim']}")
    print(args.out / "index.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
