"""Per-seed Markdown tables of the paper-run scripts (``scripts/p*_paper_run.py``): each
cell's accuracy per seed, mean ± sd (``tables.fmt``), the study's value, and the paired
test against a baseline (``significance.compare_to_baseline``, Holm-adjusted) with the SE
of each difference (``intervals.difference_se``). The scripts only drive runs and print
these."""

from __future__ import annotations

from collections.abc import Iterable

from digitstudy.config.p3 import FILTERED
from digitstudy.reporting.intervals import difference_se
from digitstudy.reporting.layouts import Grid, grid_markdown
from digitstudy.reporting.p4 import PARTS, row_label
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.significance import SignificanceSettings, compare_to_baseline, mean_sd
from digitstudy.reporting.study_values import STUDY_TEST_SIZES, study_tables
from digitstudy.reporting.tables import fmt
from digitstudy.steps import P1_AUTOENCODER, P1_BASELINE, P1_UTTERANCE_EMBEDDING

DASH = "\u2013"


def _mean_sd(values: list[float], digits: int = 4) -> str:
    """``mean ± sd`` of the values ("" for none; the value alone for one)."""
    return fmt(*mean_sd(values), digits) if values else ""


def _pm(delta: float, se: float) -> str:
    return f"{delta:+.4f} \u00b1 {se:.4f}"


# --- Problem 1 -------------------------------------------------------------------------------

def p1_label(r: ResultRecord) -> str:
    label = r.experiment + "".join(f" {k}={v}" for k, v in sorted(r.cell.items()) if k != "variant")
    return label + (f" [{r.cell['variant']}]" if "variant" in r.cell else "")


def p1_study_value(r: ResultRecord) -> float | None:
    ref, sweep = study_tables()["table_1"], study_tables()["table_1_sweep"]
    if r.experiment == P1_BASELINE.name:
        return ref["baseline_mean_mfcc_mlp"]["test_accuracy"][0]
    if r.experiment == P1_AUTOENCODER.name:
        return sweep.get(int(r.cell["bottleneck"]))
    if r.experiment == P1_UTTERANCE_EMBEDDING.name and "variant" not in r.cell:
        return ref["approach_b_utterance_embedding"]["test_accuracy"]
    return None


def p1_seed_table(cells: Iterable[tuple[ResultRecord, float | None]]) -> str:
    """Problem 1 cells (record, wall seconds of its run) grouped over seeds: the study's value,
    the accuracy per seed, mean ± sd, reconstruction MSE val/test, dead units (or the
    diagnostics' median cosine) per seed, and the wall seconds."""
    groups: dict[str, list[tuple[ResultRecord, float | None]]] = {}
    for record, seconds in cells:
        groups.setdefault(p1_label(record), []).append((record, seconds))
    rows = []
    for label, items in sorted(groups.items()):
        items.sort(key=lambda it: it[0].seed)
        recs = [r for r, _ in items]
        m = recs[0].metrics
        mse = (" / ".join(_mean_sd([r.metrics[k] for r in recs])
                          for k in ("reconstruction_mse_val", "reconstruction_mse_test"))
               if "reconstruction_mse_val" in m else "")
        dead = (" ".join(f"{r.metrics['dead_bottleneck_units']:.0f}" for r in recs)
                if "dead_bottleneck_units" in m else "")
        if "median_cosine_to_chained" in m:
            dead = "cos " + " ".join(f"{r.metrics['median_cosine_to_chained']:.3f}" for r in recs)
        study = p1_study_value(recs[0])
        rows.append([label, "" if study is None else str(study),
                     " ".join(f"{r.seed}:{r.metrics['test_accuracy']:.4f}" for r in recs),
                     _mean_sd([r.metrics["test_accuracy"] for r in recs]), mse, dead,
                     " ".join(f"{t:.0f}" for _, t in items if t is not None)])
    return grid_markdown(Grid(["cell", "study", "per seed", "mean \u00b1 sd",
                               "recon. MSE val/test", "dead units", "wall s"], rows, left=3))


# --- Problem 3, Table 5 ----------------------------------------------------------------------

def table5_over_seeds(rows: dict[str, dict[int, list[ResultRecord]]],
                      stats: SignificanceSettings, size: int) -> str:
    """Table 5 over classifier seeds: ``rows`` maps a pool ("none" = the real-only baseline,
    "specific", "full", a variant label) to ``{synthetic count: records}``. Per cell: the
    study's value (the specific GAN's; the full GAN's for ``full``), each seed, mean ± sd, the
    difference to the baseline with its SE (both sides' test-set SE and seed spread) and the
    paired permutation p over seeds (Holm over every cell compared with the baseline). A
    ``filtered`` row also says whether each cell meets the goal: mean >= baseline mean - one
    SE of the baseline."""
    study = study_tables()["table_5"].get(size, {})
    base = rows["none"][0]
    named = [r.model_copy(update={"cell": {**r.cell, "model": "baseline"}}) for r in base]
    for row, cells in rows.items():
        if row != "none":
            named += [r.model_copy(update={"cell": {**r.cell, "model": f"{row} {count}"}})
                      for count, recs in cells.items() for r in recs]
    comps = {c.model: c for c in compare_to_baseline(named, "baseline", stats)}
    b = comps["baseline"]
    # the baseline mean's own SE: difference_se with no second side (study_n None)
    b_se = difference_se(b.accuracy[0], b.n_test, 0.0, None, b.accuracy[1], len(b.seeds))
    seeds = b.seeds
    lines = []
    for row, cells in rows.items():
        for count, recs in cells.items():
            c = comps["baseline" if row == "none" else f"{row} {count}"]
            ref = study.get(count)
            ref = ref if count == 0 or ref is None else ref[1 if row == "full" else 0]
            acc = {r.seed: r.metrics["test_accuracy"] for r in recs}
            if c.test is None:
                delta = p = DASH
            else:
                d_sd = mean_sd(c.accuracy_vs_base)[1]  # NaN (left out) with one seed
                se = difference_se(c.accuracy[0], c.n_test, b.accuracy[0], b.n_test, d_sd,
                                   len(c.seeds))
                delta = _pm(c.accuracy[0] - b.accuracy[0], se)
                p = f"{c.pvalue:.2g} ({c.p_holm:.2g})"
                if row == FILTERED:
                    delta += (
                        " (goal met)" if c.accuracy[0] >= b.accuracy[0] - b_se else " (goal missed)"
                    )
            lines.append([str(count), row, DASH if ref is None else f"{ref:.4f}",
                          *(f"{acc[s]:.4f}" if s in acc else DASH for s in seeds),
                          fmt(*c.accuracy), delta, p])
    title = (f"Table 5, {size} real per class ({len(seeds)} classifier seeds; baseline "
             f"{b.accuracy[0]:.4f}, SE {b_se:.4f})")
    grid = Grid(["synthetic per class", "pool", "study", *(f"seed {s}" for s in seeds),
                 "mean \u00b1 sd", "run - baseline \u00b1 SE", "p vs baseline (Holm)"],
                lines, left=2)
    return title + "\n\n" + grid_markdown(grid)


# --- Problem 4, Tables 10 and 13 -------------------------------------------------------------

def attention_seed_tables(records: list[ResultRecord], stats: SignificanceSettings) -> str:
    """Per attention table: every model's accuracy per seed, mean ± sd, the study's value, the
    difference to it with its SE, the paired test against the baseline (Holm-adjusted) and
    the fit seconds (mean ± sd) beside the study's."""
    out = []
    for table, (experiment, key, baseline) in PARTS.items():
        recs = [r for r in records if r.experiment == experiment.name]
        if not any(r.cell["model"] == baseline for r in recs):
            continue
        study = study_tables()[key]
        seeds = sorted({r.seed for r in recs})
        acc = {(r.cell["model"], r.seed): r.metrics["test_accuracy"] for r in recs}
        lines = []
        for c in compare_to_baseline(recs, baseline, stats):
            ref = study.get(c.model, {})
            s_acc = ref.get("test_accuracy")
            delta = DASH if s_acc is None else _pm(
                c.accuracy[0] - s_acc, difference_se(c.accuracy[0], c.n_test, s_acc,
                                                     STUDY_TEST_SIZES[table], c.accuracy[1],
                                                     len(c.seeds)))
            lines.append([row_label(c.model, study), DASH if s_acc is None else str(s_acc),
                          *(f"{acc[c.model, s]:.4f}" if (c.model, s) in acc else DASH
                            for s in seeds),
                          fmt(*c.accuracy), delta,
                          DASH if c.test is None else f"{c.pvalue:.2g} ({c.p_holm:.2g})",
                          str(ref.get("train_seconds", DASH)), fmt(*c.train_seconds, digits=1)])
        grid = Grid(["model", "study", *(f"seed {s}" for s in seeds), "mean \u00b1 sd",
                     "delta \u00b1 SE", "p vs base (Holm)", "study s", "fit s"], lines)
        out += [f"**{table}** ({len(seeds)} seeds; study test items {STUDY_TEST_SIZES[table]})",
                "", grid_markdown(grid), ""]
    return "\n".join(out)

