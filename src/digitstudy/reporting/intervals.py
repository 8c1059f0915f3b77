"""How sure is a test accuracy? Its 95% interval, and whether the study's value is inside.

With ``n`` test items an accuracy is a binomial proportion: 90 test clips move it by 1.1
points per error. The Wilson score interval (statsmodels ``proportion_confint``) stays
inside [0, 1] and is honest for small ``n``; the exact binomial test (scipy
``binomtest``) asks whether ``k`` correct out of ``n`` is plausible if the true accuracy
were the study's. Several seeds are averaged on one seed's test-set size: they share the
test items, so adding their counts would shrink the interval without new test data; the
interval ignores seed-to-seed training variance, and the table shows the sd over seeds.
A comparison with the study's value uses :func:`difference_se` (both test sets and the
seed spread) and a two-sided normal test on it (:func:`z_test_pvalue`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import binomtest, norm
from statsmodels.stats.proportion import proportion_confint

ALPHA = 0.05


@dataclass(frozen=True)
class AccuracyInterval:
    correct: int
    n: int
    low: float
    high: float
    p_value: float | None  # exact binomial test against the study's value; None: no study value

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def accuracy_interval(accuracies: list[float], trials: list[int],
                      study: float | None = None) -> AccuracyInterval:
    """95% Wilson interval of the mean of accuracies measured on ``trials`` test items each
    (the seeds' shared test set: n = their mean size, correct = the mean count)."""
    if len(accuracies) != len(trials) or not trials or min(trials) <= 0:
        raise ValueError(f"need one positive test size per accuracy, got {trials} for {accuracies}")
    n = int(round(sum(trials) / len(trials)))
    correct = int(round(sum(a * t for a, t in zip(accuracies, trials, strict=True))
                        / len(trials)))
    low, high = proportion_confint(correct, n, alpha=ALPHA, method="wilson")
    p = None
    if study is not None and 0 <= study <= 1:
        p = float(binomtest(correct, n, study).pvalue)
    return AccuracyInterval(correct, n, float(low), float(high), p)


def binomial_se(accuracy: float, n: int) -> float:
    """Binomial standard error of an accuracy measured on ``n`` test items."""
    return math.sqrt(accuracy * (1.0 - accuracy) / n)


def difference_se(run_mean: float, run_n: float, study: float, study_n: int | None,
                  seed_sd: float, seeds: int) -> float:
    """SE of (this run's mean accuracy - the study's accuracy):

    ``sqrt(p(1-p)/n + s(1-s)/N + sd^2/k)`` with ``p`` this run's mean over its ``k`` seeds
    on ``n`` test items (one seed's test set: the seeds share it, so averaging them does not
    shrink this term), ``s`` the study's value on its ``N`` test items (left out where the
    study's test size is unknown) and ``sd`` the sample sd over seeds (left out with one
    seed). The study's own seed-to-seed spread (one run) is not known and not included.
    """
    var = run_mean * (1.0 - run_mean) / run_n
    if study_n:
        var += study * (1.0 - study) / study_n
    if seeds > 1 and not math.isnan(seed_sd):
        var += seed_sd ** 2 / seeds
    return math.sqrt(var)


def z_test_pvalue(delta: float, se: float) -> float:
    """Two-sided normal p-value of ``delta`` with standard error ``se``."""
    if se == 0:
        return 1.0 if delta == 0 else 0.0
    return float(2.0 * norm.sf(abs(delta) / se))
