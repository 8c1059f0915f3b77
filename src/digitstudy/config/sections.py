"""Each step's own share of the profile: the settings a task receives, and the view a step reads.

A step declares the profile paths it reads (``"p1.autoencoder"``, ``"p1.baseline.classifier"``,
``"name"``). The DAG gives its task only those (:func:`settings_for`), so the task's inputs,
and with them its cache key, change only when one of its own settings changes. The step
then reads them through :class:`SettingsView`, which has the attributes of the full profile
for the declared paths and raises, naming the path, for anything else: a step that reads an
undeclared setting fails in every test, not silently on a cluster.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter

from digitstudy.config.profile import Profile, ProfileError


def _field_type(model: type[BaseModel], name: str, path: str):
    field = model.model_fields.get(name)
    if field is None:
        raise KeyError(f"profile has no setting {path!r}")
    return field.annotation


def _model_of(annotation) -> type[BaseModel] | None:
    """The section model an annotation holds (``X`` or ``X | None``), if any."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def annotation_at(path: str):
    """The type annotation of a dotted profile path (a section model or a scalar type)."""
    model: type[BaseModel] | None = Profile
    annotation = Profile
    for i, name in enumerate(path.split(".")):
        if model is None:
            raise KeyError(f"profile setting {'.'.join(path.split('.')[:i])!r} has no "
                           f"sub-setting {name!r} (in {path!r})")
        annotation = _field_type(model, name, path)
        model = _model_of(annotation)
    return annotation


def settings_for(profile: Profile, paths: tuple[str, ...] | list[str]) -> dict:
    """The nested dict of ``profile`` restricted to ``paths`` (JSON-ready, nulls left out as
    in :meth:`Profile.as_parameter`, which KFP struct parameters need)."""
    full = profile.as_parameter()
    out: dict = {}
    for path in paths:
        annotation_at(path)  # an unknown path is an error here, at build time
        src, dst = full, out
        keys = path.split(".")
        for key in keys[:-1]:
            src = src.get(key, {})
            dst = dst.setdefault(key, {})
        if keys[-1] in src:
            dst[keys[-1]] = src[keys[-1]]
    return out


class SettingsView:
    """Attribute access to the declared settings of one step (see the module docstring)."""

    def __init__(self, settings: dict, paths: tuple[str, ...], step: str, prefix: str = "",
                 part: str | None = None):
        self._settings, self._paths, self._step, self._prefix = settings, paths, step, prefix
        self._part = part

    @property
    def step(self) -> str:
        """The name of the step reading these settings (its records' ``experiment``)."""
        return self._step

    @property
    def part(self) -> str:
        """The study part of the step's records (``p1`` ... ``p4b``)."""
        if self._part is None:
            raise AttributeError(f"step {self._step} belongs to no part of the study")
        return self._part

    def __getattr__(self, name: str) -> Any:
        """Called only on a first access: the value is kept as an attribute afterwards."""
        if name.startswith("_"):
            raise AttributeError(name)
        path = f"{self._prefix}{name}"
        if path in self._paths:
            try:
                value = TypeAdapter(annotation_at(path)).validate_python(self._settings.get(name))
            except Exception as err:
                raise ProfileError(f"step {self._step}: setting {path}: {err}") from None
        elif any(p.startswith(path + ".") for p in self._paths):
            value = SettingsView(self._settings.get(name, {}), self._paths, self._step, path + ".",
                                 self._part)
        else:
            self._undeclared(path)
        setattr(self, name, value)
        return value

    def overridden(self, values: dict[str, Any]) -> SettingsView:
        """A view of the same step with ``values`` (dotted profile path -> value) replaced."""
        import copy

        settings = copy.deepcopy(self._settings)
        for path, value in values.items():
            *parents, last = path.split(".")
            node = settings
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = value
        return SettingsView(settings, self._paths, self._step, self._prefix, self._part)

    def _undeclared(self, path: str):
        raise AttributeError(
            f"step {self._step} reads profile setting {path!r}, which it does not declare "
            f"(declared: {', '.join(self._paths) or 'none'}); add it to the step's settings "
            "in digitstudy.steps")

    def __repr__(self) -> str:
        return f"SettingsView({self._step}: {', '.join(self._paths)})"
