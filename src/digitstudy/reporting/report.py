"""aggregate-results: gather every result record into the report.

Writes ``report.md``, ``index.html`` (tables and embedded figures), ``results.csv``
(one row per table cell: table,row,column,study_value,run_value,delta),
``records.jsonl`` (every record, for cross-run work), ``headline.json`` (the numbers the
Kubeflow UI compares across runs) and ``figures/``.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import shutil
from importlib import import_module
from pathlib import Path

import pandas as pd

from digitstudy.reporting.header import header_markdown, run_header
from digitstudy.reporting.records import ResultRecord, load_record, record_folders
from digitstudy.reporting.significance import SignificanceSettings
from digitstudy.reporting.tables import (
    DISPLAY_COLUMNS,
    FIGURE_BUILDERS,
    LEGEND,
    ReportContext,
    build_tables,
    cells_frame,
    display_rows,
    facts_line,
    markdown_table,
)

log = logging.getLogger(__name__)

# Modules that register each part's tables and figures.
PART_MODULES = tuple(f"digitstudy.reporting.{p}" for p in ("p1", "p2", "p3", "p4"))


def load_part_modules() -> None:
    for name in PART_MODULES:
        import_module(name)


def slug(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")


def headline_metrics(frame: pd.DataFrame) -> dict[str, float]:
    """Every filled metric cell as one named number (Kubeflow's Compare runs view); facts
    such as feature dimensions are not metrics and stay out."""
    filled = frame.dropna(subset=["run_value"])
    if "kind" in filled.columns:
        filled = filled[filled.kind != "fact"]
    return {slug(t, r, c): round(float(v), 6)
            for t, r, c, v in zip(filled.table, filled.row, filled.column, filled.run_value, strict=True)}


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" style="max-width:720px">'


def write_html(path: Path, title: str, sections: list[tuple[str, str, pd.DataFrame]],
               figures: list[tuple[str, Path]], meta: dict,
               header: list[tuple[str, list[str]]] | None = None) -> None:
    """``sections``: (heading, note, display frame with :data:`DISPLAY_COLUMNS`)."""
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
             "text-align:right}td:first-child,td:nth-child(2){text-align:left}"
             ".legend{background:#f4f4f4;padding:.5em 1em}figure{margin:1em 0}")
    body = [f"<h1>{html.escape(title)}</h1>",
            "<p>" + ", ".join(f"<b>{html.escape(k)}</b>: {html.escape(str(v))}" for k, v in meta.items()) + "</p>"]
    for part, lines in header or []:
        body.append(f"<h3>{html.escape(part)}</h3><ul>"
                    + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
    body.append(f"<p class='legend'>{html.escape(LEGEND)}</p>")
    for heading, note, frame in sections:
        body.append(f"<h2>{html.escape(heading)}</h2>")
        if note:
            body.append(f"<p><i>{html.escape(note)}</i></p>")
        body.append(frame.to_html(index=False, na_rep=""))
    if figures:
        body.append("<h2>Figures</h2>")
        for caption, fig in figures:
            body.append(f"<figure>{_img(fig)}<figcaption>{html.escape(caption)}</figcaption></figure>")
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
                    f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>")


def write_report(records: list[ResultRecord], out: Path, run_id: str, profile_name: str,
                 record_dirs: list[Path] | None = None,
                 extra: list[tuple[str, Path]] | None = None,
                 study_scale: float = 1.0, profile=None,
                 sources: dict[str, str] | None = None) -> pd.DataFrame:
    """``profile`` (the run's): the header lists per part its data, epochs and seeds
    against the study's; ``sources``: where each dataset came from (``{"fsdd": path}``)."""
    load_part_modules()
    out.mkdir(parents=True, exist_ok=True)
    figures_dir = out / "figures"
    stats = SignificanceSettings.of(getattr(profile, "statistics", None))
    ctx = ReportContext(profile_name, study_scale, stats)
    tables = build_tables(records, ctx)
    all_cells = [c for _, cells in tables for c in cells]
    frame = cells_frame(all_cells)
    frame.to_csv(out / "results.csv", index=False)
    (out / "records.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in records))
    (out / "headline.json").write_text(json.dumps(headline_metrics(frame), indent=2))

    figures: list[tuple[str, Path]] = []
    for part in sorted({r.part for r in records}):
        if part in FIGURE_BUILDERS:
            figures.extend(FIGURE_BUILDERS[part](records, figures_dir))
    for caption, src in extra or []:
        figures_dir.mkdir(parents=True, exist_ok=True)
        figures.append((caption, Path(shutil.copy2(src, figures_dir / src.name))))
    for record, directory in zip(records, record_dirs or [], strict=False):
        for caption, rel in record.files.items():
            src = Path(directory) / rel
            if src.is_file():
                figures_dir.mkdir(parents=True, exist_ok=True)
                dst = figures_dir / f"{slug(record.key)}-{Path(rel).name}"
                shutil.copy2(src, dst)
                figures.append((f"{record.key}: {caption}", dst))

    meta = {"run": run_id, "profile": profile_name, "records": len(records),
            "parts": ", ".join(sorted({r.part for r in records}))}
    if profile is not None:
        meta["backend"] = f"Keras {profile.backend}"
    header = run_header(profile, records, sources) if profile is not None else []
    if study_scale != 1.0:
        meta["sizes"] = ("scaled down from the study's protocol (per part below), reported "
                         "on the study's cells: a smoke test, not a reproduction")
    md = [f"# digitstudy report: {run_id}", "",
          ", ".join(f"**{k}**: {v}" for k, v in meta.items()), ""]
    md += header_markdown(header)
    md += [LEGEND, ""]
    sections = []
    for spec, cells in tables:
        md += [f"## {spec.name}: {spec.title}", ""]
        if spec.note:
            md += [f"_{spec.note}_", ""]
        md += [markdown_table(cells), ""]
        facts = facts_line(cells)
        if facts:
            md += [f"Facts (not compared): {facts}.", ""]
        summary = spec.summary(records, ctx) if spec.summary else ""
        if summary:
            md += [summary, ""]
        note = " ".join(t for t in (spec.note, f"Facts (not compared): {facts}." if facts else "",
                                    summary) if t)
        sections.append((f"{spec.name}: {spec.title}", note,
                         pd.DataFrame(display_rows(cells), columns=DISPLAY_COLUMNS)))
    notes = sorted({n for r in records for n in r.notes})
    if notes:
        md += ["## Notes from the steps", ""] + [f"- {n}" for n in notes] + [""]
    if figures:
        md += ["## Figures", ""] + [f"![{c}](figures/{p.name})" for c, p in figures] + [""]
    (out / "report.md").write_text("\n".join(md))
    write_html(out / "index.html", f"digitstudy report: {run_id}", sections, figures, meta, header)
    log.info("report: %d records, %d table cells (%d filled) -> %s", len(records), len(frame),
             int(frame.run_value.notna().sum()), out)
    return frame


def extra_figures(figures: list[Path]) -> list[tuple[str, Path]]:
    """PNG figures written by data steps (e.g. the augmentation figure), captioned by name."""
    return [(p.stem.replace("_", " ").replace("-", " "), p)
            for d in figures for p in sorted(Path(d).glob("*.png"))]


def aggregate_step(profile, *, results: list[Path], figures: list[Path], report: Path,
                   run_id: str, parts: str, fsdd_source: str = "", mnist_source: str = "") -> None:
    """Every result record of the run (the DAG creates tasks for the selected ``parts`` only)
    and the data steps' figures into the report; the sources say where each dataset came
    from, for the report's header ("" = the canonical download)."""
    sources = {"fsdd": fsdd_source, "mnist": mnist_source}
    dirs = record_folders(results)  # a step's variant records sit in its output's extra/
    records = [load_record(d) for d in dirs]
    if not records:
        raise ValueError(f"aggregate-results got no result records (parts {parts!r})")
    log.info("aggregate-results: %d records from parts %s", len(records), parts)
    write_report(records, report, run_id or "unnamed-run", profile.name, record_dirs=dirs,
                 extra=extra_figures(figures), study_scale=profile.study_scale, profile=profile,
                 sources=sources)
