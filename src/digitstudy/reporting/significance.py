"""Is a difference between a model and its baseline real? Calibrated paired tests.

Every model is compared with one baseline on the same training seeds (Tables 10 / 13):

- **Paired permutation test** (when both have per-item test predictions on the same test
  labels): for test item ``i`` let ``D_i`` = (seeds on which the model is right) - (seeds on
  which the baseline is right), an integer in ``[-S, S]`` for ``S`` paired seeds; the
  statistic ``T = sum_i D_i`` is ``S * n`` times the accuracy difference averaged over seeds.
  Under "no difference" the two models' labels are exchangeable on each item, so every
  ``D_i`` is as likely to carry either sign: the two-sided p-value is
  ``P(|sum_i s_i D_i| >= |T|)`` over independent fair signs ``s_i``. It is computed exactly
  (the distribution of the signed sum by convolution over the integer lattice) when that is
  at most ``exact_limit`` operations, else by Monte Carlo with ``resamples`` sign draws from
  ``numpy.random.default_rng(seed)`` (p = (hits + 1) / (resamples + 1)). With one seed
  this is the exact McNemar test.
- **Paired t-test over seeds** (when predictions are missing): the per-seed accuracy
  differences against 0 (``scipy.stats.ttest_1samp``); needs at least 2 seeds.

The p-values of all models compared with one baseline are Holm-adjusted together
(``statsmodels.stats.multitest.multipletests``, method ``holm``); ``significant`` means the
adjusted p-value is below ``alpha``. The settings (``alpha``, ``seed``, ``resamples``,
``exact_limit``) come from the profile's ``statistics`` section.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import ttest_1samp
from statsmodels.stats.multitest import multipletests

from digitstudy.reporting.records import ResultRecord

ALPHA = 0.05


@dataclass(frozen=True)
class SignificanceSettings:
    """The profile's ``statistics`` section, as the tests need it."""

    alpha: float = ALPHA
    seed: int = 0  # Monte Carlo sign draws (only when the exact computation is too large)
    resamples: int = 20_000
    exact_limit: int = 50_000_000  # operations of the exact convolution

    @classmethod
    def of(cls, stats) -> SignificanceSettings:
        """From a ``StatisticsConfig`` (or None: the defaults)."""
        if stats is None:
            return cls()
        return cls(stats.alpha, stats.permutation_seed, stats.resamples, stats.exact_limit)


@dataclass(frozen=True)
class PairedTest:
    method: str  # "permutation (exact)", "permutation (Monte Carlo, R draws)", "paired t"
    pvalue: float
    seeds: int
    n_items: int | None = None  # test items (permutation test)


def sign_flip_pvalue(differences: Iterable[int], *,
                     settings: SignificanceSettings = SignificanceSettings(),
                     ) -> tuple[float, bool]:
    """Two-sided sign-flip p-value of integer per-item differences; (p, exact?).

    ``P(|sum s_i d_i| >= |sum d_i|)`` for independent fair signs ``s_i``; items with
    ``d_i = 0`` do not change the sum and are dropped.
    """
    d = np.asarray(list(differences))
    if d.size and not np.issubdtype(d.dtype, np.integer):
        if not np.allclose(d, np.round(d)):
            raise ValueError("sign_flip_pvalue needs integer differences (counts over seeds)")
        d = np.round(d).astype(np.int64)
    observed = abs(int(d.sum())) if d.size else 0
    a = np.abs(d[d != 0]).astype(np.int64)
    if a.size == 0 or observed == 0:
        return 1.0, True
    total = int(a.sum())
    if a.size * (2 * total + 1) <= settings.exact_limit:
        return _exact(a, total, observed), True
    return _monte_carlo(a, observed, settings), False


def _exact(a: np.ndarray, total: int, observed: int) -> float:
    # dist[k] = P(signed sum = k - total), built one item at a time: k -> k +/- a_i
    dist = np.zeros(2 * total + 1)
    dist[total] = 1.0
    for step in a:
        new = np.zeros_like(dist)
        new[step:] += 0.5 * dist[:-step]
        new[:-step] += 0.5 * dist[step:]
        dist = new
    sums = np.abs(np.arange(-total, total + 1))
    return float(min(1.0, dist[sums >= observed].sum()))


def _monte_carlo(a: np.ndarray, observed: int, settings: SignificanceSettings) -> float:
    rng = np.random.default_rng(settings.seed)
    hits, left, chunk = 0, settings.resamples, max(1, 2_000_000 // a.size)
    while left:
        n = min(chunk, left)
        signs = rng.integers(0, 2, size=(n, a.size), dtype=np.int8) * 2 - 1
        hits += int(np.sum(np.abs(signs @ a) >= observed))
        left -= n
    return (hits + 1) / (settings.resamples + 1)


def paired_t_pvalue(differences: Iterable[float]) -> float | None:
    """Two-sided one-sample t-test of per-seed differences against 0 (None: < 2 seeds)."""
    d = np.asarray(list(differences), dtype=float)
    if d.size < 2:
        return None
    if np.allclose(d, d[0]):  # no spread: no evidence either way unless all are 0
        return 1.0 if np.allclose(d, 0.0) else None
    return float(ttest_1samp(d, 0.0).pvalue)


def holm(pvalues: Mapping[str, float], alpha: float = ALPHA) -> dict[str, tuple[float, bool]]:
    """Holm-adjusted p-values and rejections: ``{name: (adjusted p, adjusted p < alpha)}``."""
    if not pvalues:
        return {}
    names = list(pvalues)
    reject, adjusted, _, _ = multipletests([pvalues[n] for n in names], alpha=alpha,
                                           method="holm")
    return {n: (float(p), bool(r)) for n, p, r in zip(names, adjusted, reject, strict=True)}


def mean_sd(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; NaN for a single value)."""
    v = np.asarray(list(values), dtype=float)
    if v.size == 0:
        raise ValueError("mean_sd of no values")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else math.nan


@dataclass
class ModelComparison:
    """One model over its seeds, against the baseline on the same seeds."""

    model: str
    seeds: list[int]
    n_test: int
    accuracy: tuple[float, float]  # mean, sd over seeds
    train_seconds: tuple[float, float]
    accuracy_vs_base: list[float] = field(default_factory=list)  # per seed: model - baseline
    seconds_vs_base: list[float] = field(default_factory=list)
    test: PairedTest | None = None  # None for the baseline, or when untestable
    p_holm: float | None = None
    significant: bool | None = None

    @property
    def pvalue(self) -> float | None:
        """The unadjusted p-value of the paired test (None for the baseline)."""
        return None if self.test is None else self.test.pvalue


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


def item_differences(runs: list[ResultRecord], bases: list[ResultRecord]) -> np.ndarray:
    """``D_i`` = seeds the model is right on item ``i`` - seeds the baseline is (paired
    records, one per seed, in the same order)."""
    total = None
    for rec, base in zip(runs, bases, strict=True):
        if rec.predictions.y_true != base.predictions.y_true:
            raise ValueError(f"{rec.key} and {base.key} were not evaluated on the same test labels")
        y = np.asarray(rec.predictions.y_true)
        d = ((np.asarray(rec.predictions.y_pred) == y).astype(np.int64)
             - (np.asarray(base.predictions.y_pred) == y).astype(np.int64))
        if total is not None and d.shape != total.shape:
            raise ValueError(f"{rec.key}: {d.size} test items, other seeds have {total.size}")
        total = d if total is None else total + d
    return total if total is not None else np.zeros(0, dtype=np.int64)


def paired_test(runs: list[ResultRecord], bases: list[ResultRecord],
                settings: SignificanceSettings = SignificanceSettings()) -> PairedTest | None:
    """The permutation test when every paired record has predictions, else the t-test."""
    if all(r.predictions is not None for r in (*runs, *bases)):
        d = item_differences(runs, bases)
        p, exact = sign_flip_pvalue(d, settings=settings)
        method = "permutation (exact)" if exact else \
            f"permutation (Monte Carlo, {settings.resamples} draws, seed {settings.seed})"
        return PairedTest(method, p, len(runs), int(d.size))
    p = paired_t_pvalue(r.metrics["test_accuracy"] - b.metrics["test_accuracy"]
                        for r, b in zip(runs, bases, strict=True))
    return None if p is None else PairedTest("paired t over seeds", p, len(runs))


def compare_to_baseline(
    records: Iterable[ResultRecord],
    baseline: str,
    settings: SignificanceSettings = SignificanceSettings(),
) -> list[ModelComparison]:
    """Per model (in record order, baseline first): mean +/- sd over seeds, the per-seed
    differences to the baseline, the paired test and its Holm-adjusted p-value.

    Every model needs the baseline on each of its seeds; anything else is an error naming
    the record.
    """
    grouped = _by_model_and_seed(records)
    if baseline not in grouped:
        raise ValueError(f"no records of the baseline {baseline!r}; models: {sorted(grouped)}")
    base = grouped[baseline]
    out = []
    for model in [baseline] + [m for m in grouped if m != baseline]:
        runs = grouped[model]
        seeds = sorted(runs)
        first = runs[seeds[0]]
        comp = ModelComparison(
            model=model, seeds=seeds,
            n_test=len(first.predictions.y_true) if first.predictions else 0,
            accuracy=mean_sd(runs[s].metrics["test_accuracy"] for s in seeds),
            train_seconds=mean_sd(runs[s].train_seconds for s in seeds))
        if model != baseline:
            missing = [s for s in seeds if s not in base]
            if missing:
                raise ValueError(f"model {model}: no {baseline} run for seed(s) {missing}")
            comp.accuracy_vs_base = [runs[s].metrics["test_accuracy"]
                                     - base[s].metrics["test_accuracy"] for s in seeds]
            comp.seconds_vs_base = [runs[s].train_seconds - base[s].train_seconds for s in seeds]
            comp.test = paired_test([runs[s] for s in seeds], [base[s] for s in seeds],
                                    settings)
        out.append(comp)
    adjusted = holm({c.model: c.pvalue for c in out if c.pvalue is not None}, settings.alpha)
    for c in out:
        if c.model in adjusted:
            c.p_holm, c.significant = adjusted[c.model]
    return out
