"""How a table's cells are laid out for the reader: one grid of strings per table, rendered
by the same code as Markdown and as HTML (so both say the same).

- :func:`long_grid`: one line per compared cell (row, measure, study, this run, interval,
  delta, SE, significant?); the default.
- :func:`matrix_grid`: the study's own matrix (Tables 3 and 5: real per class x generated or
  synthetic per class), each entry "study / this run (delta)", the delta starred when it
  exceeds 1.96 SE.
- :func:`wide_grid`: one line per row, one column per measure, this run's values (Table 1's
  autoencoder diagnostics).

Labelled variant rows (``Cell.variant_of``) sit under the study row they vary, marked "↳".
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from digitstudy.reporting.intervals import ALPHA
from digitstudy.reporting.tables import Cell, fmt, signed

VARIANT_MARK = "\u21b3 "
SIGNIFICANT_MARK = "*"
DISPLAY_COLUMNS = ["Row", "Measure", "Study", "This run", "95% interval (n)", "Delta",
                   "SE of delta", "Significant?"]


@dataclass(frozen=True)
class Grid:
    columns: list[str]
    rows: list[list[str]]
    left: int = 1  # leading text columns (left-aligned); the rest are numbers


def grouped(cells: list[Cell]) -> list[Cell]:
    """Cells in first-seen row order, each labelled variant row right after the study row it
    varies (a variant whose study row is absent stays where it is)."""
    rows = list(dict.fromkeys(c.row for c in cells))
    parents = {c.row: c.variant_of for c in cells if c.variant_of}
    order: list[str] = []
    for row in rows:
        if parents.get(row) in rows:
            continue  # placed under its parent
        order.append(row)
        order += [r for r in rows if parents.get(r) == row]
    rank = {r: i for i, r in enumerate(order)}
    return sorted(cells, key=lambda c: rank[c.row])


def row_label(cell: Cell) -> str:
    return f"{VARIANT_MARK}{cell.row}" if cell.variant_of else cell.row


def mean_sd_text(cell: Cell) -> str:
    """This run's value: mean ± sd over its seeds, with n where there is more than one."""
    n = f" (n={len(cell.runs)})" if len(cell.runs) > 1 else ""
    return fmt(cell.run_value, cell.run_sd, cell.digits) + n if cell.runs else ""


def long_grid(cells: list[Cell]) -> Grid:
    rows = []
    for c in grouped(cells):
        if c.kind == "fact":
            continue
        iv = c.interval
        interval = f"{iv.low:.3f}\u2013{iv.high:.3f} (n={iv.n})" if iv else ""
        se, p = c.difference_se, c.difference_p
        significant = "" if p is None else f"{'yes' if p < ALPHA else 'no'} (p={p:.2g})"
        rows.append([row_label(c), c.column, fmt(c.study_value, digits=c.digits),
                     mean_sd_text(c), interval, signed(c.delta),
                     "" if se is None else f"{se:.4f}", significant])
    return Grid(DISPLAY_COLUMNS, rows, left=2)


def study_and_run(cell: Cell) -> str:
    """``0.9485 / 0.9720 (+0.0235*)``: the study's value, this run's mean, the delta (starred
    when significant); a cell without a study value shows this run's mean only."""
    run = fmt(cell.run_value, digits=cell.digits) if cell.runs else "\u2013"
    if cell.study_value is None:
        return run
    text = f"{fmt(cell.study_value, digits=cell.digits)} / {run}"
    if cell.runs:
        p = cell.difference_p
        text += f" ({signed(cell.delta)}{SIGNIFICANT_MARK if p is not None and p < ALPHA else ''})"
    return text


SUB_COLUMN = re.compile(r"^(?P<group>.+?) \((?P<sub>[\w-]+) GAN\)$")


def gan_column(column: str) -> tuple[str, str]:
    """``"1000 synthetic (specific GAN)"`` -> ``("1000 synthetic", "specific")``."""
    m = SUB_COLUMN.match(column)
    return (m["group"], m["sub"]) if m else (column, "")


def matrix_grid(cells: list[Cell], split: Callable[[str], tuple[str, str]] = gan_column,
                corner: str = "Real per class") -> Grid:
    """Rows x the study's columns; cells sharing a column group (the specific and the full
    GAN of one synthetic count) stack in one entry, one line each, named by their sub-label."""
    ordered = grouped(cells)
    columns = list(dict.fromkeys(split(c.column)[0] for c in ordered))
    rows: dict[str, dict[str, list[str]]] = {}
    variants: dict[str, bool] = {}
    for c in ordered:
        group, sub = split(c.column)
        entry = study_and_run(c)
        rows.setdefault(c.row, {}).setdefault(group, []).append(f"{sub}: {entry}" if sub else entry)
        variants[c.row] = bool(c.variant_of)
    out = [[(VARIANT_MARK if variants[row] else "") + row]
           + ["\n".join(entries.get(col, [])) for col in columns] for row, entries in rows.items()]
    return Grid([corner, *columns], out)


def wide_grid(cells: list[Cell], corner: str = "Cell") -> Grid:
    """Rows x measures, this run's mean ± sd (n seeds) in each entry."""
    ordered = grouped(cells)
    columns = list(dict.fromkeys(c.column for c in ordered))
    rows: dict[str, dict[str, str]] = {}
    for c in ordered:
        rows.setdefault(row_label(c), {})[c.column] = mean_sd_text(c)
    return Grid([corner, *columns], [[row] + [v.get(col, "") for col in columns]
                                     for row, v in rows.items()])


def grid_markdown(grid: Grid) -> str:
    def line(values):
        return "| " + " | ".join(v.replace("\n", "<br>").replace("|", "\\|") for v in values) + " |"

    align = ["---"] * grid.left + ["---:"] * (len(grid.columns) - grid.left)
    return "\n".join([line(grid.columns), "| " + " | ".join(align) + " |"]
                     + [line(r) for r in grid.rows])


def grid_html(grid: Grid, css_class: str = "") -> str:
    def cell(tag: str, value: str, i: int) -> str:
        cls = "" if i < grid.left else " class='num'"
        return f"<{tag}{cls}>{html.escape(value).replace(chr(10), '<br>')}</{tag}>"

    head = "".join(cell("th", v, i) for i, v in enumerate(grid.columns))
    body = "".join("<tr>" + "".join(cell("td", v, i) for i, v in enumerate(r)) + "</tr>"
                   for r in grid.rows)
    cls = f" class='{css_class}'" if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
