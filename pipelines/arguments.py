"""Pipeline arguments from a profile: the same for a local run, a compile and a submit."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from digitstudy.config import Profile
from digitstudy.plan import IMPLEMENTED_PARTS, parse_parts


def short_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def make_run_id(profile: Profile) -> str:
    return f"{profile.name}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{short_commit()}"


def pipeline_arguments(profile: Profile, parts: str | None, data_dir: str | Path | None,
                       run_id: str) -> dict:
    """``data_dir`` is a folder holding fsdd/ and mnist/, an s3:// prefix, or None (canonical URLs)."""
    selected = parse_parts(parts or ",".join(IMPLEMENTED_PARTS))
    source = "" if not data_dir else str(data_dir if str(data_dir).startswith("s3://")
                                         else Path(data_dir).resolve())
    return {"profile": profile.as_parameter(), "parts": ",".join(selected),
            "fsdd_source": source, "mnist_source": source, "run_id": run_id}
