"""The report's tables and figures: every part's specs, gathered by import (no registration
as a side effect of importing a part)."""

from __future__ import annotations

from collections.abc import Callable

from digitstudy.reporting import p1, p2, p3, p4
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.tables import Cell, ReportContext, TableSpec

TABLE_SPECS: tuple[TableSpec, ...] = (*p1.TABLES, *p2.TABLES, *p3.TABLES, *p4.TABLES)
# part -> function(records, figures_dir) -> [Figure]
FIGURE_BUILDERS: dict[str, Callable] = {"p1": p1.figures}
# the modules whose specs and figures select records by registry step (the report's side of
# tests/reporting/test_report_registry.py)
PART_MODULES = (p1, p2, p3, p4)


def build_tables(records: list[ResultRecord], ctx: ReportContext | None = None,
                 ) -> list[tuple[TableSpec, list[Cell]]]:
    """Specs whose part has records in this run, with their cells."""
    parts = {r.part for r in records}
    ctx = ctx or ReportContext()
    return [(spec, spec.build(records, ctx)) for spec in TABLE_SPECS if spec.part in parts]
