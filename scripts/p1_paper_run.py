"""Paper-profile Problem 1 run on a local FSDD folder, one record per cell, resumable.

Runs the real steps (fetch-fsdd, mfcc-features, p1-baseline, p1-autoencoder,
p1-utterance-embedding) with the ``paper`` profile, in priority order:

1. ``core``: per seed, the baseline, Approach B (with its two diagnostics) and the 300D
   Approach A cell under each L2 scope (``p1.autoencoder.l2_scope`` and its variants);
2. ``speakers``: the baseline per seed and Approach A at ``--speaker-bottleneck`` (each
   scope, the first seed) under the speaker-independent split;
3. ``sweep``: every other bottleneck under each scope, for ``--sweep-seeds``.

Each cell writes ``cells/<name>/record.json`` when it finishes and is skipped when that
exists, so a stopped run resumes at its first unfinished cell. ``times.jsonl`` gets one
line per cell run: wall seconds, the load average before and after, and the other busy
processes when it started. ``--summary`` prints the finished cells (per seed, mean ± sd)
beside the study's values, as Markdown.

Run it inside ``flock /tmp/digitstudy-heavy.lock nice -n 10`` (hours on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

from digitstudy import steps
from digitstudy.config import load_profile
from digitstudy.logs import load_average, setup_logging
from digitstudy.reporting.records import RECORD_FILE, load_records
from digitstudy.reporting.seed_tables import p1_seed_table
from digitstudy.runner import run_step


def busy_processes() -> list[str]:
    """The other processes using CPU now (``ps``), for the record of what else ran."""
    out = subprocess.run(["ps", "-eo", "pcpu,etime,args", "--sort=-pcpu", "--no-headers"],
                         capture_output=True, text=True, check=False).stdout.splitlines()
    return [" ".join(line.split())[:160] for line in out[:6] if float(line.split()[0]) >= 20]


def cells(profile, seeds: list[int], sweep_seeds: list[int], speaker_bottleneck: int,
          phases: list[str]):
    """(name, step, params) of every cell, in the order they run."""
    scopes = profile.p1.autoencoder.l2_scopes
    speakers = profile.p1.splits.kinds.index("speakers")
    plan = {
        "core": [cell for s in seeds for cell in (
            (f"baseline_s{s}", steps.P1_BASELINE, {"seed": s, "split_index": 0}),
            *((f"ae300_{sc}_s{s}", steps.P1_AUTOENCODER,
               {"bottleneck": 300, "l2_scope": sc, "seed": s, "split_index": 0}) for sc in scopes),
            (f"utterance_s{s}", steps.P1_UTTERANCE_EMBEDDING, {"seed": s}))],
        "speakers": [
            *((f"speakers_baseline_s{s}", steps.P1_BASELINE, {"seed": s, "split_index": speakers})
              for s in seeds),
            *((f"speakers_ae{speaker_bottleneck}_{sc}_s{seeds[0]}", steps.P1_AUTOENCODER,
               {"bottleneck": speaker_bottleneck, "l2_scope": sc, "seed": seeds[0],
                "split_index": speakers}) for sc in scopes)],
        "sweep": [(f"ae{b}_{sc}_s{s}", steps.P1_AUTOENCODER,
                   {"bottleneck": b, "l2_scope": sc, "seed": s, "split_index": 0})
                  for s in sweep_seeds for b in profile.p1.autoencoder.bottleneck_dims
                  if not (b == 300 and s in seeds) for sc in scopes],
    }
    return [c for phase in phases for c in plan[phase]]


def run_cells(profile, out: Path, todo) -> None:
    features = out / "features"
    for name, step, params in todo:
        result = out / "cells" / name
        if (result / RECORD_FILE).is_file():
            continue
        started = {"cell": name, "start": time.strftime("%H:%M:%S"), "load_before": load_average(),
                   "others": busy_processes()}
        print(f"[cell] {name} started {started['start']} load {started['load_before']}", flush=True)
        t0 = time.perf_counter()
        tmp = result.with_name(name + ".partial")
        run_step(step, profile, features=features, result=tmp, **params)
        tmp.rename(result)  # a record exists only for a finished cell
        line = {**started, "seconds": round(time.perf_counter() - t0, 1),
                "load_after": load_average()}
        with (out / "times.jsonl").open("a") as f:
            f.write(json.dumps(line) + "\n")
        print(f"[time] {name}: {line['seconds']:.0f}s", flush=True)


def summary(out: Path) -> str:
    """The finished cells as Markdown rows (``reporting.seed_tables.p1_seed_table``)."""
    times = {}
    if (out / "times.jsonl").is_file():
        for line in (out / "times.jsonl").read_text().splitlines():
            t = json.loads(line)
            times[t["cell"]] = t["seconds"]
    cells = [(r, times.get(cell_dir.name)) for cell_dir in sorted((out / "cells").iterdir())
             if cell_dir.suffix != ".partial" and (cell_dir / RECORD_FILE).is_file()
             for r in load_records([cell_dir])]
    return p1_seed_table(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="paper",
                        help="a profile name or YAML (tiny: a smoke test)")
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--out", default="/work/runs/p1/paper")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--sweep-seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--speaker-bottleneck", type=int, default=None,
                        help="Approach A bottleneck under the speaker split (default: "
                             "p1.splits.bottleneck of the profile)")
    parser.add_argument("--phases", nargs="+", default=["core", "speakers", "sweep"],
                        choices=["core", "speakers", "sweep"])
    parser.add_argument("--summary", action="store_true", help="print the finished cells and exit")
    args = parser.parse_args()
    out = Path(args.out)
    if args.summary:
        print(summary(out))
        return
    setup_logging()
    profile = load_profile(args.profile)
    for step, kwargs in ((steps.FETCH_FSDD, {"dataset": out / "dataset", "source": args.data_dir}),
                         ("mfcc-features", {"dataset": out / "dataset",
                                            "features": out / "features"})):
        done = out / f".{step.name}.done"
        if not done.is_file():
            t0 = time.perf_counter()
            run_step(step, profile, **kwargs)
            done.write_text(f"{time.perf_counter() - t0:.1f}\n")
            print(f"[time] {step.name}: {done.read_text().strip()}s", flush=True)
    bottleneck = args.speaker_bottleneck or profile.p1.splits.bottleneck
    run_cells(profile, out, cells(profile, args.seeds, args.sweep_seeds, bottleneck, args.phases))
    print(summary(out))


if __name__ == "__main__":
    main()
