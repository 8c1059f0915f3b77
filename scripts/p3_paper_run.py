"""Paper-profile Problem 3 run on a local MNIST folder: GAN(s), quality, the Table 5 row(s).

Runs the real steps (fetch-mnist, reduced-mnist, p3-train-gan(-full), p3-synthesize, p3-gan-quality,
p3-synthetic-cell) with the ``paper`` profile and prints each step's wall time and the
Table 5 row(s) beside the study. With only the 10k ``t10k`` digits (no MNIST train split),
ReducedMNIST cannot hold 1000 train + 200 test per class: the script lowers
``p2.reduced.train_per_class`` (and the GAN-test reference size) to what the data allows
and says so. ``--epochs`` / ``--full-epochs`` run fewer GAN epochs than the paper's 75
(the checkpoint of a longer run that was stopped is resumed, never retrained). Finished
outputs (GAN, quality record, cells) are kept while they are newer than what they were made
from, so a rerun only does what is missing or stale. Every cell runs once per classifier seed
(``--seeds``, default the profile's ``p3.seeds``) into ``cell_<count>_<pool>-seed<seed>``;
``OUT/cells.jsonl`` gets each cell's wall time and load average. The Table 5 printed at the
end (markdown) has mean +/- sd over seeds and each cell's difference to the real-only
baseline with its SE and the paired permutation p (Holm-adjusted).

``--variants filtered,stock-aux-bn`` adds labelled Table 5 rows (``p3.variants`` labels, or
``filtered`` for ``p3.filter``) with their own quality: a variant that changes only synthesis
(and ``filtered``) reuses the default GAN; one that changes the GAN trains its own
(``p3-train-gan-variant``) into ``gan_<size>_<label>``.

Run it inside ``flock /tmp/digitstudy-heavy.lock`` (it takes hours on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from digitstudy import steps
from digitstudy.config import load_profile, profile_from_dict
from digitstudy.config.p3 import FILTERED
from digitstudy.data.reduced_mnist import load_source
from digitstudy.experiments.gan_grid import GAN_META, SYNTHETIC_META
from digitstudy.logs import load_average, setup_logging
from digitstudy.reporting.records import RECORD_FILE, ResultRecord, load_record
from digitstudy.reporting.seed_tables import table5_over_seeds
from digitstudy.reporting.significance import SignificanceSettings
from digitstudy.runner import run_step


def local_profile(data: Path, epochs: int | None) -> tuple[dict, list[str]]:
    """The paper profile, with the ReducedMNIST size the local data allows."""
    prof = load_profile("paper").model_dump(mode="json")
    notes = []
    source = load_source(data)
    if "train" not in source.splits:
        (_, (_, y)), = source.splits.items()
        test = prof["p2"]["reduced"]["test_per_class"]
        most = int(np.bincount(y, minlength=10).min()) - test
        if most < prof["p2"]["reduced"]["train_per_class"]:
            prof["p2"]["reduced"]["train_per_class"] = most
            prof["p3"]["quality"]["reference_real_size"] = most
            prof["p2"]["real_sizes"] = [s for s in prof["p2"]["real_sizes"] if s <= most]
            prof["p3"]["real_sizes"] = [s for s in prof["p3"]["real_sizes"] if s <= most]
            prof["p3"]["train_sets"] = [s for s in prof["p3"]["train_sets"]
                                        if s == "full" or int(s) <= most]
            notes.append(f"no MNIST train split in {data}: ReducedMNIST = {most} train + {test} "
                         f"test per class (not 1000 + 200); GAN-test reference CNN on {most} "
                         "real per class")
    if epochs:
        prof["p3"]["train"]["epochs"] = epochs
        notes.append(f"GAN epochs {epochs} (paper: 75)")
    prof["name"] = "paper-local"
    return prof, notes


def up_to_date(result: Path, *made_from: Path) -> bool:
    """``result`` has a record written after every file it was made from (e.g. not a
    quality record of an earlier, shorter GAN run in the same folder)."""
    record = result / RECORD_FILE
    return record.is_file() and all(record.stat().st_mtime >= f.stat().st_mtime for f in made_from)


def timed(label: str, times: dict, step, profile, **kwargs):
    t0 = time.perf_counter()
    out = run_step(step, profile, **kwargs)
    times[label] = time.perf_counter() - t0
    print(f"[time] {label}: {times[label]:.0f}s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="local_outputs/p3_paper")
    parser.add_argument("--real-size", type=int, default=300)
    parser.add_argument("--epochs", type=int, help="specific GAN epochs (default: the paper's)")
    parser.add_argument("--full-epochs", type=int, default=0,
                        help="train the 'full' GAN for this many epochs (0: skip the full column)")
    parser.add_argument("--seeds", type=lambda v: [int(s) for s in v.split(",")],
                        help="comma-separated classifier seeds (default: the profile's p3.seeds)")
    parser.add_argument("--variants", default="",
                        help="comma-separated labelled rows: p3.variants labels and/or filtered")
    args = parser.parse_args()
    setup_logging()
    out = Path(args.out)
    times: dict[str, float] = {}
    timed("fetch-mnist", times, steps.FETCH_MNIST, "paper", dataset=out / "dataset",
          source=args.data_dir)
    prof, notes = local_profile(out / "dataset", args.epochs)
    profile = profile_from_dict(prof, source="paper (local data)")
    for n in notes:
        print(f"[note] {n}", flush=True)
    timed("reduced-mnist", times, steps.REDUCED_MNIST, profile, dataset=out / "dataset",
          reduced=out / "reduced")
    kinds = {"specific": str(args.real_size)}
    if args.full_epochs:
        kinds["full"] = "full"
    for kind, ts in kinds.items():
        p = profile if kind == "specific" else profile_from_dict(
            {**prof, "p3": {**prof["p3"], "train": {**prof["p3"]["train"],
                                                     "epochs": args.full_epochs}}})
        if kind == "specific":
            timed(f"p3-train-gan {ts}", times, steps.P3_TRAIN_GAN, p, reduced=out / "reduced",
                  gan=out / f"gan_{ts}", real_size=args.real_size)
        else:
            timed(f"p3-train-gan-full {ts}", times, steps.P3_TRAIN_GAN_FULL, p,
                  dataset=out / "dataset", reduced=out / "reduced", gan=out / f"gan_{ts}")
        if up_to_date(out / f"quality_{ts}", out / f"gan_{ts}" / GAN_META):
            rec = load_record(out / f"quality_{ts}")
        else:
            timed(f"p3-synthesize {ts}", times, steps.P3_SYNTHESIZE, p, gan=out / f"gan_{ts}",
                  synthetic=out / f"synthetic_{ts}", variant="")
            rec = timed(f"gan-quality {ts}", times, steps.P3_GAN_QUALITY, p,
                        reduced=out / "reduced",
                        gan=out / f"gan_{ts}", synthetic=out / f"synthetic_{ts}",
                        result=out / f"quality_{ts}")
        print(f"[quality {ts}] " + json.dumps({k: round(v, 4) for k, v in rec.metrics.items()}),
              flush=True)
    seeds = args.seeds or profile.p3.seeds
    rows: dict[str, dict[int, list[ResultRecord]]] = {}
    for count in profile.p3.synthetic_counts:
        for kind in (["specific"] if count == 0 else list(kinds)):
            rows.setdefault("none" if count == 0 else kind, {})[count] = [
                cell(profile, out, times, size=args.real_size, count=count, kind=kind,
                     pool=out / f"synthetic_{kinds[kind]}", seed=seed) for seed in seeds]
    for variant in filter(None, args.variants.split(",")):
        pool = variant_pool(profile, out, args.real_size, variant, times)
        rows[variant] = {count: [cell(profile, out, times, size=args.real_size, count=count,
                                      kind=variant, pool=pool, seed=seed) for seed in seeds]
                         for count in profile.p3.synthetic_counts if count}
    print("\n" + table5_over_seeds(rows, SignificanceSettings.of(profile.statistics),
                                   args.real_size), flush=True)
    print("\nwall times (s): " + json.dumps({k: round(v) for k, v in times.items()}))


def cell(profile, out: Path, times: dict, *, size: int, count: int, kind: str, pool: Path,
         seed: int) -> ResultRecord:
    """One Table 5 cell (``size`` real + ``count`` synthetic per class from ``pool``; ``kind``
    is the GAN or the variant label) for one classifier seed, in ``cell_<count>_<kind>-seed<s>``;
    kept while newer than its pool. Every cell run appends its wall time and load average to
    ``OUT/cells.jsonl``."""
    result = out / f"cell_{count}_{kind}-seed{seed}"
    made_from = [pool / SYNTHETIC_META] if count else []
    if up_to_date(result, *made_from):
        return load_record(result)
    label, before = f"cell {size}+{count} {kind} seed {seed}", load_average()
    rec = timed(label, times, steps.P3_SYNTHETIC_CELL, profile, reduced=out / "reduced",
                synthetic=pool, result=result, real_size=size, synthetic_count=count,
                gan_kind="full" if kind == "full" else "specific", seed=seed)
    line = {"real": size, "synthetic": count, "pool": kind, "seed": seed,
            "test_accuracy": rec.metrics["test_accuracy"],
            "train_seconds": round(rec.train_seconds, 1), "wall_seconds": round(times[label], 1),
            "loadavg_before": before, "loadavg_after": load_average(),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with (out / "cells.jsonl").open("a") as f:
        f.write(json.dumps(line) + "\n")
    return rec


def variant_pool(profile, out: Path, size: int, variant: str, times: dict) -> Path:
    """A labelled row's synthetic pool (and its GAN: the row's own when the variant changes
    how the GAN trains, else the default one) with its quality record, printed."""
    known = {v.label: v for v in profile.p3.variants}
    if variant != FILTERED and variant not in known:
        raise SystemExit(f"--variants: {variant!r} is not in p3.variants "
                         f"({', '.join(known)}) nor {FILTERED!r}")
    own_gan = variant in profile.p3.gan_variant_labels
    gan = out / (f"gan_{size}_{variant}" if own_gan else f"gan_{size}")
    if own_gan:
        timed(f"p3-train-gan-variant {variant}", times, steps.P3_TRAIN_GAN_VARIANT, profile,
              reduced=out / "reduced", gan=gan, real_size=size, variant=variant)
    syn, qual = out / f"synthetic_{size}_{variant}", out / f"quality_{size}_{variant}"
    if not up_to_date(qual, gan / GAN_META):
        timed(f"p3-synthesize-variant {variant}", times, steps.P3_SYNTHESIZE_VARIANT, profile,
              reduced=out / "reduced", gan=gan, synthetic=syn, real_size=size, variant=variant)
        timed(f"gan-quality {variant}", times, steps.P3_GAN_QUALITY, profile,
              reduced=out / "reduced", gan=gan, synthetic=syn, result=qual)
    rec = load_record(qual)
    print(f"[quality {size} {variant}] " + json.dumps(
        {k: round(v, 4) for k, v in rec.metrics.items()}), flush=True)
    meta = json.loads((syn / SYNTHETIC_META).read_text())
    if "filter" in meta:
        print(f"[filter {variant}] " + json.dumps(meta["filter"]), flush=True)
    return syn

if __name__ == "__main__":
    main()
