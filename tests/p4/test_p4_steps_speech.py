"""The spectrogram-images and attention-speech steps end to end on synthetic FSDD wavs."""

from __future__ import annotations

import numpy as np
import pytest

from digitstudy.config.p4 import SPEECH_MODEL_NAMES
from digitstudy.runner import run_step

pytestmark = pytest.mark.slow




@pytest.fixture(scope="module")
def speech_runs(profile, p4_fsdd_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("p4b")
    run_step("spectrogram-images", profile, dataset=p4_fsdd_dir, images=root / "images")
    for model in SPEECH_MODEL_NAMES:
        run_step("p4b-attention-speech", profile, images=root / "images", result=root / model,
                 model=model, seed=42)
    return root


@pytest.mark.parametrize("model", SPEECH_MODEL_NAMES)
def test_attention_speech_step_writes_record_and_maps(speech_runs, model, check_record,
                                                      figures_of):
    rec = check_record(speech_runs / model, "p4b-attention-speech", "p4b", model, 42, 10,
                       figures_of(model, "gradcam"))
    noisy = any("Gaussian noise" in n for n in rec.notes)
    assert noisy == (model == "hybrid_channel_attention")


def test_attention_speech_learns_separable_tones(profile, speech_runs, tmp_path):
    cfg = profile.p4b.model_copy(update={
        "train": profile.p4b.train.model_copy(update={"epochs": 8, "learning_rate": 1e-3})})
    rec = run_step("p4b-attention-speech", profile.model_copy(update={"p4b": cfg}),
                                images=speech_runs / "images", result=tmp_path,
                                model="baseline_lenet", seed=42)
    assert rec.metrics["test_accuracy"] >= 0.5
    assert np.isfinite(rec.history["val_loss"]).all()


def test_unknown_speech_model_is_an_error(profile, tmp_path):
    with pytest.raises(ValueError, match="unknown model 'se'"):
        run_step("p4b-attention-speech", profile, images=tmp_path, result=tmp_path, model="se",
                 seed=1)
