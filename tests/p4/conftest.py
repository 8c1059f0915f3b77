"""Tiny synthetic fixtures for the attention study: MNIST-like idx files, FSDD-like wavs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fsdd_fixtures import tone, write_fsdd  # tests/ is on sys.path (tests/conftest.py)
from mnist_fixtures import write_mnist_t10k
from profile_overrides import profile_with

from digitstudy.config.p4_models import MNIST_MODELS, SPEECH_MODELS
from digitstudy.reporting.records import load_record


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory) -> Path:
    """Only the t10k pair, as in the shared data folder (train and test share one pool)."""
    return write_mnist_t10k(tmp_path_factory.mktemp("mnist"), per_class=30)


@pytest.fixture(scope="session")
def synth_tone():
    """``synth_tone(digit, rng, seconds)``: the shared FSDD fixture's tone of a digit."""
    return tone


@pytest.fixture(scope="session")
def p4_fsdd_dir(tmp_path_factory) -> Path:
    """100 synthetic recordings (10 per digit) so an 80/10/10 split is exact per digit."""
    return write_fsdd(tmp_path_factory.mktemp("p4_fsdd"), per_speaker=5, speakers=("alice", "bob"))


@pytest.fixture(scope="session")
def profile():
    """The tiny profile scaled down further for tests (a few images, one epoch)."""
    return profile_with(
        "tiny", p4a__train_per_class=8, p4a__test_per_class=4, p4a__train__epochs=1,
        p4a__train__batch_size=16, p4b__train__epochs=1, p4b__map_examples=2,
        p4b__spectrogram__workers=1)


def _check_record(out, experiment, part, model, seed, n_test, figures):
    """Load a step's record and check its schema fields and figure files."""
    rec = load_record(out)
    assert (rec.experiment, rec.part, rec.cell, rec.seed) == (experiment, part, {"model": model},
                                                             seed)
    assert 0.0 <= rec.metrics["test_accuracy"] <= 1.0 and rec.metrics["test_loss"] > 0
    assert rec.train_seconds > 0 and "val_accuracy" in rec.history
    assert len(rec.predictions.y_true) == len(rec.predictions.y_pred) == n_test
    assert set(rec.files) == figures
    for name in rec.files.values():
        assert (out / name).stat().st_size > 0
    return rec


@pytest.fixture(scope="session")
def check_record():
    return _check_record


# The figures each attention block draws (experiments/attention_common.draw_attention), so a
# new model built from known blocks needs no new expectation here.
BLOCK_FIGURES = {"spatial": {"attention_map_{layer}"},
                 "cbam": {"attention_map_{layer}", "channel_weights"},
                 "se": {"channel_weights"}, "channel_ln": {"channel_weights"},
                 "self": {"patch_focus_{layer}"}, "self_add_norm": {"patch_focus_{layer}"}}


def expected_figures(model: str, *always: str) -> set[str]:
    """The figure files a Part A/B record of ``model`` holds: the curves, ``always``, and
    those of each attention block in the model's spec."""
    spec = MNIST_MODELS.get(model) or SPEECH_MODELS[model]
    figures = {"curves", *always}
    for i, stage in enumerate(spec.stages, start=1):
        if stage.attention:
            layer = f"attention{i}_{stage.attention}"
            figures |= {f.format(layer=layer) for f in BLOCK_FIGURES[stage.attention]}
    return figures


@pytest.fixture(scope="session")
def figures_of():
    return expected_figures
