"""Problem 4 tables: study Table 10 (Part A, ReducedMNIST) and Table 13 (Part B, spectrograms).

Beyond the study: each model runs once per profile seed; accuracy is mean +/- sd over seeds,
and each model is tested against its baseline with a paired permutation test on per-item
correctness over the same seeds, Holm-adjusted across the table's models
(``significance.py``). Models that are not study rows (e.g. ``self_attention_add_norm``)
are rows labelled "(variant)" after the study's.
"""

from __future__ import annotations

from collections.abc import Callable

from digitstudy.config.p4_models import MNIST_MODELS, SPEECH_MODELS
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.significance import compare_to_baseline
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import (
    Cell,
    ReportContext,
    TableSpec,
    metric_runs,
    select,
)
from digitstudy.steps import P4A_ATTENTION_MNIST, P4B_ATTENTION_SPEECH

PARTS = {  # table -> (step, study key, baseline model)
    "Table 10": (P4A_ATTENTION_MNIST, "table_10", "base_cnn"),
    "Table 13": (P4B_ATTENTION_SPEECH, "table_13", "baseline_lenet"),
}


def _by_model(records: list[ResultRecord]) -> dict[str, list[ResultRecord]]:
    out: dict[str, list[ResultRecord]] = {}
    for r in records:
        out.setdefault(str(r.cell["model"]), []).append(r)
    return out


def variant_note(model: str) -> str:
    """What a model that is not a study row is (its spec's note)."""
    spec = MNIST_MODELS.get(model) or SPEECH_MODELS.get(model)
    return spec.note if spec is not None and spec.note else "not a study row"


def row_label(model: str, study: dict) -> str:
    return model if model in study else f"{model} (variant)"


def attention_table(table: str) -> Callable[[list[ResultRecord], ReportContext], list[Cell]]:
    experiment, key, baseline = PARTS[table]

    def build(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
        study = study_tables()[key]
        recs = select(records, experiment)
        runs = _by_model(recs)
        comps = ({c.model: c for c in compare_to_baseline(recs, baseline, ctx.statistics)}
                 if baseline in runs else {})
        base_seconds = study[baseline]["train_seconds"]
        cells = []
        for model in list(study) + [m for m in runs if m not in study]:
            ref, mine = study.get(model, {}), runs.get(model, [])
            comp, row = comps.get(model), row_label(model, study)
            cells.append(Cell(table, row, "Test accuracy", ref.get("test_accuracy"),
                              metric_runs(mine, "test_accuracy")))
            cells.append(Cell(table, row, "Training seconds", ref.get("train_seconds"),
                              [r.train_seconds for r in mine]))
            if model == baseline:
                continue
            study_vs = ref.get("seconds_vs_base")
            if study_vs is None and "train_seconds" in ref:
                study_vs = round(ref["train_seconds"] - base_seconds, 2)
            cells.append(Cell(table, row, "Seconds vs base", study_vs,
                              [] if comp is None else comp.seconds_vs_base))
            cells.append(Cell(table, row, "Accuracy vs base", None if "test_accuracy" not in ref
                              else ref["test_accuracy"] - study[baseline]["test_accuracy"],
                              [] if comp is None else comp.accuracy_vs_base))
            cells.append(Cell(table, row, "Paired test p vs base", None,
                              [] if comp is None or comp.pvalue is None else [comp.pvalue]))
            cells.append(Cell(table, row, "Holm p vs base", None,
                              [] if comp is None or comp.p_holm is None else [comp.p_holm]))
        return cells

    return build


def cbam_pooling_line(records: list[ResultRecord]) -> str:
    """What the run's CBAM records say about their channel pooling (their step notes)."""
    notes = sorted({n for r in records for n in r.notes if n.startswith("CBAM channel")})
    return " ".join(f"{n}." for n in notes)


def significance_summary(table: str) -> Callable[[list[ResultRecord], ReportContext], str]:
    experiment, key, baseline = PARTS[table]

    def summary(records: list[ResultRecord], ctx: ReportContext) -> str:
        recs = select(records, experiment)
        if baseline not in _by_model(recs):
            return ""
        study = study_tables()[key]
        comps = [c for c in compare_to_baseline(recs, baseline, ctx.statistics)
                 if c.model != baseline]
        tested = [c for c in comps if c.test is not None]
        alpha = ctx.statistics.alpha
        variants = [f"{row_label(m, study)}: {variant_note(m)}"
                    for m in _by_model(recs) if m not in study]
        lines = [f"Variants: {'; '.join(variants)}." if variants else "",
                 cbam_pooling_line(recs)]
        if tested:
            methods = sorted({c.test.method for c in tested})
            real = [c.model for c in tested if c.significant]
            lines.append(
                f"Paired tests against {baseline} ({', '.join(methods)}; per-item correctness "
                f"over {max(c.test.seeds for c in tested)} paired seed(s) on "
                f"{tested[0].test.n_items or '?'} test items), Holm-adjusted across "
                f"{len(tested)} models; p-value (Holm-adjusted): "
                + ", ".join(f"{c.model} {c.pvalue:.2g} ({c.p_holm:.2g})" for c in tested) + "; "
                + (f"significant at p < {alpha}: {', '.join(real)}." if real
                   else f"no model differs significantly from {baseline} at p < {alpha}."))
        return " ".join(t for t in lines if t)

    return summary


TABLES: list[TableSpec] = []  # this part's tables, in report order (reporting.study_tables)
add_spec = TABLES.append
add_spec(
    TableSpec(
        "Table 10",
        "Problem 4 Part A: attention on ReducedMNIST (the study: 5000 train / 1000 test)",
        "p4a",
        attention_table("Table 10"),
        summary=significance_summary("Table 10"),
        note="The study's times are CPU seconds for 10 epochs; this run's are this "
        "machine's. Seconds/accuracy vs base: mean \u00b1 sd over seeds of the per-seed "
        "differences to the base CNN. Paired test p: permutation test on per-item "
        "correctness over the paired seeds; Holm p: adjusted across the table's models.",
    )
)
add_spec(
    TableSpec(
        "Table 13",
        "Problem 4 Part B: attention on FSDD spectrogram images",
        "p4b",
        attention_table("Table 13"),
        summary=significance_summary("Table 13"),
        note="The study's times are on a T4 GPU; its accuracies are on 256 test images.",
    )
)
