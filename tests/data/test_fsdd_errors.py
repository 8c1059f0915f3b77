"""FSDD errors in the user's terms: the file under DATA_DIR, not the fetched copy."""

import shutil

import numpy as np
import pytest
import soundfile as sf
from fsdd_fixtures import SR, tone
from profile_overrides import profile_with

from digitstudy.data.fsdd import SOURCES_FILE, FsddError, fetch_step, read_wav, recordings_dir


def test_a_decoding_error_in_a_later_step_names_the_original_file(tmp_path, fsdd_dir):
    source = tmp_path / "data" / "fsdd" / "recordings"
    shutil.copytree(fsdd_dir, source)
    dataset = tmp_path / "local_outputs" / "fetch-fsdd" / "dataset"
    fetch_step(profile_with(data__fsdd__per_digit_limit=12), dataset=dataset,
               source=str(tmp_path / "data"))
    assert (dataset / SOURCES_FILE).is_file()
    copy = dataset / "3_alice_0.wav"
    copy.write_bytes(b"RIFF not really a wave file")  # damaged after the fetch
    with pytest.raises(FsddError, match=f"^{source / '3_alice_0.wav'}: not a readable audio file"):
        read_wav(copy)
    copy.write_bytes(b"")
    with pytest.raises(FsddError, match=f"^{source / '3_alice_0.wav'}: empty file"):
        read_wav(copy)


def test_fetch_checks_the_kept_files_and_names_them_under_data_dir(tmp_path, fsdd_dir):
    source = tmp_path / "recordings"
    shutil.copytree(fsdd_dir, source)
    (source / "2_bob_1.wav").write_bytes(b"")
    with pytest.raises(FsddError, match=f"{source / '2_bob_1.wav'}: empty file"):
        fetch_step(profile_with(data__fsdd__per_digit_limit=12), dataset=tmp_path / "out",
                   source=str(source))
    assert not (tmp_path / "out").exists()  # nothing copied before the check


def test_fetch_refuses_stereo_unless_the_profile_mixes_down(tmp_path, fsdd_dir):
    source = tmp_path / "recordings"
    shutil.copytree(fsdd_dir, source)
    sig = tone(1, np.random.default_rng(0))
    sf.write(source / "1_bob_0.wav", np.stack([sig, sig], axis=1), SR)
    with pytest.raises(FsddError, match="data.fsdd.channels: mix_down"):
        fetch_step(profile_with(data__fsdd__per_digit_limit=12), dataset=tmp_path / "a",
                   source=str(source))
    fetch_step(profile_with(data__fsdd__per_digit_limit=12, data__fsdd__channels="mix_down"),
               dataset=tmp_path / "b", source=str(source))
    assert read_wav(tmp_path / "b" / "1_bob_0.wav")[0].ndim == 1


def test_a_missing_folder_is_said_to_be_missing(tmp_path):
    with pytest.raises(FsddError, match=f"{tmp_path / 'nope'}: folder does not exist"):
        recordings_dir(tmp_path / "nope")
