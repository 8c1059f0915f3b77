import pytest
from profile_overrides import profile_with

from digitstudy.features.mfcc import mfcc_step
from digitstudy.reporting.records import load_record, load_records
from digitstudy.runner import run_step

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def features(fsdd_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("features")
    mfcc_step(profile_with(), dataset=fsdd_dir, features=out)
    return out


def test_baseline_learns_separable_tones_above_chance(features, tmp_path):
    profile = profile_with(p1__baseline__train__epochs=40)
    record = run_step("p1-baseline", profile, features=features, result=tmp_path, seed=1,
                      split_index=0)
    assert load_record(tmp_path) == record
    assert record.cell == {}  # the study's cell: no variant label
    assert record.metrics["test_accuracy"] > 0.5  # chance is 0.1
    assert record.metrics["feature_dim"] == 13
    assert len(record.predictions.y_true) == 18
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(record.history)


def test_autoencoder_step_records_its_bottleneck(features, tmp_path):
    profile = profile_with(p1__autoencoder__train__epochs=2,
                           p1__autoencoder__classifier_train__epochs=2)
    record = run_step("p1-autoencoder", profile, features=features, result=tmp_path, bottleneck=16,
                              l2_scope="all", seed=1, split_index=0)
    assert record.cell == {"bottleneck": 16, "l2_scope": "all"}
    assert record.metrics["feature_dim"] == 16
    assert "autoencoder_val_loss" in record.history or "autoencoder_val_loss" in record.metrics
    assert 0.0 <= record.metrics["test_accuracy"] <= 1.0
    assert (
        record.metrics["reconstruction_mse_val"] > 0
        and record.metrics["reconstruction_mse_test"] > 0
    )
    assert 0 <= record.metrics["dead_bottleneck_units"] <= 16


def test_autoencoder_variants_are_labelled_and_unknown_scopes_refused(features, tmp_path):
    profile = profile_with(p1__autoencoder__train__epochs=1,
                           p1__autoencoder__classifier_train__epochs=1)
    record = run_step("p1-autoencoder", profile, features=features, result=tmp_path / "a",
                      bottleneck=8,
                              l2_scope="hidden", seed=1, split_index=1)
    assert record.cell == {"bottleneck": 8, "l2_scope": "hidden", "split": "speakers",
                           "variant": "L2 on hidden layers only, speaker-independent split"}
    assert record.notes and record.notes[0].startswith("speakers: train ")
    with pytest.raises(ValueError, match=r"l2_scope 'none' is not in .*\['all', 'hidden'\]"):
        run_step("p1-autoencoder", profile, features=features, result=tmp_path / "b", bottleneck=8,
                         l2_scope="none", seed=1, split_index=0)
    with pytest.raises(ValueError, match="split_index 2: p1.splits.kinds has 2 entries"):
        run_step("p1-autoencoder", profile, features=features, result=tmp_path / "c", bottleneck=8,
                         l2_scope="all", seed=1, split_index=2)


def test_baseline_under_the_speaker_split_tests_on_unseen_speakers(features, tmp_path):
    profile = profile_with(p1__baseline__train__epochs=2)
    record = run_step("p1-baseline", profile, features=features, result=tmp_path, seed=1,
                      split_index=1)
    assert record.cell == {"split": "speakers", "variant": "speaker-independent split"}
    assert len(record.predictions.y_true) == 40  # one of the fixture's 3 speakers, 10 digits x 4
    assert set(record.predictions.y_true) == set(range(10))


def test_utterance_step_embeds_to_32_dimensions_and_writes_its_diagnostics(features, tmp_path):
    record = run_step("p1-utterance-embedding", profile_with(), features=features, result=tmp_path,
                      seed=1)
    assert record.metrics["feature_dim"] == 32
    assert {"autoencoder_loss", "merger_loss"} <= set(record.history)
    assert record.cell == {}
    main, *diagnostics = load_records([tmp_path])
    assert main == record
    assert [d.cell for d in diagnostics] == [{"variant": "last-pair encoding"},
                                             {"variant": "mean of the pair latents"}]
    for d in diagnostics:
        assert d.experiment == "p1-utterance-embedding" and d.metrics["feature_dim"] == 32
        assert -1.0 <= d.metrics["median_cosine_to_chained"] <= 1.0
        assert d.predictions.y_true == record.predictions.y_true  # the same test utterances


def test_utterance_step_without_diagnostics_writes_one_record(features, tmp_path):
    profile = profile_with(p1__utterance__diagnostics=[])
    run_step("p1-utterance-embedding", profile, features=features, result=tmp_path, seed=1)
    assert len(load_records([tmp_path])) == 1


def test_same_seed_same_result(features, tmp_path):
    profile = profile_with(p1__baseline__train__epochs=3)
    a = run_step("p1-baseline", profile, features=features, result=tmp_path / "a", seed=5,
                 split_index=0)
    b = run_step("p1-baseline", profile, features=features, result=tmp_path / "b", seed=5,
                 split_index=0)
    assert a.predictions == b.predictions
