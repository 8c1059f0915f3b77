"""How sure is a test accuracy? Its 95% interval, and whether the study's value is inside.

With ``n`` test items an accuracy is a binomial proportion: 90 test clips move it by 1.1
points per error. The Wilson score interval (statsmodels ``proportion_confint``) stays
inside [0, 1] and is honest for small ``n``; the exact binomial test (scipy
``binomtest``) asks whether ``k`` correct out of ``n`` is plausible if the true accuracy
were the study's. Several seeds are pooled (their correct counts and test items added),
which ignores seed-to-seed training variance: the table shows the sd over seeds beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binomtest
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
    """Pooled 95% Wilson interval of accuracies measured on ``trials`` test items each."""
    if len(accuracies) != len(trials) or not trials or min(trials) <= 0:
        raise ValueError(f"need one positive test size per accuracy, got {trials} for {accuracies}")
    correct = int(sum(round(a * n) for a, n in zip(accuracies, trials, strict=True)))
    n = int(sum(trials))
    low, high = proportion_confint(correct, n, alpha=ALPHA, method="wilson")
    p = None
    if study is not None and 0 <= study <= 1:
        p = float(binomtest(correct, n, study).pvalue)
    return AccuracyInterval(correct, n, float(low), float(high), p)
