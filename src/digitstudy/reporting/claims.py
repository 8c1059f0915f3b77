"""The study's findings (``study_claims.yaml``) and this run's verdict on each.

A claim is one or more comparisons, each "sum of these cells > sum of those" over the
report's table cells (its study values come from those cells, so from ``study_tables.yaml``).
Each comparison is decided on this run's numbers:

- a comparison of two cells whose records carry paired test predictions on the same seeds
  and test labels: the paired permutation test of ``significance.paired_test``;
- otherwise: the difference over its SE, ``sqrt(sum of p(1-p)/n + sd^2/k)`` over the cells
  (each cell's test-set SE and seed spread; cells treated as independent, which overstates
  the SE of cells sharing a test set) and a two-sided normal test.

The p-values of all comparisons of the report are Holm-adjusted together. A comparison
*holds* when its adjusted p < alpha and this run's difference has the study's sign,
is *reversed* when significant the other way, else is *not resolved*. A claim is
**supported** when every comparison holds, **contradicted** when one is reversed, **not run
here** when a cell has no run value, else **not resolved at this size**; then it says how
many test items per cell would make the study's own difference stand out at alpha (an
unpaired estimate from the study's values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from scipy.stats import norm

from digitstudy.reporting.intervals import binomial_se, z_test_pvalue
from digitstudy.reporting.significance import SignificanceSettings, holm, paired_test
from digitstudy.reporting.study_tables import TABLE_SPECS
from digitstudy.reporting.tables import (
    Cell,
    ReportContext,
    signed,
)

SUPPORTED, CONTRADICTED, UNRESOLVED, NOT_RUN = (
    "supported", "contradicted", "not resolved at this size", "not run here")
HOLDS, REVERSED, OPEN, MISSING = "holds", "reversed", "not resolved", "not run"
Key = tuple[str, str, str]  # (table, row, column)


def parse_ref(text: str) -> Key:
    parts = [p.strip() for p in text.split(" / ")]
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"study_claims.yaml: {text!r} is not 'table / row / column'")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Comparison:
    more: tuple[Key, ...]
    less: tuple[Key, ...]

    @property
    def keys(self) -> tuple[Key, ...]:
        return self.more + self.less


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    text: str
    comparisons: tuple[Comparison, ...]


@cache
def study_claims() -> tuple[Claim, ...]:
    raw = yaml.safe_load(
        (resources.files("digitstudy.reporting") / "study_claims.yaml").read_text()
    )
    return tuple(Claim(c["id"], str(c["section"]), c["claim"], tuple(
        Comparison(tuple(map(parse_ref, p["more"])), tuple(map(parse_ref, p["less"])))
        for p in c["compare"])) for c in raw)


@dataclass
class ComparisonResult:
    comparison: Comparison
    study_diff: float | None
    run_diff: float | None = None
    se: float | None = None
    method: str = ""
    p: float | None = None
    p_holm: float | None = None
    n_run: int | None = None  # test items per cell in this run (the smallest)
    n_needed: int | None = None  # test items per cell at which the study's difference stands out
    status: str = MISSING


@dataclass
class ClaimResult:
    claim: Claim
    parts: list[ComparisonResult] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        statuses = [p.status for p in self.parts]
        if REVERSED in statuses:
            return CONTRADICTED
        if MISSING in statuses:
            return NOT_RUN
        return SUPPORTED if all(s == HOLDS for s in statuses) else UNRESOLVED


def _variance(cell: Cell) -> float | None:
    trials = getattr(cell.runs, "trials", [])
    if not trials or any(t is None for t in trials):
        return None
    var = binomial_se(cell.run_value, sum(trials) / len(trials)) ** 2
    if len(cell.runs) > 1:
        var += cell.run_sd ** 2 / len(cell.runs)
    return var


def _paired(more: Cell, less: Cell, settings: SignificanceSettings):
    """The paired test of two cells run on the same seeds with predictions, else None."""
    a = {r.seed: r for r in getattr(more.runs, "records", [])}
    b = {r.seed: r for r in getattr(less.runs, "records", [])}
    if not a or set(a) != set(b) or len(a) != len(more.runs) or len(b) != len(less.runs) \
            or any(r.predictions is None for r in (*a.values(), *b.values())):
        return None
    seeds = sorted(a)
    try:
        return paired_test([a[s] for s in seeds], [b[s] for s in seeds], settings)
    except ValueError:  # not the same test items: not paired
        return None


def needed_items(study: list[float], diff: float, alpha: float) -> int | None:
    """Test items per cell at which ``diff`` is ``z(1-alpha/2)`` SE (unpaired binomial SE)."""
    if not diff:
        return None
    z = norm.ppf(1 - alpha / 2)
    return math.ceil(z * z * sum(s * (1 - s) for s in study) / diff ** 2)


def compare(comp: Comparison, cells: dict[Key, Cell], settings: SignificanceSettings,
            ) -> ComparisonResult:
    found = [cells.get(k) for k in comp.keys]
    studies = [c.study_value if c else None for c in found]
    study_diff = None if None in studies else (
        sum(studies[:len(comp.more)]) - sum(studies[len(comp.more):]))
    out = ComparisonResult(comp, study_diff)
    if study_diff is not None:
        out.n_needed = needed_items(studies, study_diff, settings.alpha)
    if any(c is None or not c.runs for c in found):
        return out
    more, less = found[:len(comp.more)], found[len(comp.more):]
    out.run_diff = sum(c.run_value for c in more) - sum(c.run_value for c in less)
    variances = [_variance(c) for c in found]
    if None not in variances:
        out.se = math.sqrt(sum(variances))
        sizes = [sum(c.runs.trials) / len(c.runs.trials) for c in found]
        out.n_run = int(min(sizes))
    test = _paired(more[0], less[0], settings) if len(more) == len(less) == 1 else None
    if test is not None:
        out.method, out.p = test.method, test.pvalue
    elif out.se is not None:
        out.method, out.p = "SE of the difference", z_test_pvalue(out.run_diff, out.se)
    out.status = OPEN
    return out


def evaluate(cells: dict[Key, Cell], settings: SignificanceSettings | None = None,
             claims: tuple[Claim, ...] | None = None) -> list[ClaimResult]:
    """Every claim on this run's cells; p-values Holm-adjusted across all comparisons."""
    settings = settings or SignificanceSettings()
    results = [ClaimResult(c, [compare(p, cells, settings) for p in c.comparisons])
               for c in (study_claims() if claims is None else claims)]
    parts = [p for r in results for p in r.parts if p.p is not None]
    adjusted = holm({str(i): p.p for i, p in enumerate(parts)}, settings.alpha)
    for i, part in enumerate(parts):
        part.p_holm, significant = adjusted[str(i)]
        if significant and part.run_diff:
            part.status = HOLDS if (part.run_diff > 0) == ((part.study_diff or 0) > 0) else REVERSED
    return results


def cells_by_key(tables, ctx: ReportContext | None = None) -> dict[Key, Cell]:
    """``{(table, row, column): cell}``: every registered table's study cells (built on no
    records, so a part this run left out still shows the study's side), overlaid by the
    run's cells from ``build_tables``."""
    ctx = ctx or ReportContext()
    out = {(c.table, c.row, c.column): c for spec in TABLE_SPECS for c in spec.build([], ctx)}
    out.update({(c.table, c.row, c.column): c for _, cells in tables for c in cells})
    return out


# --- as the reader sees it -----------------------------------------------------------------

def _name(key: Key) -> str:
    table, row, column = key
    return row if column == "Test accuracy" else f"{row}, {column}"


def _side(keys: tuple[Key, ...]) -> str:
    return " + ".join(_name(k) for k in keys)


def study_text(part: ComparisonResult, cells: dict[Key, Cell]) -> str:
    comp = part.comparison
    if part.study_diff is None:
        return f"{_side(comp.more)} > {_side(comp.less)}"
    if len(comp.keys) == 2:
        a, b = (cells[k].study_value for k in comp.keys)
        return (
            f"{_side(comp.more)} {a:.4f} > {_side(comp.less)} {b:.4f} ({signed(part.study_diff)})"
        )
    return f"{_side(comp.more)} > {_side(comp.less)}: {signed(part.study_diff)}"


def run_text(part: ComparisonResult, cells: dict[Key, Cell]) -> str:
    if part.run_diff is None:
        missing = [_name(k) for k in part.comparison.keys if not (cells.get(k) and cells[k].runs)]
        return "not run" if len(missing) == len(part.comparison.keys) else \
            f"not run: {', '.join(missing)}"
    comp = part.comparison
    values = (f"{cells[comp.more[0]].run_value:.4f} vs {cells[comp.less[0]].run_value:.4f}: "
              if len(comp.keys) == 2 else "")
    se = f" \u00b1 {part.se:.4f}" if part.se is not None else ""
    p = f", p={part.p_holm:.2g} (Holm)" if part.p_holm is not None else ", untested"
    return f"{values}{signed(part.run_diff)}{se}{p}: {part.status}"


def verdict_text(result: ClaimResult) -> str:
    verdict = result.verdict
    if verdict != UNRESOLVED:
        return verdict
    open_parts = [p for p in result.parts if p.status == OPEN and p.n_needed]
    if not open_parts:
        return verdict
    worst = max(open_parts, key=lambda p: p.n_needed)
    if worst.n_run and worst.n_run >= worst.n_needed:
        se = f" \u00b1 {worst.se:.4f}" if worst.se is not None else ""
        return (f"{verdict}: this run's {worst.n_run} test items per cell would show the "
                f"study's difference ({signed(worst.study_diff)}, about {worst.n_needed:,} "
                f"needed); its own ({signed(worst.run_diff)}{se}) is smaller")
    have = f"; this run has {worst.n_run}" if worst.n_run else ""
    return (f"{verdict}: the study's difference ({signed(worst.study_diff)}) would stand out "
            f"from about {worst.n_needed:,} test items per cell{have}")


CLAIM_COLUMNS = ["Finding (study section)", "The study", "This run", "Verdict"]
CLAIMS_LEGEND = (
    "Each finding is checked on this run's cells: a pair of cells with paired test predictions "
    "on the same seeds by the paired permutation test, other comparisons by their difference "
    "over its SE (test-set SE and seed spread of each cell, treated as independent); p-values "
    "Holm-adjusted across all comparisons here. Supported: every comparison significant in the "
    "study's direction; contradicted: one significant the other way; not resolved: no "
    "significant difference at this run's test size (the estimate of the size that would "
    "resolve it uses the study's own difference, unpaired).")


def claims_rows(results: list[ClaimResult], cells: dict[Key, Cell]) -> list[list[str]]:
    return [[f"{r.claim.text} ({r.claim.section})",
             "\n".join(study_text(p, cells) for p in r.parts),
             "\n".join(run_text(p, cells) for p in r.parts),
             verdict_text(r)] for r in results]


def claims_records(results: list[ClaimResult]) -> list[dict]:
    """The verdicts as data (``claims.json``)."""
    return [{"id": r.claim.id, "claim": r.claim.text, "section": r.claim.section,
             "verdict": r.verdict,
             "comparisons": [{"more": [" / ".join(k) for k in p.comparison.more],
                              "less": [" / ".join(k) for k in p.comparison.less],
                              "study_difference": p.study_diff, "run_difference": p.run_diff,
                              "se": p.se, "method": p.method, "p": p.p, "p_holm": p.p_holm,
                              "status": p.status, "test_items": p.n_run,
                              "items_to_resolve_study_difference": p.n_needed}
                             for p in r.parts]} for r in results]
