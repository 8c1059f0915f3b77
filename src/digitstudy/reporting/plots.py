"""Figures of the report (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from digitstudy.reporting.records import ResultRecord  # noqa: E402


def save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def integer_epochs(ax) -> None:
    """Epoch axes tick whole epochs only (a 2-epoch run has no epoch 1.5)."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def legend_below(ax, handles=None, labels=None, ncol: int = 4) -> None:
    """A legend under the axes, where it cannot cover the data."""
    args = (handles, labels) if handles is not None else ()
    ax.legend(*args, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=ncol, fontsize=8,
              frameon=False)


def training_curves(record: ResultRecord, path: Path, title: str, prefix: str = "") -> Path:
    """Train/val accuracy (left axis) and loss (right axis) per epoch, as the study's Figures
    1, 3, 4. The title says "training curves" so it never reads like the confusion matrix's."""
    h = record.history
    fig, ax_acc = plt.subplots(figsize=(7, 4.4))
    ax_loss = ax_acc.twinx()
    for key, style in (("accuracy", "-"), ("val_accuracy", "--")):
        if f"{prefix}{key}" in h:
            vals = h[f"{prefix}{key}"]
            ax_acc.plot(np.arange(1, len(vals) + 1), vals, style, color="tab:blue", label=key)
    for key, style in (("loss", "-"), ("val_loss", "--")):
        if f"{prefix}{key}" in h:
            vals = h[f"{prefix}{key}"]
            ax_loss.plot(np.arange(1, len(vals) + 1), vals, style, color="tab:red", label=key)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy", color="tab:blue")
    ax_loss.set_ylabel("loss", color="tab:red")
    lines = ax_acc.get_lines() + ax_loss.get_lines()
    legend_below(ax_acc, lines, [ln.get_label() for ln in lines])
    integer_epochs(ax_acc)
    ax_acc.set_title(title if "curves" in title else f"{title}: training curves")
    return save(fig, path)


def bottleneck_sweep(run: dict[int, list[float]], study: dict[int, float],
                     baseline_run: float | None,
                     baseline_study: float, path: Path,
                     intervals: dict[int, tuple[float, float]] | None = None) -> Path:
    """Test accuracy vs bottleneck (run mean with its 95% interval where known, else +/- sd
    over seeds, and the study's), baselines dashed (Figure 2)."""
    fig, ax = plt.subplots(figsize=(7, 4.4))
    dims = sorted(run)
    means = [np.mean(run[d]) for d in dims]
    if intervals and all(d in intervals for d in dims):
        yerr = np.array([[m - intervals[d][0], intervals[d][1] - m] for d,
                         m in zip(dims, means, strict=True)]).T
        label = "this run (95% interval)"
    else:
        yerr = [np.std(run[d], ddof=1) if len(run[d]) > 1 else 0.0 for d in dims]
        label = "this run"
    ax.errorbar(dims, means, yerr=yerr, marker="o", label=label, color="tab:blue", capsize=3)
    sd = sorted(study)
    ax.plot(sd, [study[d] for d in sd], marker="s", ls=":", color="gray", label="study")
    if baseline_run is not None:
        ax.axhline(baseline_run, ls="--", color="tab:blue", alpha=0.6, label="baseline (this run)")
    ax.axhline(baseline_study, ls="--", color="tab:red", alpha=0.6, label="baseline (study)")
    ax.set_xlabel("bottleneck dimension")
    ax.set_ylabel("test accuracy")
    ax.set_title("Approach A: test accuracy vs bottleneck")
    legend_below(ax)
    return save(fig, path)


def confusion_matrix(record: ResultRecord, path: Path, title: str, classes: int = 10) -> Path:
    from sklearn.metrics import confusion_matrix as cm

    assert record.predictions is not None
    m = cm(record.predictions.y_true, record.predictions.y_pred, labels=list(range(classes)))
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    shown = ax.imshow(m, cmap="Blues")
    fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04, label="test items")
    for (i, j), v in np.ndenumerate(m):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > m.max() / 2 else "black")
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title if "confusion" in title else f"{title}: confusion matrix", fontsize=9)
    return save(fig, path)


def forest(labels: list[str], deltas: list[float], ses: list[float], path: Path,
           title: str) -> Path:
    """This run minus the study per cell, with its 95% interval (1.96 SE of the difference):
    a bar that crosses 0 is a cell where the run agrees with the study."""
    n = len(labels)
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.28 * n))
    y = np.arange(n)[::-1]
    colours = ["tab:red" if abs(d) > 1.96 * s else "tab:blue" for d,
               s in zip(deltas, ses, strict=True)]
    for x, yy, s, c in zip(deltas, y, ses, colours, strict=True):
        ax.errorbar([x], [yy], xerr=[1.96 * s], fmt="none", ecolor=c, capsize=2)
    ax.scatter(deltas, y, c=colours, s=14, zorder=3)
    ax.axvline(0, color="gray", lw=1)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("this run \u2212 study (95% interval); red: the interval misses 0")
    ax.set_title(title, fontsize=9)
    return save(fig, path)
