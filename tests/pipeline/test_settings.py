"""Each step reads only the settings it declares; a task receives only those."""

import pytest

from digitstudy.config import load_profile
from digitstudy.config.sections import settings_for
from digitstudy.runner import settings_view, step_settings
from digitstudy.steps import STEPS


def test_settings_hold_only_the_declared_paths():
    profile = load_profile("tiny")
    settings = step_settings("p1-autoencoder", profile)
    assert set(settings) == {"name", "p1", "backend"}  # a training step: its Keras backend too
    assert set(settings["p1"]) == {"autoencoder", "baseline", "splits"}
    assert set(settings["p1"]["baseline"]) == {"classifier"}
    assert (
        settings["p1"]["autoencoder"]["bottleneck_dims"] == profile.p1.autoencoder.bottleneck_dims
    )


def test_view_reads_declared_settings_typed_and_refuses_the_rest():
    profile = load_profile("tiny")
    view = settings_view("p1-autoencoder", step_settings("p1-autoencoder", profile))
    assert view.p1.autoencoder == profile.p1.autoencoder  # the validated section model
    assert view.p1.baseline.classifier == profile.p1.baseline.classifier
    assert view.name == "tiny"
    with pytest.raises(AttributeError, match=r"reads profile setting 'p1.baseline.train'.*declare"):
        view.p1.baseline.train  # noqa: B018
    with pytest.raises(AttributeError, match=r"'p2'"):
        view.p2  # noqa: B018


def test_no_step_gets_deployment_settings():
    for step in STEPS.values():
        assert not any(p.split(".")[0] in ("cluster", "pipeline") for p in step.settings), step.name


def test_every_declared_path_exists():
    profile = load_profile("paper")
    for step in STEPS.values():
        settings_for(profile, step.settings)  # raises on an unknown path
    with pytest.raises(KeyError, match="p1.nonsense"):
        settings_for(profile, ("p1.nonsense",))
