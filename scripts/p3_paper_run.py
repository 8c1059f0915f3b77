"""Paper-profile Problem 3 run on a local MNIST folder: GAN(s), quality, the Table 5 row(s).

Runs the real steps (fetch-mnist, reduced-mnist, p3-train-gan(-full), p3-synthesize, p3-gan-quality,
p3-synthetic-cell) with the ``paper`` profile and prints each step's wall time and the
Table 5 row(s) beside the study. With only the 10k ``t10k`` digits (no MNIST train split),
ReducedMNIST cannot hold 1000 train + 200 test per class: the script lowers
``p2.reduced.train_per_class`` (and the GAN-test reference size) to what the data allows
and says so. ``--epochs`` / ``--full-epochs`` run fewer GAN epochs than the paper's 75
(the checkpoint of a longer run that was stopped is resumed, never retrained). Finished
outputs (GAN, quality record, cells) are kept while they are newer than what they were made
from, so a rerun only does what is missing or stale.

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

from digitstudy.config import load_profile, profile_from_dict
from digitstudy.config.p3 import FILTERED
from digitstudy.data.reduced_mnist import load_source
from digitstudy.experiments.gan_grid import GAN_META, SYNTHETIC_META
from digitstudy.logs import setup_logging
from digitstudy.reporting.records import RECORD_FILE, load_record
from digitstudy.reporting.study_values import study_tables
from digitstudy.steps import run_step


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


def timed(label: str, times: dict, name: str, profile, **kwargs):
    t0 = time.perf_counter()
    out = run_step(name, profile, **kwargs)
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
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--variants", default="",
                        help="comma-separated labelled rows: p3.variants labels and/or filtered")
    args = parser.parse_args()
    setup_logging()
    out = Path(args.out)
    times: dict[str, float] = {}
    timed("fetch-mnist", times, "fetch-mnist", "paper", dataset=out / "dataset",
          source=args.data_dir)
    prof, notes = local_profile(out / "dataset", args.epochs)
    profile = profile_from_dict(prof, source="paper (local data)")
    for n in notes:
        print(f"[note] {n}", flush=True)
    timed("reduced-mnist", times, "reduced-mnist", profile, dataset=out / "dataset",
          reduced=out / "reduced")
    kinds = {"specific": str(args.real_size)}
    if args.full_epochs:
        kinds["full"] = "full"
    for kind, ts in kinds.items():
        p = profile if kind == "specific" else profile_from_dict(
            {**prof, "p3": {**prof["p3"], "train": {**prof["p3"]["train"],
                                                     "epochs": args.full_epochs}}})
        if kind == "specific":
            timed(f"p3-train-gan {ts}", times, "p3-train-gan", p, reduced=out / "reduced",
                  gan=out / f"gan_{ts}", real_size=args.real_size)
        else:
            timed(f"p3-train-gan-full {ts}", times, "p3-train-gan-full", p,
                  dataset=out / "dataset", reduced=out / "reduced", gan=out / f"gan_{ts}")
        if up_to_date(out / f"quality_{ts}", out / f"gan_{ts}" / GAN_META):
            rec = load_record(out / f"quality_{ts}")
        else:
            timed(f"p3-synthesize {ts}", times, "p3-synthesize", p, gan=out / f"gan_{ts}",
                  synthetic=out / f"synthetic_{ts}", variant="")
            rec = timed(f"gan-quality {ts}", times, "p3-gan-quality", p, reduced=out / "reduced",
                        gan=out / f"gan_{ts}", synthetic=out / f"synthetic_{ts}",
                        result=out / f"quality_{ts}")
        print(f"[quality {ts}] " + json.dumps({k: round(v, 4) for k, v in rec.metrics.items()}),
              flush=True)
    study = study_tables()["table_5"].get(args.real_size, {})
    rows = []
    for count in profile.p3.synthetic_counts:
        for kind in (["specific"] if count == 0 else list(kinds)):
            result = out / f"cell_{count}_{kind}"
            label = f"cell {args.real_size}+{count} {kind}"
            pool = [out / f"synthetic_{kinds[kind]}" / SYNTHETIC_META] if count else []
            if not up_to_date(result, *pool):
                timed(label, times, "p3-synthetic-cell", profile, reduced=out / "reduced",
                      synthetic=out / f"synthetic_{kinds[kind]}", result=result,
                      real_size=args.real_size, synthetic_count=count, gan_kind=kind,
                      seed=args.seed)
            acc = load_record(result).metrics["test_accuracy"]
            ref = study.get(count)
            ref = ref if count == 0 or ref is None else ref[0 if kind == "specific" else 1]
            rows.append((count, kind if count else "none", acc, ref))
    print(f"\nTable 5, {args.real_size} real per class (run vs study)")
    for count, kind, acc, ref in rows:
        delta = f"{acc - ref:+.4f}" if ref is not None else "n/a"
        print(f"  synthetic {count:>5} {kind:<8} run {acc:.4f}  study {ref}  delta {delta}")
    for variant in filter(None, args.variants.split(",")):
        variant_row(profile, out, args.real_size, variant, args.seed, times, study)
    print("\nwall times (s): " + json.dumps({k: round(v) for k, v in times.items()}))


def variant_row(profile, out: Path, size: int, variant: str, seed: int, times: dict,
                study: dict) -> None:
    """One labelled Table 5 row: its GAN (shared when only synthesis changes), pool, quality
    and cells, printed beside the study's specific-GAN values."""
    known = {v.label: v for v in profile.p3.variants}
    if variant != FILTERED and variant not in known:
        raise SystemExit(f"--variants: {variant!r} is not in p3.variants "
                         f"({', '.join(known)}) nor {FILTERED!r}")
    own_gan = variant in profile.p3.gan_variant_labels
    gan = out / (f"gan_{size}_{variant}" if own_gan else f"gan_{size}")
    if own_gan:
        timed(f"p3-train-gan-variant {variant}", times, "p3-train-gan-variant", profile,
              reduced=out / "reduced", gan=gan, real_size=size, variant=variant)
    syn, qual = out / f"synthetic_{size}_{variant}", out / f"quality_{size}_{variant}"
    if not up_to_date(qual, gan / GAN_META):
        timed(f"p3-synthesize-variant {variant}", times, "p3-synthesize-variant", profile,
              reduced=out / "reduced", gan=gan, synthetic=syn, real_size=size, variant=variant)
        timed(f"gan-quality {variant}", times, "p3-gan-quality", profile,
              reduced=out / "reduced", gan=gan, synthetic=syn, result=qual)
    rec = load_record(qual)
    print(f"[quality {size} {variant}] " + json.dumps(
        {k: round(v, 4) for k, v in rec.metrics.items()}), flush=True)
    meta = json.loads((syn / SYNTHETIC_META).read_text())
    if "filter" in meta:
        print(f"[filter {variant}] " + json.dumps(meta["filter"]), flush=True)
    rows = []
    for count in [c for c in profile.p3.synthetic_counts if c]:
        result = out / f"cell_{count}_{variant}"
        if not up_to_date(result, syn / SYNTHETIC_META):
            timed(f"cell {size}+{count} {variant}", times, "p3-synthetic-cell", profile,
                  reduced=out / "reduced", synthetic=syn, result=result, real_size=size,
                  synthetic_count=count, gan_kind="specific", seed=seed)
        ref = study.get(count)
        rows.append((count, load_record(result).metrics["test_accuracy"],
                     None if ref is None else ref[0]))
    print(f"\nTable 5, {size} real per class [{variant}] (run vs study, specific GAN)")
    for count, acc, ref in rows:
        delta = f"{acc - ref:+.4f}" if ref is not None else "n/a"
        print(f"  synthetic {count:>5} run {acc:.4f}  study {ref}  delta {delta}")


if __name__ == "__main__":
    main()
