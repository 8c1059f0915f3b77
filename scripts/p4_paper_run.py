"""Paper-profile Problem 4 run (Parts A and B) on a local data folder, resumable per cell.

Runs the real steps (fetch-mnist, p4a-attention-mnist; fetch-fsdd, spectrogram-images,
p4b-attention-speech) with the ``paper`` profile, one model x seed cell at a time, each in
``OUT/<part>/<model>-seed<seed>/``. A cell whose ``record.json`` exists is skipped, so a
stopped run resumes from its finished cells. Every finished cell appends one line to
``OUT/cells.jsonl`` (accuracy, fit seconds, wall seconds, load average before and after);
after each part the report over every finished cell is rewritten to ``OUT/report/``
(``--report-only``: just that).

Run it inside ``flock /tmp/digitstudy-heavy.lock nice -n 10`` (Part B takes minutes per
cell on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from digitstudy import steps
from digitstudy.config import load_profile
from digitstudy.features.spectrogram import IMAGES_FILE
from digitstudy.logs import load_average, setup_logging
from digitstudy.reporting.records import RECORD_FILE, load_record
from digitstudy.reporting.report import write_report
from digitstudy.reporting.seed_tables import attention_seed_tables
from digitstudy.reporting.significance import SignificanceSettings
from digitstudy.runner import run_step

log = logging.getLogger("p4_paper_run")
PARTS = {"p4a": steps.P4A_ATTENTION_MNIST, "p4b": steps.P4B_ATTENTION_SPEECH}


def prepare(part: str, profile, data: Path, out: Path) -> dict[str, Path]:
    """The step's data input, made once (a later run reuses it)."""
    if part == "p4a":
        if not any((out / "mnist").glob("*")):
            run_step(steps.FETCH_MNIST, profile, dataset=out / "mnist", source=str(data / "mnist"))
        if not any((out / "p4a-reduced").glob("*")):
            run_step(steps.P4A_REDUCED_MNIST, profile, dataset=out / "mnist",
                     reduced=out / "p4a-reduced")
        return {"reduced": out / "p4a-reduced"}
    if not (out / "images" / IMAGES_FILE).is_file():
        run_step(steps.FETCH_FSDD, profile, dataset=out / "fsdd", source=str(data / "fsdd"))
        t0 = time.perf_counter()
        run_step(steps.SPECTROGRAM_IMAGES, profile, dataset=out / "fsdd", images=out / "images")
        log.info("spectrogram-images: %.0f s", time.perf_counter() - t0)
    return {"images": out / "images"}


def run_cells(part: str, profile, inputs: dict[str, Path], out: Path,
              models: list[str] | None, seeds: list[int] | None) -> None:
    import keras

    cfg = getattr(profile, part)
    for seed in seeds or cfg.seeds:
        for model in [m for m in cfg.models if models is None or m in models]:
            result = out / part / f"{model}-seed{seed}"
            if (result / RECORD_FILE).is_file():
                log.info("%s %s seed %d: done, skipped", part, model, seed)
                continue
            before, t0 = load_average(), time.perf_counter()
            rec = run_step(PARTS[part], profile, **inputs, result=result, model=model, seed=seed)
            line = {"part": part, "model": model, "seed": seed,
                    "test_accuracy": rec.metrics["test_accuracy"],
                    "train_seconds": round(rec.train_seconds, 2),
                    "wall_seconds": round(time.perf_counter() - t0, 1),
                    "loadavg_before": before, "loadavg_after": load_average(),
                    "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            with (out / "cells.jsonl").open("a") as f:
                f.write(json.dumps(line) + "\n")
            log.info("cell %s", json.dumps(line))
            keras.backend.clear_session()


def report(profile, out: Path) -> None:
    """The report over every finished cell (a failure is logged: the cells are what count,
    and ``--report-only`` redoes it)."""
    dirs = sorted(d.parent for d in out.glob(f"p4*/*/{RECORD_FILE}"))
    try:
        if dirs:
            write_report([load_record(d) for d in dirs], out / "report", "p4-paper-local",
                         profile.name, record_dirs=dirs, profile=profile,
                         study_scale=profile.study_scale)
    except Exception:  # noqa: BLE001 - keep running the remaining cells
        log.exception("report over %d cells failed", len(dirs))


def markdown(profile, out: Path) -> str:
    """Per table, every finished cell over its seeds (``reporting.seed_tables``)."""
    records = [load_record(d.parent) for d in sorted(out.glob(f"p4*/*/{RECORD_FILE}"))]
    return attention_seed_tables(records, SignificanceSettings.of(profile.statistics))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--parts", default="p4a,p4b")
    parser.add_argument("--models", default="", help="comma list (default: the profile's)")
    parser.add_argument("--seeds", default="", help="comma list (default: the profile's)")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--markdown", action="store_true",
                        help="print the per-seed tables of the finished cells and stop")
    args = parser.parse_args()
    setup_logging()
    profile = load_profile(args.profile)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.markdown:
        print(markdown(profile, args.out))
        return
    models = [m for m in args.models.split(",") if m] or None
    seeds = [int(s) for s in args.seeds.split(",") if s] or None
    for part in [] if args.report_only else args.parts.split(","):
        if part not in PARTS:
            raise SystemExit(f"--parts: {part!r} is not one of {sorted(PARTS)}")
        t0 = time.perf_counter()
        run_cells(part, profile, prepare(part, profile, args.data_dir, args.out), args.out,
                  models, seeds)
        log.info("%s: %.0f s wall", part, time.perf_counter() - t0)
        report(profile, args.out)
    report(profile, args.out)


if __name__ == "__main__":
    main()
