"""Problem 3 tables: study Table 5 (real x synthetic, size-specific and full-MNIST GAN),
Table 6 (the proposed augment-then-GAN pipeline) and, beyond the study, the quality of every
GAN (GAN-test: label fidelity; GAN-train: usefulness; diversity against real digits)."""

from __future__ import annotations

from digitstudy.reporting.layouts import matrix_grid
from digitstudy.reporting.p2 import study_size
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import (
    Cell,
    ReportContext,
    Runs,
    TableSpec,
    metric_runs,
    select,
)
from digitstudy.steps import P3_GAN_QUALITY, P3_PROPOSED_CELL, P3_SYNTHETIC_CELL

KINDS = {"specific": 0, "full": 1}  # position in the study's [specific, full] pairs
STUDY_PROPOSED_REAL = 300  # Table 6's real images per class (section 3.4)


ROW_QUALITY = [("gan_test_accuracy", "GAN-test"), ("gan_train_accuracy", "GAN-train"),
               ("diversity_ratio", "diversity")]


def _variant(r: ResultRecord) -> str:
    return str(r.cell.get("variant", ""))


def _row_quality(label: str, quality: list[ResultRecord], variant_of: str = "") -> list[Cell]:
    """GAN-test / GAN-train / diversity of the size-specific GAN (or pool) behind a row."""
    return [Cell("Table 5", label, column, None, metric_runs(quality, metric),
                 variant_of=variant_of)
            for metric, column in ROW_QUALITY]


def table_5(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    """The study's rows, then each labelled variant row (``cell["variant"]``: p3.variants or
    "filtered") beside its row; every row ends with its GAN's quality."""
    study = study_tables()["table_5"]
    scale = ctx.study_scale
    runs: dict[tuple[int, int, str, str], Runs] = {}
    for r in select(records, P3_SYNTHETIC_CELL):
        key = (study_size(int(r.cell["real"]), scale), study_size(int(r.cell["synthetic"]), scale),
               str(r.cell["gan"]), _variant(r))
        runs.setdefault(key, Runs()).add(r)
    quality: dict[tuple[int, str], list[ResultRecord]] = {}
    for r in select(records, P3_GAN_QUALITY):
        if str(r.cell["train_set"]).isdigit():
            at = (study_size(int(r.cell["train_set"]), scale), _variant(r))
            quality.setdefault(at, []).append(r)
    rows = sorted({k[0] for k in runs} | set(study))
    cells = []
    for row in rows:
        ref_row = study.get(row, {})
        cols = sorted({k[1] for k in runs if k[0] == row and not k[3]} | set(ref_row))
        for col in cols:
            ref = ref_row.get(col)
            if col == 0:
                cells.append(Cell("Table 5", f"{row} real", "0 synthetic", ref,
                                  runs.get((row, 0, "none", ""), Runs())))
                continue
            for kind, pos in KINDS.items():
                cells.append(Cell("Table 5", f"{row} real", f"{col} synthetic ({kind} GAN)",
                                  None if ref is None else ref[pos],
                                  runs.get((row, col, kind, ""), Runs())))
        cells += _row_quality(f"{row} real", quality.get((row, ""), []))
        # labelled variant rows: the specific GAN's columns, beside the study's value
        for variant in sorted({k[3] for k in runs if k[0] == row and k[3]}):
            label = f"{row} real [{variant}]"
            for col in sorted({k[1] for k in runs if k[0] == row and k[3] == variant}):
                ref = ref_row.get(col)
                cells.append(Cell("Table 5", label, f"{col} synthetic (specific GAN)",
                                  None if ref is None else ref[KINDS["specific"]],
                                  runs[(row, col, "specific", variant)], variant_of=f"{row} real"))
            cells += _row_quality(label, quality.get((row, variant), []), f"{row} real")
    return cells


def table_6(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    study = study_tables()["table_6"]
    scale = ctx.study_scale
    runs: dict[int, Runs] = {}
    real = None
    for r in select(records, P3_PROPOSED_CELL):
        real = study_size(int(r.cell["real"]), scale)
        runs.setdefault(study_size(int(r.cell["synthetic"]), scale), Runs()).add(r)
    real = STUDY_PROPOSED_REAL if real is None else real
    row_ref = study.get(real, {})
    label = f"{real} real + 1000 augmented"
    cells = [Cell("Table 6", label, f"{col} synthetic", row_ref.get(col), runs.get(col, Runs()))
             for col in sorted(set(row_ref) | set(runs))]
    # the study compares with the best 1000-real cell of Table 5
    with_1000 = select(records, P3_SYNTHETIC_CELL, real=int(round(1000 * scale)), variant=None)
    best = (Runs().add(max(with_1000, key=lambda r: r.metrics["test_accuracy"]))
            if with_1000 else Runs())
    cells.append(Cell("Table 6", "Best Table 5 cell with 1000 real", "test accuracy",
                      study["compared_with"]["table_5_best_1000_real"], best))
    return cells


QUALITY_COLUMNS = [("gan_test_accuracy", "GAN-test (label fidelity)", 4),
                   ("gan_train_accuracy", "GAN-train (synthetic-only CNN on real test)", 4),
                   ("reference_real_accuracy", "reference CNN on real test", 4),
                   ("diversity_ratio", "diversity (synthetic / real spread)", 4),
                   ("gan_train_seconds", "GAN training seconds", 1)]  # (metric, column, digits)


def gan_quality(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    cells = []
    quality = select(records, P3_GAN_QUALITY)
    sets = sorted({str(r.cell["train_set"]) for r in quality},
                  key=lambda t: (not t.isdigit(), int(t) if t.isdigit() else 0, t))
    for ts in sets:
        for variant in sorted({_variant(r) for r in select(quality, P3_GAN_QUALITY, train_set=ts)}):
            recs = [r for r in select(quality, P3_GAN_QUALITY, train_set=ts)
                    if _variant(r) == variant]
            row = (f"{study_size(int(ts), ctx.study_scale)} per class" if ts.isdigit()
                   else {"full": "full MNIST", "proposed": "300 real + 1000 augmented"}.get(ts, ts))
            row += f" [{variant}]" if variant else ""
            for metric, column, digits in QUALITY_COLUMNS:
                cells.append(Cell("GAN quality", row, column, None, metric_runs(recs, metric),
                                  digits=digits))
    return cells


TABLES: list[TableSpec] = []  # this part's tables, in report order (reporting.study_tables)
add_spec = TABLES.append
add_spec(TableSpec("Table 5", "Problem 3: CNN accuracy, real x synthetic per class "
                   "(size-specific GAN and full-MNIST GAN)", "p3", table_5,
                   note="The study's 0-synthetic column differs from Table 3's 0-augmented column "
                   "(separate runs of one setting). 'full' is the GAN trained on the full MNIST "
                   "training set, or the largest pool the data allows (see the notes). Each row "
                   "ends with its size-specific GAN's GAN-test, GAN-train and diversity (see "
                   "'GAN quality'). Rows in [brackets] are labelled variants beside the study's "
                   "rows, never instead of them: stock-aux-bn = the aux classifier's MobileNetV2 "
                   "with stock Keras BN momentum 0.999 (the default 0.9 is a deviation, "
                   "p3.architecture.aux_bn_momentum); no-aux-loss = aux_weight 0; "
                   "synthesis-training-mode = dropout/BN in training mode when synthesising; "
                   "filtered = the default GAN's digits kept only when a CNN on the row's real "
                   "digits gives their label p >= p3.filter.threshold (beyond the study). "
                   "Each entry: study / this run (delta; * where it exceeds 1.96 SE), the "
                   "specific and the full GAN on one line each.",
                   layout=lambda cells: matrix_grid(
                       cells, corner="Real per class \u2193 / synthetic \u2192")))
add_spec(TableSpec("Table 6", "Problem 3, proposed pipeline: 300 real + 1000 augmented per class "
                   "-> GAN -> synthetic", "p3", table_6,
                   note="Each entry: study / this run (delta; * where it exceeds 1.96 SE).",
                   layout=lambda cells: matrix_grid(cells, corner="Training set")))
add_spec(TableSpec("GAN quality", "Beyond the study: why a GAN helps or hurts", "p3", gan_quality,
                   note="GAN-test: a CNN trained on real digits classifies the synthetic ones "
                   "(do they look like their label? 0.10 is chance: an undertrained GAN). "
                   "GAN-train: a CNN trained on synthetic digits "
                   "only, tested on the real test set (are they diverse and useful?). Diversity "
                   "< 1: synthetic digits of a class vary less than real ones."))
