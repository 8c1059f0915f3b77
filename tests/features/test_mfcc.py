import numpy as np
import pytest
from fsdd_fixtures import SR, tone

from digitstudy.config import load_profile
from digitstudy.data.fsdd import FsddError
from digitstudy.features.mfcc import (
    MfccFeatures,
    extract,
    frame_params,
    mfcc_batch,
    mfcc_reference,
    mfcc_step,
    speaker_split,
    stratified_split,
    train_frame_stats,
)

CFG = load_profile("paper").p1.mfcc
SPLITS_CFG = load_profile("paper").p1.splits
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")


def fsdd_like(speakers=FSDD_SPEAKERS, per_digit: int = 5):
    labels = np.array([d for s in speakers for d in range(10) for _ in range(per_digit)])
    names = np.array([s for s in speakers for _ in range(10 * per_digit)])
    return labels, names


def test_window_and_hop_follow_the_study():
    assert frame_params(8000, CFG) == (120, 60)
    assert frame_params(16000, CFG) == (240, 120)


def test_batched_extractor_matches_librosa_per_file():
    rng = np.random.default_rng(3)
    # varied lengths, including one shorter than the window
    signals = [tone(d % 10, rng, seconds=s) for d,
               s in enumerate([0.01, 0.2, 0.31, 0.5, 0.77, 0.25])]
    got = mfcc_batch(signals, SR, CFG, bucket=4)
    for sig, g in zip(signals, got, strict=True):
        ref = mfcc_reference(sig, SR, CFG)
        assert g.shape == ref.shape == (1 + len(sig) // 60, 13)
        np.testing.assert_allclose(g, ref, atol=1e-4)


def test_split_is_stratified_seeded_and_70_15_15():
    labels = np.repeat(np.arange(10), 40)
    codes = stratified_split(labels, CFG)
    assert np.array_equal(codes, stratified_split(labels, CFG))
    assert [int((codes == c).sum()) for c in range(3)] == [280, 60, 60]
    for c in range(3):
        assert set(labels[codes == c]) == set(range(10))


def test_speaker_split_keeps_each_speaker_in_one_set_and_every_digit_in_each():
    labels, speakers = fsdd_like()
    codes = speaker_split(labels, speakers, SPLITS_CFG)
    held = {c: set(speakers[codes == c]) for c in range(3)}
    assert [len(held[c]) for c in range(3)] == [4, 1, 1]  # 1 test, 1 val speaker (paper profile)
    assert (
        held[0].isdisjoint(held[2]) and held[0].isdisjoint(held[1]) and held[1].isdisjoint(held[2])
    )
    for c in range(3):
        assert set(labels[codes == c]) == set(range(10))
    assert np.array_equal(codes, speaker_split(labels, speakers, SPLITS_CFG))  # seeded
    others = {tuple(sorted(set(speakers[speaker_split(labels, speakers, SPLITS_CFG.model_copy(
        update={"seed": seed})) == 2]))) for seed in range(6)}
    assert len(others) > 1  # the seed chooses the held-out speakers


def test_speaker_split_fails_when_held_out_speakers_lack_a_digit():
    labels, speakers = fsdd_like()
    codes = speaker_split(labels, speakers, SPLITS_CFG)
    test_speaker = speakers[codes == 2][0]
    keep = ~((speakers == test_speaker) & (labels == 7))
    with pytest.raises(
        FsddError, match=rf"test speakers {test_speaker} have no recordings of digit\(s\) \[7\]"
    ):
        speaker_split(labels[keep], speakers[keep], SPLITS_CFG)
    with pytest.raises(FsddError, match="2 speakers .* cannot hold out"):
        speaker_split(*fsdd_like(("a", "b")), SPLITS_CFG)


def test_resplit_recomputes_the_statistics_on_the_new_train_speakers(fsdd_dir):
    feats = extract(fsdd_dir, CFG)
    same = feats.resplit("random", SPLITS_CFG)
    assert same is feats
    by_speaker = feats.resplit("speakers", SPLITS_CFG)
    for split in ("train", "val", "test"):
        assert len(by_speaker.split_speakers(split)) == 1  # the fixture has 3 speakers
        assert set(by_speaker.split_labels(split)) == set(range(10))
    train = np.concatenate(by_speaker.sequences("train"))
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-4)
    with pytest.raises(ValueError, match="unknown split kind 'dialect'"):
        feats.resplit("dialect", SPLITS_CFG)


def test_normalisation_statistics_come_from_train_frames_only():
    rng = np.random.default_rng(0)
    lengths = np.array([5, 7, 4, 6, 3])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    frames = rng.normal(size=(offsets[-1], 13)).astype(np.float32)
    split = np.array([0, 1, 0, 2, 0])
    mean, std = train_frame_stats(frames, offsets, split)
    train_rows = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in (0, 2, 4)])
    np.testing.assert_allclose(mean, frames[train_rows].mean(axis=0), rtol=1e-6)
    # leaking validation/test frames would move the statistics: poison them and compare
    poisoned = frames.copy()
    for i in (1, 3):
        poisoned[offsets[i]:offsets[i + 1]] = 1e6
    mean2, std2 = train_frame_stats(poisoned, offsets, split)
    np.testing.assert_allclose(mean2, mean)
    np.testing.assert_allclose(std2, std)


def test_features_artifact_round_trips_and_train_frames_are_standardised(fsdd_dir, tmp_path):
    feats = extract(fsdd_dir, CFG)
    assert len(feats.labels) == 120 and feats.sample_rate == SR
    feats.save(tmp_path)
    back = MfccFeatures.load(tmp_path)
    assert np.array_equal(back.frames, feats.frames) and np.array_equal(back.split, feats.split)
    train = np.concatenate(back.sequences("train"))
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(train.std(axis=0), 1, atol=1e-3)
    val = np.concatenate(back.sequences("val"))
    assert not np.allclose(val.mean(axis=0), 0, atol=1e-4)  # val is not re-standardised on itself
    assert back.max_frames == int(np.diff(back.offsets).max())
    assert len(back.split_labels("test")) == len(back.sequences("test")) == 18


def test_step_writes_features_and_summary(fsdd_dir, tmp_path):
    mfcc_step(load_profile("tiny"), dataset=fsdd_dir, features=tmp_path / "f")
    assert (tmp_path / "f" / "mfcc.npz").is_file()
    assert '"train": 84' in (tmp_path / "f" / "summary.json").read_text()


def test_loading_missing_features_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="mfcc.npz"):
        MfccFeatures.load(tmp_path)
