"""A tool a test needs but the machine lacks: a skip locally, a failure in CI.

`.ci/run` installs every tool the tests use (kubectl/kustomize, shellcheck, Chromium, the
Docker engine), so under ``CI=true`` a missing one means the install broke, and the tests
that need it must fail, naming it, instead of passing as skipped. Outside CI the test skips
with the reason and the command that installs what is missing."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_tool(tool: str, reason: str, install: str) -> None:
    """Skip (locally) or fail (CI=true) the calling test: ``tool`` is missing."""
    message = f"{tool} missing: {reason}; install it with: {install}"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)

