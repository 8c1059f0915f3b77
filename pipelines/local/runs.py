"""Run folders of ``make run`` and their pruning (``make clean-runs KEEP=N``).

Each local run lives in ``local_outputs/<run id>/``: kfp.local's artifacts
(``digitstudy-<timestamp>/``), one log per task (``logs/``), the temp folder the steps'
``mktemp -d`` uses (``tmp/``, removed when the run ends) and ``RUN_STATE``: ``running``
while it runs, then ``complete``, ``failed`` or ``interrupted``. A folder whose state is not
``complete`` is a half-finished run and is never mistaken for a finished one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "RUN_STATE"
STATES = ("running", "complete", "failed", "interrupted")


@dataclass(frozen=True)
class RunFolder:
    root: Path

    @classmethod
    def create(cls, outputs: Path, run_id: str) -> RunFolder:
        run = cls(outputs / run_id)
        run.logs.mkdir(parents=True, exist_ok=True)
        run.tmp.mkdir(parents=True, exist_ok=True)
        run.mark("running")
        return run

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def mark(self, state: str, detail: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"run state {state!r}: one of {STATES}")
        (self.root / STATE_FILE).write_text(state + (f"\n{detail}\n" if detail else "\n"))

    @property
    def state(self) -> str:
        path = self.root / STATE_FILE
        return path.read_text().split("\n", 1)[0] if path.is_file() else "unknown"

    def drop_tmp(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _runs(folder: Path) -> list[Path]:
    """Run folders under ``folder``, oldest first (run ids start with the profile and a
    UTC timestamp, so modification time is the honest order across profiles)."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.stat().st_mtime)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest run folders of ``folder``; returns what went."""
    if keep < 0:
        raise ValueError(f"KEEP={keep}: must be 0 or more")
    runs = _runs(folder)
    gone = runs[:max(len(runs) - keep, 0)]
    for path in gone:
        shutil.rmtree(path)
    return gone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Keep only the newest N local runs.")
    parser.add_argument("--keep", type=int, default=3)
    parser.add_argument("folders", nargs="+", type=Path,
                        help="folders of run folders (local_outputs, report/runs)")
    args = parser.parse_args(argv)
    if args.keep < 0:
        parser.error(f"KEEP={args.keep}: must be 0 or more")
    for folder in args.folders:
        gone = prune(folder, args.keep)
        left = len(_runs(folder))
        print(f"{folder}: removed {len(gone)} run(s), kept {left}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
