"""aggregate-results: gather every result record into the report.

Writes ``report.md`` and ``index.html`` (the study's findings with this run's verdict first,
then each table in the study's shape with the figures that explain it, embedded),
``claims.json`` (the verdicts), ``results.csv``
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from digitstudy.reporting import plots
from digitstudy.reporting.claims import (
    CLAIM_COLUMNS,
    CLAIMS_LEGEND,
    cells_by_key,
    claims_records,
    claims_rows,
    evaluate,
)
from digitstudy.reporting.header import header_markdown, run_header
from digitstudy.reporting.layouts import Grid, grid_html, grid_markdown, grouped, long_grid
from digitstudy.reporting.records import ResultRecord, load_record, record_folders
from digitstudy.reporting.significance import SignificanceSettings
from digitstudy.reporting.study_tables import FIGURE_BUILDERS, build_tables
from digitstudy.reporting.tables import (
    LEGEND,
    Figure,
    ReportContext,
    cells_frame,
    facts_line,
)
from digitstudy.steps import FAN_INS

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)

def slug(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")


def headline_metrics(frame: pd.DataFrame) -> dict[str, float]:
    """Every filled metric cell as one named number (Kubeflow's Compare runs view); facts
    such as feature dimensions are not metrics and stay out."""
    filled = frame.dropna(subset=["run_value"])
    if "kind" in filled.columns:
        filled = filled[filled.kind != "fact"]
    return {slug(t, r, c): round(float(v), 6)
            for t, r, c, v in zip(filled.table, filled.row, filled.column, filled.run_value,
                                  strict=True)}


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(path.stem)}">'


@dataclass
class Section:
    """One table as the reader sees it, with the figures that explain it."""

    heading: str
    note: str
    grid: Grid
    facts: str = ""
    summary: str = ""
    figures: list[Figure] = field(default_factory=list)


STYLE = ("body{font-family:sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em}"
         "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
         "padding:3px 8px;vertical-align:top}td.num,th.num{text-align:right}"
         "table.claims td{font-size:.92em}table.claims td:nth-child(4){font-weight:bold}"
         ".legend{background:#f4f4f4;padding:.5em 1em;font-size:.9em}"
         "figure{margin:1em 0}figure img{max-width:720px}figcaption{font-size:.9em;color:#333}"
         "details{margin:.5em 0}summary{cursor:pointer;color:#245}"
         ".meta{font-size:.9em}")


def _figures_html(figures: list[Figure]) -> str:
    shown = [f for f in figures if not f.folded]
    folded = [f for f in figures if f.folded]
    out = "".join(
        f"<figure>{_img(f.path)}<figcaption>{html.escape(f.caption)}</figcaption></figure>"
        for f in shown
    )
    if folded:
        out += (f"<details><summary>{len(folded)} more figure(s): training curves, confusion "
                "matrices, other seeds</summary>"
                + "".join(f"<figure>{_img(f.path)}<figcaption>{html.escape(f.caption)}"
                          "</figcaption></figure>" for f in folded) + "</details>")
    return out


def _figures_md(figures: list[Figure]) -> list[str]:
    return [f"![{f.caption}](figures/{f.path.name})" + (" (folded in the HTML)" if f.folded else "")
            for f in figures]


def render(out: Path, title: str, meta: dict, intro: list[str], claims: Grid,
           sections: list[Section], header: list[tuple[str, list[str]]] | None = None,
           notes: list[str] | None = None, loose: list[Figure] | None = None) -> None:
    """``report.md`` and ``index.html`` from one set of grids: the claims table first, then the
    run's header, then each table with its note and its figures."""
    md = [f"# {title}", "", ", ".join(f"**{k}**: {v}" for k, v in meta.items()), ""]
    md += intro + ["", "## Which of the study's findings hold here", "", CLAIMS_LEGEND, "",
                   grid_markdown(claims), ""]
    md += header_markdown(header or [])
    md += [LEGEND, ""]
    body = [f"<h1>{html.escape(title)}</h1>",
            "<p class='meta'>" + ", ".join(f"<b>{html.escape(k)}</b>: {html.escape(str(v))}"
                                           for k, v in meta.items()) + "</p>"]
    body += [f"<p>{html.escape(t)}</p>" for t in intro if t]
    body += ["<h2>Which of the study's findings hold here</h2>", grid_html(claims, "claims"),
             f"<p class='legend'>{html.escape(CLAIMS_LEGEND)}</p>"]
    if header:
        body.append("<details><summary>What was run, against the study's protocol</summary>")
        for part, lines in header:
            body.append(f"<h3>{html.escape(part)}</h3><ul>"
                        + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>")
        body.append("</details>")
    body.append(f"<p class='legend'>{html.escape(LEGEND)}</p>")
    for s in sections:
        md += [f"## {s.heading}", ""] + ([f"_{s.note}_", ""] if s.note else [])
        md += [grid_markdown(s.grid), ""]
        texts = [f"Facts (not compared): {s.facts}." if s.facts else "", s.summary]
        md += [t + "\n" for t in texts if t]
        md += _figures_md(s.figures) + ([""] if s.figures else [])
        body.append(f"<h2>{html.escape(s.heading)}</h2>")
        if s.note:
            body.append(f"<p><i>{html.escape(s.note)}</i></p>")
        body.append(grid_html(s.grid))
        body += [f"<p>{html.escape(t)}</p>" for t in texts if t]
        body.append(_figures_html(s.figures))
    if notes:
        md += ["## Notes from the steps", ""] + [f"- {n}" for n in notes] + [""]
        body.append("<h2>Notes from the steps</h2><ul>"
                    + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    if loose:
        md += ["## Other figures", ""] + _figures_md(loose) + [""]
        body += ["<h2>Other figures</h2>", _figures_html(loose)]
    (out / "report.md").write_text("\n".join(md))
    (out / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>")


def forest_figures(tables, figures_dir: Path) -> list[Figure]:
    """Per table: every compared cell's delta to the study with its 95% interval."""
    out = []
    for spec, cells in tables:
        shown = [c for c in grouped(cells) if c.difference_se is not None]
        if len(shown) < 2:
            continue
        labels = [c.row if c.column == "Test accuracy" else f"{c.row} | {c.column}" for c in shown]
        path = plots.forest(labels, [c.delta for c in shown], [c.difference_se for c in shown],
                            figures_dir / f"forest-{slug(spec.name)}.png",
                            f"{spec.name}: this run \u2212 study per cell")
        out.append(Figure(f"{spec.name} at a glance: each cell's difference to the study with its "
                          "95% interval; red where the interval misses 0", path, spec.name))
    return out


def sections_of(tables, figures: list[Figure], records: list[ResultRecord] | None = None,
                ctx: ReportContext | None = None) -> tuple[list[Section], list[Figure]]:
    """One Section per table with the figures that name it; the figures naming none."""
    sections = []
    for spec, cells in tables:
        if not cells:
            continue
        summary = spec.summary(records, ctx) if spec.summary and records is not None else ""
        sections.append(Section(f"{spec.name}: {spec.title}", spec.note,
                                (spec.layout or long_grid)(cells), facts_line(cells), summary,
                                [f for f in figures if f.table == spec.name]))
    names = {spec.name for spec, _ in tables}
    return sections, [f for f in figures if f.table not in names]


RECORD_TABLES = {"p1": "Table 1", "p3": "Table 5", "p4a": "Table 10", "p4b": "Table 13"}
# what to look at in a step's figure, by the start of its key in ``record.files``
LOOK_AT = {
    "curves": "training curves (a widening train-validation gap is overfitting)",
    "samples": "generated digits, one row per label (each row should show its label; "
               "GAN-test in the table says how often a real-data CNN agrees)",
    "attention_map": "where the block looks (bright regions should cover the strokes)",
    "patch_focus": "the attention each patch receives (spread out: no patch matters more)",
    "channel_weights": "per-channel weights (flat bars: the block reweights nothing)",
    "gradcam": "Grad-CAM: the regions that drive the prediction",
}


def look_at(key: str) -> str:
    for prefix, hint in LOOK_AT.items():
        if key.startswith(prefix):
            rest = key.removeprefix(prefix).strip("_").replace("_", " ")
            return f"{hint}{f' [{rest}]' if rest else ''}"
    return key.replace("_", " ")


def record_figures(records: list[ResultRecord], record_dirs: list[Path], figures_dir: Path,
                   ) -> list[Figure]:
    """The figures steps wrote beside their records, beside the record's table: the first
    seed's attention maps, Grad-CAM and sample grids shown, curves and other seeds folded."""
    out = []
    first: dict[tuple, int] = {}
    for r in records:
        key = (r.experiment, tuple(sorted(r.cell.items())))
        first[key] = min(first.get(key, r.seed), r.seed)
    for record, directory in zip(records, record_dirs, strict=False):
        table = RECORD_TABLES.get(record.part, "")
        if record.cell.get("train_set") == "proposed":
            table = "Table 6"
        key = (record.experiment, tuple(sorted(record.cell.items())))
        for caption, rel in record.files.items():
            src = Path(directory) / rel
            if src.is_file():
                figures_dir.mkdir(parents=True, exist_ok=True)
                dst = figures_dir / f"{slug(record.key)}-{Path(rel).name}"
                shutil.copy2(src, dst)
                folded = "curves" in caption or record.seed != first[key]
                out.append(Figure(f"{record.key}: {look_at(caption)}", dst, table, folded))
    return out


def write_report(records: list[ResultRecord], out: Path, run_id: str, profile_name: str,
                 record_dirs: list[Path] | None = None,
                 extra: list[Figure] | None = None,
                 study_scale: float = 1.0, profile=None,
                 sources: dict[str, str] | None = None) -> pd.DataFrame:
    """``profile`` (the run's): the header lists per part its data, epochs and seeds
    against the study's; ``sources``: where each dataset came from (``{"fsdd": path}``)."""
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
    cells = cells_by_key(tables, ctx)
    verdicts = evaluate(cells, stats)
    (out / "claims.json").write_text(json.dumps(claims_records(verdicts), indent=2))

    figures: list[Figure] = []
    for part in sorted({r.part for r in records}):
        if part in FIGURE_BUILDERS:
            figures.extend(FIGURE_BUILDERS[part](records, figures_dir))
    for fig in extra or []:
        figures_dir.mkdir(parents=True, exist_ok=True)
        figures.append(replace(fig, path=Path(shutil.copy2(fig.path, figures_dir / fig.path.name))))
    figures += record_figures(records, record_dirs or [], figures_dir)
    figures = forest_figures(tables, figures_dir) + figures

    meta = {"run": run_id, "profile": profile_name, "records": len(records),
            "parts": ", ".join(sorted({r.part for r in records}))}
    if profile is not None:
        meta["backend"] = f"Keras {profile.backend}"
    header = run_header(profile, records, sources) if profile is not None else []
    intro = []
    if study_scale != 1.0:
        meta["sizes"] = ("scaled down from the study's protocol (per part below), reported "
                         "on the study's cells: a smoke test, not a reproduction")
        intro.append("This run is scaled down from the study's sizes (fewer items, epochs and "
                     "seeds): most findings cannot be resolved at its test sizes, and the table "
                     "says which size would. A verdict here is about these small, briefly "
                     "trained models: 'contradicted' says they differ the other way, not that "
                     "the study's full-size result is wrong.")
    sections, loose = sections_of(tables, figures, records, ctx)
    render(out, f"digitstudy report: {run_id}", meta, intro,
           Grid(CLAIM_COLUMNS, claims_rows(verdicts, cells), left=4), sections, header,
           sorted({n for r in records for n in r.notes}), loose)
    log.info("report: %d records, %d table cells (%d filled) -> %s", len(records), len(frame),
             int(frame.run_value.notna().sum()), out)
    return frame


DATA_FIGURES = {"augmentations": (  # data-step figures: (table, caption)
    "Table 3", "Augmentations of one digit (the study's Figure 5): each transform should keep "
    "the digit readable; an unreadable one would teach the CNN noise")}


def extra_figures(figures: list[Path]) -> list[Figure]:
    """PNG figures written by data steps (e.g. the augmentation figure), beside their table."""
    found: dict[str, list[Path]] = {}
    for p in (p for d in figures for p in sorted(Path(d).glob("*.png"))):
        found.setdefault(p.name, []).append(p)
    out = []
    for paths in found.values():  # one per kind: each data step draws the same figure
        table, caption = DATA_FIGURES.get(paths[0].stem,
                                          ("", paths[0].stem.replace("_", " ").replace("-", " ")))
        more = f" (the first of {len(paths)} data steps' identical kind)" if len(paths) > 1 else ""
        out.append(Figure(caption + more, paths[0], table))
    return out


# The aggregator's record and figure inputs (components/report.py): one per task output the
# report reads, named ``<task>_<output>``; the output says where it goes (steps.FAN_INS).
FAN_IN = re.compile(rf"\w+_({'|'.join(FAN_INS)})")


def fan_in_paths(inputs: dict) -> dict[str, list[str]]:
    """The aggregator's ``results`` and ``figures`` paths from its component's inputs (a KFP
    artifact, a list of them, or None where the DAG did not wire that input), in their order."""
    paths: dict[str, list[str]] = {target: [] for target in FAN_INS.values()}
    for name, value in inputs.items():
        match = FAN_IN.fullmatch(name)
        if match and value:
            paths[FAN_INS[match.group(1)]] += [
                a.path for a in (value if isinstance(value, list) else [value])]
    return paths


def aggregate_step(settings: SettingsView, *, results: list[Path], figures: list[Path],
                   report: Path,
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
    write_report(records, report, run_id or "unnamed-run", settings.name, record_dirs=dirs,
                 extra=extra_figures(figures), study_scale=settings.study_scale, profile=settings,
                 sources=sources)
