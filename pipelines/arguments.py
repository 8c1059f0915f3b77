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


DATASETS = ("fsdd", "mnist")
# The study pipeline's parameters (the signature of ``study`` in pipelines/study.py), named once:
# every run argument a local run or a submit passes is built from these
# (tests/pipeline/test_pipeline_parameters.py checks them against the signature).
PROFILE_NAME = "profile_name"
PARTS = "parts"
DATA_FINGERPRINT = "data_fingerprint"
RUN_ID = "run_id"


def source_parameter(dataset: str) -> str:
    """The pipeline parameter that says where ``dataset`` (one of :data:`DATASETS`) comes from."""
    return f"{dataset}_source"


PIPELINE_PARAMETERS = (PROFILE_NAME, PARTS, *map(source_parameter, DATASETS), DATA_FINGERPRINT,
                       RUN_ID)


def pipeline_arguments(data_dir: str | Path | None, run_id: str) -> dict:
    """``data_dir``: a folder holding fsdd/ and mnist/ (each fetch step looks inside), an
    ``s3://<bucket>[/prefix]`` holding them (as ``make data-upload`` writes them: each source
    is ``<root>/fsdd`` and ``<root>/mnist``), or None (the canonical URLs)."""
    text = str(data_dir or "")
    if text.startswith("s3://"):
        sources = {name: f"{text.rstrip('/')}/{name}" for name in DATASETS}
    else:
        sources = dict.fromkeys(DATASETS, str(Path(text).resolve()) if text else "")
    return {source_parameter(name): source for name, source in sources.items()} | {RUN_ID: run_id}
