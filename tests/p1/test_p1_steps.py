import pytest
from profile_overrides import profile_with

from digitstudy.experiments.problem1 import autoencoder_step, baseline_step, utterance_step
from digitstudy.features.mfcc import mfcc_step
from digitstudy.reporting.records import load_record

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def features(fsdd_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("features")
    mfcc_step(profile_with(), dataset=fsdd_dir, features=out)
    return out


def test_baseline_learns_separable_tones_above_chance(features, tmp_path):
    profile = profile_with(p1__baseline__train__epochs=40)
    record = baseline_step(profile, features=features, result=tmp_path, seed=1)
    assert load_record(tmp_path) == record
    assert record.metrics["test_accuracy"] > 0.5  # chance is 0.1
    assert record.metrics["feature_dim"] == 13
    assert len(record.predictions.y_true) == 18
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(record.history)


def test_autoencoder_step_records_its_bottleneck(features, tmp_path):
    profile = profile_with(p1__autoencoder__train__epochs=2, p1__autoencoder__classifier_train__epochs=2)
    record = autoencoder_step(profile, features=features, result=tmp_path, bottleneck=16, seed=1)
    assert record.cell == {"bottleneck": 16}
    assert record.metrics["feature_dim"] == 16
    assert "autoencoder_val_loss" in record.history or "autoencoder_val_loss" in record.metrics
    assert 0.0 <= record.metrics["test_accuracy"] <= 1.0


def test_utterance_step_embeds_to_32_dimensions(features, tmp_path):
    record = utterance_step(profile_with(), features=features, result=tmp_path, seed=1)
    assert record.metrics["feature_dim"] == 32
    assert {"autoencoder_loss", "merger_loss"} <= set(record.history)


def test_same_seed_same_result(features, tmp_path):
    profile = profile_with(p1__baseline__train__epochs=3)
    a = baseline_step(profile, features=features, result=tmp_path / "a", seed=5)
    b = baseline_step(profile, features=features, result=tmp_path / "b", seed=5)
    assert a.predictions == b.predictions
