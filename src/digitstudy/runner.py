"""Running a registry step (:mod:`digitstudy.steps`): the one way the CLI, the KFP components
and the scripts call a step, so a step behaves the same everywhere.

A step function takes the :class:`SettingsView` of the settings its step declares, its
input/output directories (``Path``) and scalar parameters as keyword arguments, writes its
outputs and returns a ``ResultRecord`` (experiments) or ``None`` (data preparation).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from digitstudy.backend import use_backend
from digitstudy.config import Profile, load_profile
from digitstudy.config.sections import SettingsView, settings_for
from digitstudy.steps import STEPS, Step

log = logging.getLogger(__name__)


def step_of(step: Step | str) -> Step:
    """A registry step, or the step of that name (the CLI's and the records' spelling)."""
    if isinstance(step, Step):
        return step
    if step not in STEPS:
        raise KeyError(f"unknown step {step!r}; known steps: {', '.join(STEPS)}")
    return STEPS[step]


def step_settings(step: Step | str, profile: Profile) -> dict:
    """The settings a task of ``step`` receives: its declared share of ``profile``."""
    return settings_for(profile, step_of(step).reads)


def settings_view(step: Step | str, profile: Profile | dict | str | Path) -> SettingsView:
    """What ``step`` reads: a profile (or a profile name/path), or a task's settings."""
    step = step_of(step)
    if isinstance(profile, str | Path):
        profile = load_profile(profile)
    settings = settings_for(profile, step.reads) if isinstance(profile, Profile) else profile
    return SettingsView(settings, step.reads, step.name, part=step.part)


def run_step(step: Step | str, profile: Profile | dict | str | Path, **kwargs: Any) -> Any:
    """Run ``step`` on ``profile`` (a profile, its name or path, or a task's settings)."""
    step = step_of(step)
    expected = set(step.inputs) | set(step.outputs) | set(step.params)
    unknown = set(kwargs) - expected
    missing = expected - set(kwargs)
    if unknown or missing:
        raise TypeError(
            f"step {step.name}: unknown arguments {sorted(unknown)}, missing {sorted(missing)}"
        )

    def as_path(v):
        return [Path(x) for x in v] if isinstance(v, list | tuple) else Path(v)

    dirs = {*step.inputs, *step.outputs}
    args = {k: (as_path(v) if k in dirs else v) for k, v in kwargs.items()}
    log.debug("step %s: %s", step.name, {k: str(v) for k, v in args.items()})
    view = settings_view(step, profile)
    if step.trains:
        use_backend(view.backend)  # before the step's module imports Keras
    return step.load()(view, **args)
