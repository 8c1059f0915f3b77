"""Problem 1 tables: study Table 1 and the bottleneck sweep (section 1.2.2)."""

from __future__ import annotations

from pathlib import Path

from digitstudy.reporting import plots
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import (
    Cell,
    ReportContext,
    Runs,
    TableSpec,
    metric_runs,
    register,
    register_figures,
    select,
)

ACC = "Test accuracy"
DIM = "Feature dimension"


def _per_dim_accuracy(records: list[ResultRecord]) -> dict[int, Runs]:
    out: dict[int, Runs] = {}
    for r in select(records, "p1-autoencoder"):
        out.setdefault(int(r.cell["bottleneck"]), Runs()).add(r)
    return out


def table_1(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    ref = study_tables()["table_1"]
    base = select(records, "p1-baseline")
    a300 = select(records, "p1-autoencoder", bottleneck=300)
    b = select(records, "p1-utterance-embedding")
    table_acc, text_acc = ref["baseline_mean_mfcc_mlp"]["test_accuracy"]
    per_dim = _per_dim_accuracy(records)
    means = {d: sum(v) / len(v) for d, v in per_dim.items()}
    lo = min(means, key=means.get) if means else None
    hi = max(means, key=means.get) if means else None
    t = "Table 1"
    return [
        Cell(t, "Baseline", ACC, table_acc, metric_runs(base, "test_accuracy")),
        Cell(t, "Baseline", f"{ACC} (as printed in 1.1.2)", text_acc, metric_runs(base, "test_accuracy")),
        Cell(t, "Baseline", "Test loss (1.1.2)", ref["baseline_mean_mfcc_mlp"]["test_loss"],
             metric_runs(base, "test_loss")),
        Cell(t, "Baseline", DIM, ref["baseline_mean_mfcc_mlp"]["feature_dim"], metric_runs(base, "feature_dim"), kind="fact"),
        Cell(t, "Approach A (300D)", ACC, ref["approach_a_300d"]["test_accuracy"],
             metric_runs(a300, "test_accuracy")),
        Cell(t, "Approach A (300D)", DIM, ref["approach_a_300d"]["feature_dim"],
             metric_runs(a300, "feature_dim"), kind="fact"),
        Cell(t, "Approach A (range)", "Lowest test accuracy", min(study_tables()["table_1_sweep"].values()),
             per_dim.get(lo, Runs())),
        Cell(t, "Approach A (range)", "Highest test accuracy", max(study_tables()["table_1_sweep"].values()),
             per_dim.get(hi, Runs())),
        Cell(t, "Approach B", ACC, ref["approach_b_utterance_embedding"]["test_accuracy"],
             metric_runs(b, "test_accuracy")),
        Cell(t, "Approach B", DIM, ref["approach_b_utterance_embedding"]["feature_dim"],
             metric_runs(b, "feature_dim"), kind="fact"),
    ]


def table_1_sweep(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
    ref = study_tables()["table_1_sweep"]
    per_dim = _per_dim_accuracy(records)
    dims = sorted(set(ref) | set(per_dim))
    return [Cell("Table 1 sweep", f"{d}D", ACC, ref.get(d), per_dim.get(d, Runs())) for d in dims]


register(TableSpec("Table 1", "Problem 1: baseline, Approach A and Approach B (test accuracy)", "p1",
                   table_1, note="The study prints the baseline as 93.11% (Table 1, 1.2.2, 1.5) and "
                   "95.11% (1.1.2); both are shown. The range row compares the lowest/highest "
                   "bottleneck of this run with the study's 50D/400D values."))
register(TableSpec("Table 1 sweep", "Problem 1, Approach A: test accuracy per bottleneck dimension "
                   "(section 1.2.2, Figure 2)", "p1", table_1_sweep))


def _intervals(per_dim: dict[int, Runs]) -> dict[int, tuple[float, float]]:
    out = {}
    for dim, runs in per_dim.items():
        iv = Cell("", "", ACC, None, runs).interval
        if iv is not None:
            out[dim] = (iv.low, iv.high)
    return out


def figures(records: list[ResultRecord], out: Path) -> list[tuple[str, Path]]:
    """Figures 1-4 of the study for this run (first seed of each model), plus confusion matrices."""
    figs: list[tuple[str, Path]] = []
    named = [("p1-baseline", {}, "Baseline MLP (Figure 1)"),
             ("p1-autoencoder", {"bottleneck": 300}, "Approach A, 300D bottleneck (Figure 3)"),
             ("p1-utterance-embedding", {}, "Approach B (Figure 4)")]
    for experiment, cell, title in named:
        found = select(records, experiment, **cell)
        if not found:
            continue
        slug = experiment + "".join(f"-{v}" for v in cell.values())
        figs.append((f"{title}: training curves",
                     plots.training_curves(found[0], out / f"{slug}-curves.png", title)))
        figs.append((f"{title}: confusion matrix (test)",
                     plots.confusion_matrix(found[0], out / f"{slug}-confusion.png",
                                            f"{title}: confusion matrix (test)")))
    per_dim = _per_dim_accuracy(records)
    if per_dim:
        base = metric_runs(select(records, "p1-baseline"), "test_accuracy")
        ref = study_tables()
        path = plots.bottleneck_sweep(per_dim, ref["table_1_sweep"], sum(base) / len(base) if base else None,
                                      ref["table_1"]["baseline_mean_mfcc_mlp"]["test_accuracy"][0],
                                      out / "p1-bottleneck-sweep.png",
                                      intervals=_intervals(per_dim))
        figs.append(("Approach A: test accuracy vs bottleneck (Figure 2)", path))
    return figs


register_figures("p1", figures)
