"""Is a difference between two models real? Exact McNemar tests and spread over seeds.

Two models evaluated on the same test images are compared on their paired predictions:
only the discordant pairs (one right, the other wrong) carry information, and under
"no difference" each discordant pair is a fair coin (the exact McNemar test, via
statsmodels). Over several training seeds each seed gives its own paired test; the
summary is the median p-value and how many seeds reach ``alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from statsmodels.stats.contingency_tables import mcnemar

from digitstudy.reporting.records import ResultRecord

ALPHA = 0.05


@dataclass(frozen=True)
class McNemarResult:
    """2x2 table of (model A right/wrong) x (model B right/wrong) and the exact p-value."""

    both_right: int
    only_a_right: int
    only_b_right: int
    both_wrong: int
    pvalue: float

    @property
    def table(self) -> np.ndarray:
        return np.array([[self.both_right, self.only_a_right],
                         [self.only_b_right, self.both_wrong]])

    @property
    def n(self) -> int:
        return int(self.table.sum())


def paired_table(y_true: Sequence[int], pred_a: Sequence[int],
                 pred_b: Sequence[int]) -> np.ndarray:
    """[[both right, A right B wrong], [A wrong B right, both wrong]] over paired predictions."""
    y, a, b = (np.asarray(v) for v in (y_true, pred_a, pred_b))
    if not (y.shape == a.shape == b.shape) or y.ndim != 1:
        raise ValueError(f"paired predictions need equal 1-d shapes, got y_true {y.shape}, "
                         f"A {a.shape}, B {b.shape}")
    ra, rb = a == y, b == y
    return np.array([[np.sum(ra & rb), np.sum(ra & ~rb)], [np.sum(~ra & rb), np.sum(~ra & ~rb)]])


def mcnemar_exact(y_true: Sequence[int], pred_a: Sequence[int],
                  pred_b: Sequence[int]) -> McNemarResult:
    """Exact (binomial) McNemar test of two classifiers on the same test items."""
    table = paired_table(y_true, pred_a, pred_b)
    p = 1.0 if table[0, 1] + table[1, 0] == 0 else float(mcnemar(table, exact=True).pvalue)
    return McNemarResult(*(int(v) for v in table.ravel()), pvalue=p)


def mean_sd(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; NaN for a single value)."""
    v = np.asarray(list(values), dtype=float)
    if v.size == 0:
        raise ValueError("mean_sd of no values")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else math.nan


def accuracy_standard_error(accuracy: float, n: int) -> float:
    """Binomial standard error of an accuracy measured on ``n`` test items."""
    return math.sqrt(accuracy * (1.0 - accuracy) / n)


@dataclass
class ModelComparison:
    """One model over its seeds, against the baseline on the same seeds."""

    model: str
    seeds: list[int]
    n_test: int
    accuracy: tuple[float, float]  # mean, sd over seeds
    train_seconds: tuple[float, float]
    accuracy_vs_base: float | None = None  # mean over seeds of (model - baseline)
    seconds_vs_base: float | None = None
    mcnemar: list[McNemarResult] = field(default_factory=list)  # one per seed

    @property
    def pvalue(self) -> float | None:
        """The median per-seed McNemar p-value (None for the baseline itself)."""
        return float(np.median([m.pvalue for m in self.mcnemar])) if self.mcnemar else None

    @property
    def seeds_significant(self) -> int:
        return sum(m.pvalue < ALPHA for m in self.mcnemar)


def _by_model_and_seed(records: Iterable[ResultRecord]) -> dict[str, dict[int, ResultRecord]]:
    grouped: dict[str, dict[int, ResultRecord]] = {}
    for rec in records:
        model = rec.cell.get("model")
        if model is None:
            raise ValueError(f"record {rec.key} has no 'model' in its cell")
        seeds = grouped.setdefault(str(model), {})
        if rec.seed in seeds:
            raise ValueError(f"two records for model {model} seed {rec.seed}: {rec.key}")
        seeds[rec.seed] = rec
    return grouped


def compare_to_baseline(records: Iterable[ResultRecord], baseline: str) -> list[ModelComparison]:
    """Per model (in record order, baseline first): mean +/- sd over seeds, the mean
    differences to the baseline on the same seeds, and one exact McNemar test per seed.

    Every model needs the baseline on each of its seeds, with predictions on the same
    test labels; anything else is an error naming the record.
    """
    grouped = _by_model_and_seed(records)
    if baseline not in grouped:
        raise ValueError(f"no records of the baseline {baseline!r}; models: {sorted(grouped)}")
    base = grouped[baseline]
    out = []
    for model in [baseline] + [m for m in grouped if m != baseline]:
        runs = grouped[model]
        seeds = sorted(runs)
        comp = ModelComparison(
            model=model, seeds=seeds,
            n_test=len(runs[seeds[0]].predictions.y_true) if runs[seeds[0]].predictions else 0,
            accuracy=mean_sd(runs[s].metrics["test_accuracy"] for s in seeds),
            train_seconds=mean_sd(runs[s].train_seconds for s in seeds))
        if model != baseline:
            missing = [s for s in seeds if s not in base]
            if missing:
                raise ValueError(f"model {model}: no {baseline} run for seed(s) {missing}")
            comp.accuracy_vs_base = float(np.mean(
                [runs[s].metrics["test_accuracy"] - base[s].metrics["test_accuracy"] for s in seeds]))
            comp.seconds_vs_base = float(np.mean(
                [runs[s].train_seconds - base[s].train_seconds for s in seeds]))
            comp.mcnemar = [_paired_test(runs[s], base[s]) for s in seeds]
        out.append(comp)
    return out


def _paired_test(rec: ResultRecord, base: ResultRecord) -> McNemarResult:
    if rec.predictions is None or base.predictions is None:
        raise ValueError(f"{rec.key} / {base.key}: McNemar needs the test predictions of both")
    if rec.predictions.y_true != base.predictions.y_true:
        raise ValueError(f"{rec.key} and {base.key} were not evaluated on the same test labels")
    return mcnemar_exact(rec.predictions.y_true, rec.predictions.y_pred, base.predictions.y_pred)


def comparison_rows(records: Iterable[ResultRecord], baseline: str,
                    study: Mapping[str, Mapping[str, float]]) -> list[dict]:
    """Rows of study Table 10 / 13 with the run beside the study's values.

    ``study``: ``study_tables()["table_10"]`` or ``["table_13"]`` (model -> test_accuracy,
    train_seconds[, seconds_vs_base]). Models missing from the run are rows with run
    columns None, so the table always has the study's rows. ``significant``: the
    (median) McNemar p-value against the baseline is below ``ALPHA``.
    """
    comps = {c.model: c for c in compare_to_baseline(records, baseline)}
    base_study = study.get(baseline, {})
    rows = []
    for model in list(study) + [m for m in comps if m not in study]:
        ref, comp = study.get(model, {}), comps.get(model)
        study_acc, study_sec = ref.get("test_accuracy"), ref.get("train_seconds")
        study_vs = ref.get("seconds_vs_base")
        if study_vs is None and model != baseline and study_sec is not None and base_study:
            study_vs = round(study_sec - base_study["train_seconds"], 2)
        row = {"model": model, "study_accuracy": study_acc, "study_seconds": study_sec,
               "study_seconds_vs_base": study_vs, "seeds": None, "n_test": None,
               "accuracy_mean": None, "accuracy_sd": None, "accuracy_delta": None,
               "accuracy_vs_base": None, "accuracy_se": None, "seconds_mean": None,
               "seconds_sd": None, "seconds_vs_base": None, "mcnemar_p": None,
               "seeds_p_below_alpha": None, "significant": None}
        if comp is not None:
            acc = comp.accuracy[0]
            row.update(
                seeds=len(comp.seeds), n_test=comp.n_test, accuracy_mean=acc,
                accuracy_sd=comp.accuracy[1],
                accuracy_delta=None if study_acc is None else acc - study_acc,
                accuracy_vs_base=comp.accuracy_vs_base,
                accuracy_se=accuracy_standard_error(acc, comp.n_test) if comp.n_test else None,
                seconds_mean=comp.train_seconds[0], seconds_sd=comp.train_seconds[1],
                seconds_vs_base=comp.seconds_vs_base, mcnemar_p=comp.pvalue,
                seeds_p_below_alpha=None if comp.model == baseline else comp.seeds_significant,
                significant=None if comp.pvalue is None else comp.pvalue < ALPHA)
        rows.append(row)
    return rows
