import io
import tarfile

import numpy as np
import pytest
import soundfile as sf
from fsdd_fixtures import SR, tone, write_fsdd

from digitstudy.config import load_profile
from digitstudy.data import fsdd
from digitstudy.data.fsdd import FsddError, fetch_step, load_fsdd_index, read_wav, select


def test_index_parses_digit_speaker_and_index(fsdd_dir):
    recs = load_fsdd_index(fsdd_dir)
    assert len(recs) == 120
    assert {r.digit for r in recs} == set(range(10))
    assert {r.speaker for r in recs} == {"alice", "bob", "carol"}
    first = recs[0]
    assert (first.digit, first.speaker, first.index) == (0, "alice", 0)


def test_index_finds_recordings_below_a_data_dir(fsdd_dir):
    # DATA_DIR layout: <dir>/fsdd/recordings/*.wav
    root = fsdd_dir.parent.parent
    (root / "fsdd").mkdir(exist_ok=True)
    link = root / "fsdd" / "recordings"
    if not link.exists():
        link.symlink_to(fsdd_dir)
    assert len(load_fsdd_index(root)) == 120


def test_unparsable_name_is_an_error_naming_the_file(tmp_path):
    folder = write_fsdd(tmp_path / "r", per_speaker=1, speakers=("a",))
    sf.write(folder / "seven_a_1.wav", tone(7, np.random.default_rng(0)), SR)
    with pytest.raises(FsddError, match="seven_a_1.wav"):
        load_fsdd_index(folder)


def test_missing_digit_is_an_error_naming_it(tmp_path):
    folder = write_fsdd(tmp_path / "r", per_speaker=1, speakers=("a",))
    (folder / "4_a_0.wav").unlink()
    with pytest.raises(FsddError, match=r"digit\(s\) \[4\]"):
        load_fsdd_index(folder)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(FsddError, match="no FSDD .wav files"):
        load_fsdd_index(tmp_path)


def test_corrupt_and_empty_audio_are_errors_naming_the_file(tmp_path):
    bad = tmp_path / "3_a_0.wav"
    bad.write_bytes(b"RIFF not really a wave file")
    with pytest.raises(FsddError, match="3_a_0.wav: not a readable audio file"):
        read_wav(bad)
    empty = tmp_path / "3_a_1.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), SR)
    with pytest.raises(FsddError, match="3_a_1.wav: empty recording"):
        read_wav(empty)


def test_stereo_is_mixed_down_and_rate_kept(tmp_path):
    path = tmp_path / "1_a_0.wav"
    sf.write(path, np.stack([np.ones(100), np.zeros(100)], axis=1).astype(np.float32), 16000)
    signal, sr = read_wav(path)
    assert sr == 16000 and signal.shape == (100,)
    np.testing.assert_allclose(signal, 0.5, atol=1e-4)


def test_select_keeps_every_speaker_and_errors_on_impossible_sizes(fsdd_dir):
    recs = load_fsdd_index(fsdd_dir)
    kept = select(recs, 6, seed=1)
    assert len(kept) == 60
    for digit in range(10):
        speakers = [r.speaker for r in kept if r.digit == digit]
        assert sorted(set(speakers)) == ["alice", "bob", "carol"]
        assert max(speakers.count(s) for s in set(speakers)) == 2
    assert select(recs, 6, seed=1) == kept
    with pytest.raises(FsddError, match=f"digit 0 has 12 recordings under {fsdd_dir}, "
                       "data.fsdd.per_digit_limit asks for 13"):
        select(recs, 13, seed=1, folder=fsdd_dir)


def test_fetch_step_copies_the_profiles_share(fsdd_dir, tmp_path):
    profile = load_profile("tiny").model_copy(deep=True)
    out = tmp_path / "dataset"
    object.__setattr__(profile.data.fsdd, "per_digit_limit", 3)
    fetch_step(profile, dataset=out, source=str(fsdd_dir))
    assert len(list(out.glob("*.wav"))) == 30


def _tar_of(folder):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for wav in sorted(folder.glob("*.wav")):
            tar.add(wav, arcname=f"free-spoken-digit-dataset-1.0.10/recordings/{wav.name}")
    return buf.getvalue()


def test_download_is_verified_by_content_fingerprint(fsdd_dir, tmp_path, monkeypatch):
    archive = tmp_path / "cache" / "fsdd-v1.0.10.tar.gz"
    archive.parent.mkdir()
    archive.write_bytes(_tar_of(fsdd_dir))
    monkeypatch.setattr(fsdd, "fetch", lambda *a, **k: archive)
    with pytest.raises(FsddError, match="fingerprint"):
        fsdd.download_fsdd()
    assert not (tmp_path / "cache" / "fsdd-v1.0.10").exists()  # nothing half-extracted left

    monkeypatch.setattr(fsdd, "FSDD_FINGERPRINT", fsdd.fingerprint(load_fsdd_index(fsdd_dir)))
    folder = fsdd.download_fsdd()
    assert len(load_fsdd_index(folder)) == 120
