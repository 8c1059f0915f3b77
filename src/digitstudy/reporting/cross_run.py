"""Cross-run comparison: many runs' ``results.csv`` side by side (``make report-runs``).

Each run's report holds ``results.csv`` with one row per table cell
(``table,row,column,study_value,run_value,delta``). This module lines the runs up: one
comparison table per study table, one row per cell, the study's value, then one column per
run (in the order given, oldest first), and the spread across runs. Written as Markdown,
CSV (one wide file) and HTML.
"""

from __future__ import annotations

import argparse
import html
import logging
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

RESULT_COLUMNS = ["table", "row", "column", "study_value", "run_value", "delta"]
KEY = ["table", "row", "column"]
STUDY = "study_value"
SPREAD = "spread (max-min)"


class CrossRunError(ValueError):
    """A results.csv that cannot be compared; the message names the run and file."""


def load_results(runs: Mapping[str, str | Path]) -> pd.DataFrame:
    """``{run name: results.csv}`` -> one long frame with a ``run`` column, in the given order."""
    if not runs:
        raise CrossRunError("no runs to compare")
    frames = []
    for run, path in runs.items():
        path = Path(path)
        try:
            # only empty cells and 'nan' are missing; labels such as 'NA' stay text
            frame = pd.read_csv(path, keep_default_na=False, na_values=["", "nan", "NaN"])
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise CrossRunError(f"run {run}: cannot read {path} ({err})") from None
        missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
        if missing:
            raise CrossRunError(f"run {run}: {path} lacks columns {missing} "
                                f"(has {list(frame.columns)})")
        for column in ("study_value", "run_value", "delta"):
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = frame[column].notna() & values.isna()
            if bad.any():
                row = frame.index[bad][0]
                raise CrossRunError(f"run {run}: {path} row {row + 2} column {column} "
                                    f"is not a number: {frame[column][row]!r}")
            frame[column] = values
        duplicated = frame.duplicated(KEY, keep=False)
        if duplicated.any():
            first = frame[duplicated].iloc[0]
            raise CrossRunError(f"run {run}: {path} has the cell {tuple(first[KEY])} twice")
        frames.append(frame[RESULT_COLUMNS].assign(run=run))
    return pd.concat(frames, ignore_index=True)


def comparison_tables(long: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """One wide frame per study table (cells in first-seen order) and notes on conflicts."""
    runs = list(dict.fromkeys(long["run"]))
    notes: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    for table, part in long.groupby("table", sort=False):
        cells = part[["row", "column"]].drop_duplicates()
        wide = part.pivot(index=["row", "column"], columns="run", values="run_value")
        wide = wide.reindex(pd.MultiIndex.from_frame(cells)).reindex(columns=runs)
        studies = part.groupby(["row", "column"], sort=False)[STUDY].agg(
            lambda s: list(dict.fromkeys(s.dropna())))
        for (row, column), values in studies.items():
            if len(values) > 1:
                notes.append(f"{table} / {row} / {column}: runs disagree on the study value "
                             f"({', '.join(map(str, values))}); the first is shown")
        wide.insert(0, STUDY, [v[0] if v else math.nan for v in studies.reindex(wide.index)])
        if len(runs) > 1:
            wide[SPREAD] = wide[runs].max(axis=1) - wide[runs].min(axis=1)
        missing = wide[runs].isna().sum()
        for run, count in missing[missing > 0].items():
            notes.append(f"{table}: run {run} has no value for {count} of {len(wide)} cells")
        tables[str(table)] = wide.reset_index()
    return tables, notes


def fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float | int):
        return f"{value:.1f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)


def to_markdown(tables: Mapping[str, pd.DataFrame], notes: list[str], runs: list[str]) -> str:
    lines = ["# Cross-run comparison", "", f"Runs (oldest first): {', '.join(runs)}", ""]
    for table, frame in tables.items():
        lines += [f"## {table}", "", "| " + " | ".join(map(str, frame.columns)) + " |",
                  "|" + "---|" * len(frame.columns)]
        lines += ["| " + " | ".join([str(row[0]), str(row[1]), *map(fmt, row[2:])]) + " |"
                  for row in frame.itertuples(index=False)]
        lines.append("")
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def to_html(tables: Mapping[str, pd.DataFrame], notes: list[str], runs: list[str]) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Cross-run comparison</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
             "margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
             "td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}</style></head><body>",
             "<h1>Cross-run comparison</h1>",
             f"<p>Runs (oldest first): {html.escape(', '.join(runs))}</p>"]
    for table, frame in tables.items():
        parts.append(f"<h2>{html.escape(table)}</h2>")
        parts.append(frame.to_html(index=False, formatters=dict.fromkeys(frame.columns[2:], fmt),
                                   border=0))
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
                     + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_cross_run_report(runs: Mapping[str, str | Path], out_dir: str | Path) -> dict[str, Path]:
    """Compare ``{run name: results.csv}``; writes cross_run.{md,csv,html} into ``out_dir``."""
    long = load_results(runs)
    names = list(runs)
    tables, notes = comparison_tables(long)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"md": out / "cross_run.md", "csv": out / "cross_run.csv",
             "html": out / "cross_run.html"}
    paths["md"].write_text(to_markdown(tables, notes, names))
    paths["html"].write_text(to_html(tables, notes, names))
    pd.concat([f.assign(table=t) for t, f in tables.items()], ignore_index=True)[
        ["table", "row", "column", STUDY, *names] + ([SPREAD] if len(names) > 1 else [])
    ].to_csv(paths["csv"], index=False)
    for note in notes:
        log.warning("%s", note)
    log.info("cross-run report of %d runs, %d tables: %s", len(names), len(tables), out)
    return paths


def runs_in(folder: str | Path) -> dict[str, Path]:
    """``folder/<run>/results.csv`` for every run folder, ordered by name."""
    folder = Path(folder)
    runs = {p.parent.name: p for p in sorted(folder.glob("*/results.csv"))}
    if not runs:
        raise CrossRunError(f"{folder}: no <run>/results.csv inside")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m digitstudy.reporting.cross_run",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("runs_dir", help="folder holding <run name>/results.csv")
    parser.add_argument("out_dir")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    paths = write_cross_run_report(runs_in(args.runs_dir), args.out_dir)
    print("\n".join(str(p) for p in paths.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
