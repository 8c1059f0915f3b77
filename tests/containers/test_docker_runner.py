"""Steps and DAG slices through kfp.local.DockerRunner in the CPU image, asserting on outputs:
kfp's run_docker_container returns 0 when an auto-removed container is already gone
(kfp/local/docker_task_handler.py:148-160), so a status alone proves nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fsdd_fixtures import write_fsdd
from mnist_fixtures import write_mnist_t10k

from digitstudy.config import profile_path

ROOT = Path(__file__).resolve().parents[2]
ENV = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}:{ROOT / 'tests'}",
       "PATH": "/usr/bin:/bin:/usr/local/bin",
       "TF_CPP_MIN_LOG_LEVEL": "2"}


def python(*args: str, timeout: int = 3000) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, env=ENV)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("data")
    write_fsdd(data / "fsdd" / "recordings", per_speaker=4)
    write_mnist_t10k(data / "mnist", per_class=40)
    data.chmod(0o755)  # mktemp's 0700: the containers' uid could not list it (runners says so)
    return data


def test_one_step_as_an_arbitrary_uid_with_a_read_only_root(cpu_image, data_dir, tmp_path):
    root = tmp_path / "outputs"
    root.mkdir()
    root.chmod(0o1777)  # the caller makes the pipeline root writable for the uid it picks
    extra = {"user": "12345:12345", "read_only": True, "tmpfs": {"/tmp": ""}}
    done = python("tests/containers/docker_step.py", str(data_dir / "fsdd" / "recordings"),
                  str(root),
                  json.dumps(extra))
    assert f"image {cpu_image}" in done.stdout
    assert "probe: uid=12345 mfcc=13 wav=0_alice_0.wav data_writable=False root_writable=False" \
        in done.stdout
    assert not (data_dir / "fsdd" / "recordings" / "written-by-a-step").exists()


def merged(node, update):
    """``update`` laid over ``node``, nested mappings merged key by key."""
    if isinstance(node, dict) and isinstance(update, dict):
        return {**node, **{k: merged(node.get(k), v) for k, v in update.items()}}
    return update


def micro(path: Path, **parts) -> Path:
    """The tiny profile at study_scale 0.01 with each named part's settings laid over it."""
    data = yaml.safe_load(profile_path("tiny").read_text())
    data["study_scale"] = 0.01
    data["data"]["fsdd"]["per_digit_limit"] = 10  # 80/10/10 needs 2 per digit outside train
    path.write_text(yaml.safe_dump(merged(data, parts)))
    return path


def one_epoch(*names: str) -> dict:
    return {name: {"epochs": 1} for name in names}


def run_docker_dag(profile: Path, parts: str, data_dir: Path,
                   tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    report = tmp_path / "report"
    python("-m", "pipelines.local.run_local", "--runner", "docker", "--profile", str(profile),
           "--parts", parts,
           "--data-dir", str(data_dir), "--report-dir", str(report), "--outputs",
           str(tmp_path / "outputs"))
    return pd.read_csv(report / "results.csv"), report


@pytest.mark.slow  # runs DAG slices, one container per step
def test_problem_1_slice_runs_container_per_step(cpu_image, data_dir, tmp_path):
    p1 = {"autoencoder": {"bottleneck_dims": [300], "train": {"epochs": 1},
                          "classifier_train": {"epochs": 1}},
          "baseline": {"train": {"epochs": 1}},
          "utterance": one_epoch("autoencoder_train", "merger_train", "classifier_train")}
    csv, report = run_docker_dag(micro(tmp_path / "p1.yaml", p1=p1), "p1", data_dir, tmp_path)
    table_1 = csv[csv.table == "Table 1"]
    assert table_1.run_value.notna().all()  # the study's 10 cells and every labelled variant
    assert len(table_1[table_1.row.isin({"Baseline", "Approach A (300D)", "Approach A (range)",
                                         "Approach B"})]) == 10
    assert set(csv.table) == {"Table 1", "Table 1 sweep", "Table 1 autoencoders"}
    assert f"image {cpu_image}" in (report / "runner.txt").read_text()
    times = pd.read_csv(report / "step_times.csv")
    assert {"fetch-fsdd", "mfcc-features", "p1-autoencoder"} <= set(times.step)


@pytest.mark.slow  # runs DAG slices, one container per step
def test_one_task_of_every_other_part_runs_in_the_image(cpu_image, data_dir, tmp_path):
    profile = micro(
        tmp_path / "others.yaml",
        p2={"real_sizes": [3], "generated_counts": [30],
            "reduced": {"train_per_class": 10, "test_per_class": 5},
            "classifier": {"train": {"epochs": 1}}},
        p3={"train_sets": ["3", "full"], "real_sizes": [3], "synthetic_counts": [30],
            "full_per_class": 10,
            "quality": {"samples_per_class": 30, "reference_real_size": 10},
            "proposed": {"real_size": 3, "augmented_per_class": 30, "gan_epochs": 1}},
        p4a={"models": ["base_cnn"], "train_per_class": 10, "test_per_class": 5,
             "train": {"epochs": 1}},
        p4b={"models": ["baseline_lenet"], "noise_models": [], "train": {"epochs": 1}})
    csv, report = run_docker_dag(profile, "p2,p3,p4a,p4b", data_dir, tmp_path)
    filled = csv.dropna(subset=["run_value"])
    for table in ("Table 3", "Table 5", "Table 10", "Table 13"):
        assert (filled.table == table).any(), f"{table}: no cell filled"
    assert ("Table 10", "base_cnn") in set(zip(filled.table, filled.row, strict=True))
    assert f"image {cpu_image}" in (report / "runner.txt").read_text()
