"""Run arguments from a profile: the same for a local run, a compile and a submit.

The profile and parts are bound when the DAG is built (``build_study``); the run arguments
are only where the data comes from and the run's id."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from digitstudy.config import Profile


def short_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def make_run_id(profile: Profile) -> str:
    return f"{profile.name}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{short_commit()}"


def pipeline_arguments(data_dir: str | Path | None, run_id: str) -> dict:
    """``data_dir`` is a folder holding fsdd/ and mnist/, an s3:// prefix, or None (canonical URLs)."""
    source = "" if not data_dir else str(data_dir if str(data_dir).startswith("s3://")
                                         else Path(data_dir).resolve())
    return {"fsdd_source": source, "mnist_source": source, "run_id": run_id}
