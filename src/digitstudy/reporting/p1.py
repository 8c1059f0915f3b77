"""Problem 1 tables: study Table 1 and the bottleneck sweep (section 1.2.2).

The study's cells come from records without a ``variant`` label; labelled variants (another
L2 scope, the speaker-independent split, the Approach B diagnostics) are extra rows named by
their label, never replacements.
"""

from __future__ import annotations

from pathlib import Path

from digitstudy.config.p1 import L2_LABELS
from digitstudy.reporting import plots
from digitstudy.reporting.layouts import wide_grid
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import (
    Cell,
    Figure,
    ReportContext,
    Runs,
    TableSpec,
    metric_runs,
    select,
)
from digitstudy.steps import P1_AUTOENCODER, P1_BASELINE, P1_UTTERANCE_EMBEDDING, Step

ACC = "Test accuracy"
DIM = "Feature dimension"


def study_cells(records: list[ResultRecord]) -> list[ResultRecord]:
    return [r for r in records if "variant" not in r.cell]


def by_variant(records: list[ResultRecord], experiment: Step,
               **cell) -> dict[str, list[ResultRecord]]:
    """The labelled variant records of ``experiment`` (and ``cell``), by label, in label order."""
    out: dict[str, list[ResultRecord]] = {}
    for r in select(records, experiment, **cell):
        if "variant" in r.cell:
            out.setdefault(str(r.cell["variant"]), []).append(r)
    return dict(sorted(out.items()))


def _per_dim_accuracy(records: list[ResultRecord]) -> dict[int, Runs]:
    out: dict[int, Runs] = {}
    for r in select(study_cells(records), P1_AUTOENCODER):
        out.setdefault(int(r.cell["bottleneck"]), Runs()).add(r)
    return out


def variant_rows(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    """Table 1's labelled rows: the baseline and Approach A under the other splits and L2
    scopes (at 300D and at the split variant's bottleneck), the Approach B diagnostics."""
    ref, sweep, t = study_tables()["table_1"], study_tables()["table_1_sweep"], "Table 1"
    cells = [Cell(t, f"Baseline ({label})", ACC, ref["baseline_mean_mfcc_mlp"]["test_accuracy"][0],
                  metric_runs(rs, "test_accuracy"), variant_of="Baseline")
             for label, rs in by_variant(records, P1_BASELINE).items()]
    groups: dict[tuple[int, str], list[ResultRecord]] = {}
    for label, rs in by_variant(records, P1_AUTOENCODER).items():
        for r in rs:
            if r.cell["bottleneck"] == 300 or "split" in r.cell:
                groups.setdefault((int(r.cell["bottleneck"]), label), []).append(r)
    cells += [Cell(t, f"Approach A ({dim}D, {label})", ACC, sweep.get(dim),
                   metric_runs(rs, "test_accuracy"), variant_of="Approach A (300D)")
              for (dim, label), rs in sorted(groups.items())]
    for label, rs in by_variant(records, P1_UTTERANCE_EMBEDDING).items():
        row = f"Approach B diagnostic: {label}"
        cells += [Cell(t, row, ACC, None, metric_runs(rs, "test_accuracy"),
                       variant_of="Approach B"),
                  Cell(t, row, "Median cosine to the chained embedding (test)", None,
                       metric_runs(rs, "median_cosine_to_chained"), variant_of="Approach B")]
    return cells


def table_1(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    ref = study_tables()["table_1"]
    study = study_cells(records)
    base = select(study, P1_BASELINE)
    a300 = select(study, P1_AUTOENCODER, bottleneck=300)
    b = select(study, P1_UTTERANCE_EMBEDDING)
    table_acc, text_acc = ref["baseline_mean_mfcc_mlp"]["test_accuracy"]
    per_dim = _per_dim_accuracy(records)
    means = {d: sum(v) / len(v) for d, v in per_dim.items()}
    lo = min(means, key=means.get) if means else None
    hi = max(means, key=means.get) if means else None
    t = "Table 1"
    return [
        Cell(t, "Baseline", ACC, table_acc, metric_runs(base, "test_accuracy")),
        Cell(t, "Baseline", f"{ACC} (as printed in 1.1.2)", text_acc,
             metric_runs(base, "test_accuracy")),
        Cell(t, "Baseline", "Test loss (1.1.2)", ref["baseline_mean_mfcc_mlp"]["test_loss"],
             metric_runs(base, "test_loss")),
        Cell(t, "Baseline", DIM, ref["baseline_mean_mfcc_mlp"]["feature_dim"],
             metric_runs(base, "feature_dim"), kind="fact"),
        Cell(t, "Approach A (300D)", ACC, ref["approach_a_300d"]["test_accuracy"],
             metric_runs(a300, "test_accuracy")),
        Cell(t, "Approach A (300D)", DIM, ref["approach_a_300d"]["feature_dim"],
             metric_runs(a300, "feature_dim"), kind="fact"),
        Cell(t, "Approach A (range)", "Lowest test accuracy",
             min(study_tables()["table_1_sweep"].values()),
             per_dim.get(lo, Runs())),
        Cell(t, "Approach A (range)", "Highest test accuracy",
             max(study_tables()["table_1_sweep"].values()),
             per_dim.get(hi, Runs())),
        Cell(t, "Approach B", ACC, ref["approach_b_utterance_embedding"]["test_accuracy"],
             metric_runs(b, "test_accuracy")),
        Cell(t, "Approach B", DIM, ref["approach_b_utterance_embedding"]["feature_dim"],
             metric_runs(b, "feature_dim"), kind="fact"),
        *variant_rows(records, ctx),
    ]


def _scope_variants(records: list[ResultRecord]) -> dict[str, dict[int, list[ResultRecord]]]:
    """Approach A variants that differ from the study rows by L2 scope only: label -> dim ->
    records."""
    out: dict[str, dict[int, list[ResultRecord]]] = {}
    for label, rs in by_variant(records, P1_AUTOENCODER).items():
        for r in rs:
            if "split" not in r.cell:
                out.setdefault(label, {}).setdefault(int(r.cell["bottleneck"]), []).append(r)
    return out


def table_1_sweep(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    ref = study_tables()["table_1_sweep"]
    per_dim = _per_dim_accuracy(records)
    variants = _scope_variants(records)
    dims = sorted(set(ref) | set(per_dim) | {d for v in variants.values() for d in v})
    cells = []
    for d in dims:
        cells.append(Cell("Table 1 sweep", f"{d}D", ACC, ref.get(d), per_dim.get(d, Runs())))
        cells += [Cell("Table 1 sweep", f"{d}D ({label})", ACC, ref.get(d),
                       metric_runs(v.get(d, []), "test_accuracy"), variant_of=f"{d}D")
                  for label, v in variants.items()]
    return cells


AE_MEASURES = (("reconstruction_mse_val", "Reconstruction MSE (val)", 4),
               ("reconstruction_mse_test", "Reconstruction MSE (test)", 4),
               ("dead_bottleneck_units", "Dead bottleneck units", 1))  # (metric, column, digits)


def autoencoder_table(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    """Per Approach A cell: what its autoencoder reconstructs and how many codes are dead."""
    groups: dict[tuple[int, bool, str], list[ResultRecord]] = {}
    for r in select(records, P1_AUTOENCODER):
        if AE_MEASURES[0][0] not in r.metrics:  # a record from before these were measured
            continue
        label = r.cell.get("variant", f"study: {L2_LABELS[r.cell.get('l2_scope', 'all')]}")
        groups.setdefault((int(r.cell["bottleneck"]), "variant" in r.cell, str(label)),
                          []).append(r)
    return [Cell("Table 1 autoencoders", f"{dim}D ({label})", name, None, metric_runs(rs, key),
                 digits=digits)
            for (dim, _, label), rs in sorted(groups.items()) for key, name, digits in AE_MEASURES]


TABLE_1_NOTE = (
    "The study prints the baseline as 93.11% (Table 1, 1.2.2, 1.5) and 95.11% (1.1.2); both "
    "are shown. The range row compares the lowest/highest bottleneck of this run with the "
    "study's 50D/400D values. Rows with a label in parentheses are variants, not the study's "
    "protocol: 'L2 on hidden layers only' puts the autoencoder's L2 on its three ReLU layers "
    "and not on the hidden x input reconstruction layer (the study's 'L2 on the dense layers' "
    "read literally covers all four); 'speaker-independent split' holds whole speakers out "
    "for validation and test (the study's random split mixes speakers). "
    "Approach B diagnostics: the pair autoencoder is near-invertible (32 latent units for 26 "
    "inputs), so the merger learns to re-encode the last two frames and the chained embedding "
    "is, in effect, the encoding of the last frame pair (about the last 22 ms of the clip); "
    "'last-pair encoding' embeds each utterance by that pair's latent only (its median cosine "
    "to the chained embedding shows how close they are), and 'mean of the pair latents' "
    "averages every pair's latent. Both use Approach B's pair autoencoder and classifier "
    "settings. The study's Approach B value rests on its merger's incidental error and "
    "cannot be recovered from its description.")

TABLES: list[TableSpec] = []  # this part's tables, in report order (reporting.study_tables)
add_spec = TABLES.append
add_spec(TableSpec("Table 1", "Problem 1: baseline, Approach A and Approach B (test accuracy)",
                   "p1", table_1, note=TABLE_1_NOTE))
add_spec(TableSpec("Table 1 sweep", "Problem 1, Approach A: test accuracy per bottleneck dimension "
                   "(section 1.2.2, Figure 2), with the L2-scope variants beside each", "p1",
                   table_1_sweep))
add_spec(TableSpec("Table 1 autoencoders", "Problem 1, Approach A: reconstruction MSE (without the "
                   "L2 term) and dead bottleneck units (ReLU codes that are zero for every train "
                   "and test utterance) per cell", "p1", autoencoder_table,
                   note="Not in the study; explains the sweep. Mean \u00b1 sd over seeds.",
                   layout=wide_grid))


def _intervals(per_dim: dict[int, Runs]) -> dict[int, tuple[float, float]]:
    out = {}
    for dim, runs in per_dim.items():
        iv = Cell("", "", ACC, None, runs).interval
        if iv is not None:
            out[dim] = (iv.low, iv.high)
    return out


def figures(records: list[ResultRecord], out: Path) -> list[Figure]:
    """Figures 1-4 of the study for this run (first seed of each model), plus confusion
    matrices; curves and matrices are folded away beside Table 1, the sweep beside its table."""
    figs: list[Figure] = []
    named = [(P1_BASELINE, {}, "Baseline MLP (Figure 1)"),
             (P1_AUTOENCODER, {"bottleneck": 300}, "Approach A, 300D bottleneck (Figure 3)"),
             (P1_UTTERANCE_EMBEDDING, {}, "Approach B (Figure 4)")]
    study = study_cells(records)
    for experiment, cell, title in named:
        found = select(study, experiment, **cell)
        if not found:
            continue
        slug = experiment.name + "".join(f"-{v}" for v in cell.values())
        figs.append(Figure(f"{title}: training curves (a widening train-validation gap is "
                           "overfitting)",
                           plots.training_curves(found[0], out / f"{slug}-curves.png", title),
                           "Table 1", folded=True))
        figs.append(Figure(f"{title}: confusion matrix (test; off-diagonal counts are the "
                           "digits it confuses)",
                           plots.confusion_matrix(found[0], out / f"{slug}-confusion.png",
                                                  f"{title}: confusion matrix (test)"),
                           "Table 1", folded=True))
    per_dim = _per_dim_accuracy(records)
    if per_dim:
        base = metric_runs(select(study, P1_BASELINE), "test_accuracy")
        ref = study_tables()
        path = plots.bottleneck_sweep(per_dim, ref["table_1_sweep"],
                                      sum(base) / len(base) if base else None,
                                      ref["table_1"]["baseline_mean_mfcc_mlp"]["test_accuracy"][0],
                                      out / "p1-bottleneck-sweep.png",
                                      intervals=_intervals(per_dim))
        figs.append(Figure("Approach A: test accuracy vs bottleneck (the study's Figure 2, grey, "
                           "beside this run's line and 95% intervals): does accuracy rise with "
                           "the bottleneck as in the study, and where does it meet the baseline?",
                           path, "Table 1 sweep"))
    return figs


