"""The spectrogram-images step: 128x128 RGB uint8 images, seeded stratified 80/10/10 split."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitstudy.data.fsdd import FsddError
from digitstudy.features.spectrogram import (
    IMAGES_FILE,
    SpectrogramImages,
    colormap_lut,
    resample_axis,
    spectrogram_images,
    spectrogram_images_step,
)

SR = 8000


def test_resample_axis_interpolates_linearly():
    a = np.array([[[0.0, 1.0, 2.0]]], dtype=np.float32)  # (1, 1, 3)
    np.testing.assert_allclose(resample_axis(a, 5, axis=2), [[[0, 0.5, 1, 1.5, 2]]])
    padded = np.array([[[0.0, 4.0, 99.0, 99.0]]], dtype=np.float32)
    np.testing.assert_allclose(resample_axis(padded, 3, axis=2, lengths=np.array([2])),
                               [[[0, 2, 4]]])  # the padded tail is ignored


def test_images_are_uint8_rgb_and_low_tones_sit_low(profile, synth_tone):
    cfg = profile.p4b.spectrogram
    rng = np.random.default_rng(0)
    images = spectrogram_images([synth_tone(0, rng, 0.3), synth_tone(9, rng, 0.5)], SR, cfg)
    assert images.shape == (2, 128, 128, 3) and images.dtype == np.uint8
    brightness = images.astype(float).sum(axis=(2, 3))  # per row (frequency, top = high)
    low, high = brightness.argmax(axis=1)
    assert low > high  # digit 0 (250 Hz) is drawn below digit 9 (1870 Hz)


def test_batching_does_not_change_an_image(profile, synth_tone):
    cfg = profile.p4b.spectrogram
    rng = np.random.default_rng(1)
    signals = [synth_tone(i, rng, 0.2 + 0.07 * i) for i in range(5)]
    together = spectrogram_images(signals, SR, cfg, bucket=5)
    alone = np.concatenate([spectrogram_images([s], SR, cfg) for s in signals])
    assert np.abs(together.astype(int) - alone.astype(int)).max() <= 1


def test_unknown_colormap_is_an_error():
    with pytest.raises(ValueError, match="colormap"):
        colormap_lut("not-a-colormap")


def test_step_writes_a_stratified_seeded_split(profile, p4_fsdd_dir, tmp_path):
    spectrogram_images_step(profile, dataset=p4_fsdd_dir, images=tmp_path / "a")
    data = SpectrogramImages.load(tmp_path / "a")
    assert data.images.shape == (100, 128, 128, 3) and data.images.dtype == np.uint8
    for code, per_digit in ((0, 8), (1, 1), (2, 1)):
        np.testing.assert_array_equal(np.bincount(data.labels[data.split == code]),
                                      [per_digit] * 10)
    x, y = data.arrays("test")
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0 and len(y) == 10
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["images"] == {"train": 80, "val": 10, "test": 10}
    assert (tmp_path / "a" / "preview.png").stat().st_size > 0
    spectrogram_images_step(profile, dataset=p4_fsdd_dir, images=tmp_path / "b")
    again = SpectrogramImages.load(tmp_path / "b")
    np.testing.assert_array_equal(again.split, data.split)
    np.testing.assert_array_equal(again.images, data.images)


def test_step_errors_name_the_bad_input(profile, tmp_path):
    (tmp_path / "wavs").mkdir()
    (tmp_path / "wavs" / "zero.wav").write_bytes(b"")
    with pytest.raises(FsddError, match="zero.wav"):
        spectrogram_images_step(profile, dataset=tmp_path / "wavs", images=tmp_path / "out")
    with pytest.raises(FileNotFoundError, match=IMAGES_FILE):
        SpectrogramImages.load(tmp_path / "nothing")
