"""Pre-flight: every user mistake found before the DAG starts, in the user's terms."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fsdd_fixtures import SR, tone
from mnist_fixtures import write_mnist_t10k
from profile_overrides import profile_with

from digitstudy import preflight as pf
from digitstudy.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path, fsdd_dir) -> Path:
    """A DATA_DIR with fsdd/recordings/ (the 120-file fixture) and mnist/ (t10k only)."""
    shutil.copytree(fsdd_dir, tmp_path / "data" / "fsdd" / "recordings")
    write_mnist_t10k(tmp_path / "data" / "mnist", per_class=5)
    return tmp_path / "data"


@pytest.fixture
def profile():
    return profile_with(data__fsdd__per_digit_limit=6)


def test_a_good_data_dir_passes_and_says_how_long_the_header_check_took(profile, data_dir):
    lines = pf.preflight(profile, "p1,p2", data_dir)
    fsdd_line = next(line for line in lines if line.startswith("FSDD"))
    assert "120 recordings readable (8000 Hz, mono)" in fsdd_line
    assert "headers checked in" in fsdd_line
    assert any(
        line.startswith(str(data_dir / "mnist")) and "test (50 images" in line for line in lines
    )


def test_missing_data_dir_names_the_folder(profile, tmp_path):
    with pytest.raises(pf.PreflightError, match=f"DATA_DIR {tmp_path / 'nope'} does not exist"):
        pf.preflight(profile, "p1", tmp_path / "nope")


def test_bad_parts_are_user_errors(profile, data_dir):
    with pytest.raises(UserError, match="unknown part"):
        pf.preflight(profile, "p1,p9", data_dir)


def test_a_random_bytes_wav_the_profile_would_not_sample_is_still_found(profile, data_dir):
    bad = data_dir / "fsdd" / "recordings" / "3_zed_0.wav"
    bad.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(pf.PreflightError) as err:
        pf.preflight(profile, "p1", data_dir)
    assert f"{bad}: not a readable audio file" in str(err.value)
    assert "1 of 121 FSDD recordings" in str(err.value)


def test_a_zero_byte_wav_is_an_empty_file(profile, data_dir):
    empty = data_dir / "fsdd" / "recordings" / "4_zed_0.wav"
    empty.write_bytes(b"")
    with pytest.raises(pf.PreflightError, match=f"{empty}: empty file"):
        pf.preflight(profile, "p1", data_dir)


def test_stereo_needs_the_opt_in_mix_down_and_names_one_example_of_each(profile, data_dir):
    stereo = data_dir / "fsdd" / "recordings" / "5_zed_0.wav"
    sig = tone(5, np.random.default_rng(1))
    sf.write(stereo, np.stack([sig, sig], axis=1), SR)
    with pytest.raises(UserError) as err:
        pf.preflight(profile, "p1", data_dir)
    msg = str(err.value)
    assert f"2 channels, e.g. {stereo}" in msg and "1 channels, e.g." in msg
    assert "data.fsdd.channels: mix_down" in msg
    mixed = profile_with(data__fsdd__per_digit_limit=6, data__fsdd__channels="mix_down")
    assert any("mixed down" in line for line in pf.preflight(mixed, "p1", data_dir))


def test_mixed_sample_rates_name_one_example_of_each(profile, data_dir):
    other = data_dir / "fsdd" / "recordings" / "6_zed_0.wav"
    sf.write(other, tone(6, np.random.default_rng(2)), 16000)
    with pytest.raises(UserError) as err:
        pf.preflight(profile, "p1", data_dir)
    assert f"16000 Hz, e.g. {other}" in str(err.value) and "8000 Hz, e.g." in str(err.value)


def test_too_few_recordings_name_the_folder_and_the_setting(data_dir):
    greedy = profile_with(data__fsdd__per_digit_limit=60)
    with pytest.raises(UserError, match=r"digit 0 has 12 recordings under .*fsdd/recordings, "
                       "data.fsdd.per_digit_limit asks for 60"):
        pf.preflight(greedy, "p1", data_dir)


def test_an_mnist_file_with_the_wrong_magic_is_named(profile, data_dir):
    images = data_dir / "mnist" / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[3] = 1
    images.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(UserError, match=f"{images}: magic number"):
        pf.preflight(profile, "p2", data_dir)


def test_a_truncated_mnist_file_is_named(profile, data_dir):
    labels = data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(gzip.decompress(labels.read_bytes())[:-3]))
    with pytest.raises(UserError, match=f"{labels}: header says shape"):
        pf.preflight(profile, "p2", data_dir)


def test_no_data_dir_and_no_internet_suggests_data_dir(profile, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITSTUDY_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pf, "_reachable", lambda url: "Name or service not known")
    with pytest.raises(pf.PreflightError, match="no DATA_DIR was given.*run with DATA_DIR="):
        pf.preflight(profile, "p1", None)


def _run_local(*args, cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipelines.local.run_local", *args], cwd=cwd,
                          env=env,
                          capture_output=True, text=True, timeout=120)
    return proc, time.perf_counter() - t0


def test_make_run_on_a_missing_data_dir_fails_fast_naming_it_without_a_traceback(tmp_path):
    proc, seconds = _run_local("--parts", "p1", "--data-dir", "/nonexistent",
                               "--outputs", str(tmp_path / "out"), "--report-dir",
                               str(tmp_path / "report"), cwd=tmp_path)
    assert proc.returncode == 2
    assert seconds < 10
    assert "DATA_DIR /nonexistent does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists() and not (tmp_path / "report").exists()


def test_make_run_with_a_corrupt_wav_fails_before_any_task_naming_it_last(tmp_path, data_dir):
    bad = data_dir / "fsdd" / "recordings" / "7_zed_3.wav"
    bad.write_bytes(np.random.default_rng(3).bytes(2048))
    proc, _ = _run_local("--parts", "p1", "--data-dir", str(data_dir), "--outputs",
                         str(tmp_path / "out"), "--report-dir", str(tmp_path / "report"),
                         cwd=tmp_path)
    assert proc.returncode == 2
    last = (proc.stdout + proc.stderr).strip().splitlines()[-10:]
    assert any(str(bad) in line for line in last)
    assert not (tmp_path / "out").exists()  # no run folder: the DAG never started


@pytest.mark.parametrize("args, message", [
    (["--parts", "p1,p7"], "unknown part(s) p7 in PARTS='p1,p7'"),
    (["--profile", "{bad}"], "p1.baseline.train.epochs"),
])
def test_make_run_reports_bad_parts_and_profiles_in_one_paragraph(tmp_path, args, message):
    import yaml

    from digitstudy.config import profile_path

    data = yaml.safe_load(profile_path("tiny").read_text())
    data["p1"]["baseline"]["train"]["epochs"] = "30"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    args = [a.replace("{bad}", str(tmp_path / "bad.yaml")) for a in args]
    proc, _ = _run_local(*args, "--outputs", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
