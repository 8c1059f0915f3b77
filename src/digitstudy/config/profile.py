"""The typed study profile (``tiny`` or ``paper``), loaded from YAML and validated."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, PositiveInt, ValidationError

from digitstudy.config.base import Section
from digitstudy.config.cluster import ClusterConfig
from digitstudy.config.data import DataConfig
from digitstudy.config.p1 import P1Config
from digitstudy.config.p2 import P2Config
from digitstudy.config.p3 import P3Config
from digitstudy.config.p4 import P4aConfig, P4bConfig
from digitstudy.config.statistics import StatisticsConfig
from digitstudy.errors import UserError

BUILTIN_PROFILES = ("tiny", "paper")


class ProfileError(UserError):
    """A profile that does not validate; the message names the source and every bad key."""


class PipelineConfig(Section):
    # Concurrent tasks per dsl.ParallelFor (compile-time in KFP).
    parallelism: PositiveInt


class Profile(Section):
    name: str
    # Per-class sizes of this profile = the study's sizes x study_scale (tiny: 0.1). The
    # report maps each run cell to the study cell it stands for.
    study_scale: float = Field(gt=0, le=1)
    pipeline: PipelineConfig
    data: DataConfig
    p1: P1Config
    p2: P2Config
    p3: P3Config
    p4a: P4aConfig
    p4b: P4bConfig
    statistics: StatisticsConfig  # the report's significance tests
    cluster: ClusterConfig  # placement/resources when compiled for a cluster
    # The Keras backend of the training steps (digitstudy.backend): tensorflow, the study's
    # stack, or jax (faster on GPUs and for the dense models; the `jax` extra).
    backend: Literal["tensorflow", "jax"] = "tensorflow"

    def as_parameter(self) -> dict:
        """The profile as a KFP struct parameter (no nulls: KFP structs cannot carry them,
        so every nullable field defaults to null and is left out)."""
        return self.model_dump(mode="json", exclude_none=True)


def _format_errors(source: str, err: ValidationError) -> str:
    lines = [f"invalid profile {source}:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "<root>"
        if e["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key")
        elif e["type"] == "missing":
            lines.append(f"  {key}: missing key")
        else:
            lines.append(f"  {key}: {e['msg']} (got {e.get('input')!r})")
    return "\n".join(lines)


def profile_from_dict(data: Any, source: str = "<dict>", strict: bool = False) -> Profile:
    """``strict``: types as written (a YAML profile: ``"30"`` or ``32.0`` for a whole number
    is an error naming the key). Not strict: a KFP struct parameter, where protobuf's
    Struct has turned every whole number into a float (google/protobuf/struct.proto)."""
    if not isinstance(data, dict):
        raise ProfileError(f"invalid profile {source}: expected a mapping, got "
                           f"{type(data).__name__}")
    try:
        return Profile.model_validate(data, strict=strict)
    except ValidationError as err:
        raise ProfileError(_format_errors(source, err)) from None


def profile_path(name_or_path: str | Path) -> Path:
    """A built-in profile name (``tiny``, ``paper``) or a path to a YAML file."""
    text = str(name_or_path)
    if text in BUILTIN_PROFILES:
        return Path(str(resources.files("digitstudy") / "profiles" / f"{text}.yaml"))
    path = Path(text)
    if not path.is_file():
        raise ProfileError(
            f"profile {text!r} is neither a built-in profile {BUILTIN_PROFILES} nor a YAML file"
        )
    return path


def load_profile(name_or_path: str | Path) -> Profile:
    path = profile_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ProfileError(f"invalid profile {path}: not valid YAML: {err}") from None
    return profile_from_dict(data, source=str(path), strict=True)
