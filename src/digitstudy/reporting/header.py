"""The report's header: per part, what was run against what the study ran.

For every part with records: the data (source, recordings or images per class against
the study's, the split sizes), the epochs of every model against the study's, the seeds
and the test items behind each accuracy. The study's protocol is the built-in ``paper``
profile (its values are the study's, see its comments), so the scale is computed per
part and per setting, never from one global factor.
"""

from __future__ import annotations

from digitstudy.reporting.records import ResultRecord

FSDD_PER_DIGIT = 300  # recordings per digit in FSDD v1.0.10 (3000 in all)
PART_TITLES = {"p1": "Problem 1 (spoken digits, MFCCs)",
               "p2": "Problem 2 (ReducedMNIST, augmentation)",
               "p3": "Problem 3 (ReducedMNIST, GANs)",
               "p4a": "Problem 4A (attention, ReducedMNIST)",
               "p4b": "Problem 4B (attention, FSDD spectrograms)"}


def _epochs(section: dict, prefix: str = "") -> dict[str, int]:
    """``{"baseline": 30, "autoencoder.classifier": 20, ...}``: every epochs setting."""
    out: dict[str, int] = {}
    for key, value in section.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_epochs(value, path + "."))
        elif key == "epochs" or key.endswith("_epochs"):
            name = prefix.rstrip(".") if key == "epochs" else path.removesuffix("_epochs")
            out[name.replace(".train", "").replace("_train", "") or "train"] = value
    return out


def _scale(run: int, study: int) -> str:
    return (
        f"{run} of the study's {study} ({run / study:.2g}x)"
        if run != study
        else f"{run} (as the study)"
    )


SPLIT_METRICS = ("train_images", "val_images", "test_images")


def _run_split(records: list[ResultRecord]) -> tuple[int, ...] | None:
    """Train/val/test sizes as the P1 steps read them from the mfcc-features artifact (their
    records' counts), on the study's split (records without a ``split`` cell)."""
    for r in records:
        if r.part == "p1" and "split" not in r.cell and all(m in r.metrics for m in SPLIT_METRICS):
            return tuple(int(r.metrics[m]) for m in SPLIT_METRICS)
    return None


def _study_split(total: int, mfcc_cfg) -> tuple[int, int, int]:
    """The study's 70/15/15 of its recordings (the paper profile's fractions)."""
    f = mfcc_cfg.split
    test = round(total * f.test)
    val = round(total * f.val)
    return total - val - test, val, test


def _fsdd_lines(profile, study) -> list[str]:
    run_n = profile.data.fsdd.per_digit_limit or FSDD_PER_DIGIT
    study_n = study.data.fsdd.per_digit_limit or FSDD_PER_DIGIT
    return [f"recordings per digit: {_scale(run_n, study_n)}; {10 * run_n} in all"]


def part_lines(part: str, profile, study, records: list[ResultRecord],
               sources: dict[str, str] | None = None) -> list[str]:
    """The header lines of one part (``profile`` this run's, ``study`` the paper profile)."""
    sources = sources or {}
    run_cfg, study_cfg = getattr(profile, part), getattr(study, part)
    lines: list[str] = []
    dataset = "fsdd" if part in ("p1", "p4b") else "mnist"
    lines.append(f"data: {'FSDD v1.0.10' if dataset == 'fsdd' else 'MNIST'}"
                 + (f" from {sources[dataset]}" if sources.get(dataset) else ""))
    if dataset == "fsdd":
        lines += _fsdd_lines(profile, study)
    if part == "p1":
        run_split = _run_split(records)
        study_split = _study_split(10 * (study.data.fsdd.per_digit_limit or FSDD_PER_DIGIT),
                                   study_cfg.mfcc)
        lines.append("split train/val/test: "
                     + ("/".join(map(str, run_split)) if run_split else "not in the records")
                     + f" (study {'/'.join(map(str, study_split))})")
    if part in ("p2", "p3"):
        r, s = profile.p2.reduced, study.p2.reduced
        lines.append(f"ReducedMNIST per class: train "
                     f"{_scale(r.train_per_class, s.train_per_class)}, "
                     f"test {_scale(r.test_per_class, s.test_per_class)}")
    if part == "p4a":
        lines.append(f"images per class: train "
                     f"{_scale(run_cfg.train_per_class, study_cfg.train_per_class)}, "
                     f"test {_scale(run_cfg.test_per_class, study_cfg.test_per_class)}")
    run_epochs, study_epochs = _epochs(run_cfg.model_dump()), _epochs(study_cfg.model_dump())
    if run_epochs:
        lines.append("epochs: " + ", ".join(
            f"{name} {n}" + (f" (study {study_epochs[name]})" if name in study_epochs else "")
            for name, n in run_epochs.items()))
    seeds = getattr(run_cfg, "seeds", None)
    if seeds:
        lines.append(f"seeds: {', '.join(map(str, seeds))}")
    sizes = sorted({len(r.predictions.y_true) for r in records
                    if r.part == part and r.predictions is not None})
    if sizes:
        one = 100 / sizes[0]
        lines.append(f"test items per accuracy: {', '.join(map(str, sizes))} "
                     f"(one error moves an accuracy by {one:.2g} points)")
    return lines


def run_header(profile, records: list[ResultRecord], sources: dict[str, str] | None = None,
               ) -> list[tuple[str, list[str]]]:
    """``[(part title, lines)]`` for every part with records, in study order."""
    from digitstudy.config import load_profile

    study = load_profile("paper")
    parts = [p for p in PART_TITLES if any(r.part == p for r in records)]
    return [(PART_TITLES[p], part_lines(p, profile, study, records, sources)) for p in parts]


def header_markdown(header: list[tuple[str, list[str]]]) -> list[str]:
    out: list[str] = []
    for title, lines in header:
        out += [f"**{title}**", ""] + [f"- {line}" for line in lines] + [""]
    return out
