"""Problem 4 tables: study Table 10 (Part A, ReducedMNIST) and Table 13 (Part B, spectrograms).

Beyond the study: each model runs once per profile seed; accuracy is mean +/- sd over seeds,
and each model is tested against its baseline with an exact McNemar test on the same test
predictions (``significance.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.significance import ALPHA, compare_to_baseline
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import (
    Cell,
    ReportContext,
    TableSpec,
    metric_runs,
    register,
    select,
)

PARTS = {  # table -> (experiment, study key, baseline model)
    "Table 10": ("p4a-attention-mnist", "table_10", "base_cnn"),
    "Table 13": ("p4b-attention-speech", "table_13", "baseline_lenet"),
}


def _by_model(records: list[ResultRecord]) -> dict[str, list[ResultRecord]]:
    out: dict[str, list[ResultRecord]] = {}
    for r in records:
        out.setdefault(str(r.cell["model"]), []).append(r)
    return out


def attention_table(table: str) -> Callable[[list[ResultRecord], ReportContext], list[Cell]]:
    experiment, key, baseline = PARTS[table]

    def build(records: list[ResultRecord], ctx: ReportContext) -> list[Cell]:
        study = study_tables()[key]
        recs = select(records, experiment)
        runs = _by_model(recs)
        comps = {c.model: c for c in compare_to_baseline(recs, baseline)} if baseline in runs else {}
        base_seconds = study[baseline]["train_seconds"]
        cells = []
        for model in list(study) + [m for m in runs if m not in study]:
            ref, mine = study.get(model, {}), runs.get(model, [])
            comp = comps.get(model)
            cells.append(Cell(table, model, "Test accuracy", ref.get("test_accuracy"),
                              metric_runs(mine, "test_accuracy")))
            cells.append(Cell(table, model, "Training seconds", ref.get("train_seconds"),
                              [r.train_seconds for r in mine]))
            if model == baseline:
                continue
            study_vs = ref.get("seconds_vs_base")
            if study_vs is None and "train_seconds" in ref:
                study_vs = round(ref["train_seconds"] - base_seconds, 2)
            cells.append(Cell(table, model, "Seconds vs base", study_vs,
                              [] if comp is None else [comp.seconds_vs_base]))
            cells.append(Cell(table, model, "Accuracy vs base", None if "test_accuracy" not in ref
                              else ref["test_accuracy"] - study[baseline]["test_accuracy"],
                              [] if comp is None else [comp.accuracy_vs_base]))
            cells.append(Cell(table, model, "McNemar p vs base", None,
                              [] if comp is None or comp.pvalue is None else [comp.pvalue]))
        return cells

    return build


def significance_summary(table: str) -> Callable[[list[ResultRecord]], str]:
    experiment, _, baseline = PARTS[table]

    def summary(records: list[ResultRecord]) -> str:
        recs = select(records, experiment)
        if baseline not in _by_model(recs):
            return ""
        comps = [c for c in compare_to_baseline(recs, baseline) if c.model != baseline]
        real = [c.model for c in comps if c.pvalue is not None and c.pvalue < ALPHA]
        seeds = sorted({s for c in comps for s in c.seeds})
        n = comps[0].n_test if comps else 0
        return (f"Exact McNemar tests against {baseline} on the same {n} test items "
                f"({len(seeds)} seed(s), median p over seeds): "
                + (f"significant at p < {ALPHA}: {', '.join(real)}." if real
                   else f"no model differs significantly from {baseline} at p < {ALPHA}."))

    return summary


register(TableSpec("Table 10", "Problem 4 Part A: attention on ReducedMNIST (the study: 5000 train / 1000 test)",
                   "p4a", attention_table("Table 10"), summary=significance_summary("Table 10"),
                   note="The study's times are CPU seconds for 10 epochs; this run's are this "
                   "machine's. Seconds/accuracy vs base are differences to the base CNN."))
register(TableSpec("Table 13", "Problem 4 Part B: attention on FSDD spectrogram images", "p4b",
                   attention_table("Table 13"), summary=significance_summary("Table 13"),
                   note="The study's times are on a T4 GPU; its accuracies are on 256 test images."))
