"""Registry of the study's steps: one plain library function each.

A step function takes the validated profile, input/output directories (``Path``) and
scalar parameters as keyword arguments, writes its outputs, and returns a
``ResultRecord`` (experiments) or ``None`` (data preparation). Both the CLI and the KFP
components call steps through :func:`run_step`, so a step behaves the same everywhere.
Targets are imported lazily: listing steps does not import TensorFlow.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digitstudy.config import Profile, load_profile, profile_from_dict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    target: str  # "module:function"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    params: dict[str, type] = field(default_factory=dict)
    help: str = ""

    def load(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step("fetch-fsdd", "digitstudy.data.fsdd:fetch_step", outputs=("dataset",),
             params={"source": str}, help="FSDD recordings from a folder, MinIO or the canonical archive"),
        Step("mfcc-features", "digitstudy.features.mfcc:mfcc_step", inputs=("dataset",),
             outputs=("features",), help="MFCC sequences, 70/15/15 split, train-frame z-score"),
        Step("p1-baseline", "digitstudy.experiments.problem1:baseline_step", inputs=("features",),
             outputs=("result",), params={"seed": int}, help="mean-MFCC MLP (study 1.1)"),
        Step("p1-autoencoder", "digitstudy.experiments.problem1:autoencoder_step",
             inputs=("features",), outputs=("result",), params={"bottleneck": int, "seed": int},
             help="padded-MFCC autoencoder + MLP for one bottleneck (study 1.2)"),
        Step("p1-utterance-embedding", "digitstudy.experiments.problem1:utterance_step",
             inputs=("features",), outputs=("result",), params={"seed": int},
             help="two-frame AE + merger embedding + improved MLP (study 1.3)"),
        Step("aggregate-results", "digitstudy.reporting.report:aggregate_step", inputs=("results",),
             outputs=("report",), params={"run_id": str},
             help="comparison tables beside the study's values, plots, report"),
    ]
}


def as_profile(profile: Profile | dict | str | Path) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, dict):
        return profile_from_dict(profile)
    return load_profile(profile)


def run_step(name: str, profile: Profile | dict | str | Path, **kwargs: Any) -> Any:
    if name not in STEPS:
        raise KeyError(f"unknown step {name!r}; known steps: {', '.join(STEPS)}")
    step = STEPS[name]
    expected = set(step.inputs) | set(step.outputs) | set(step.params)
    unknown = set(kwargs) - expected
    missing = expected - set(kwargs)
    if unknown or missing:
        raise TypeError(
            f"step {name}: unknown arguments {sorted(unknown)}, missing {sorted(missing)}"
        )
    args = {k: (Path(v) if k in step.inputs or k in step.outputs else v) for k, v in kwargs.items()}
    log.info("step %s: %s", name, {k: str(v) for k, v in args.items()})
    return step.load()(as_profile(profile), **args)
