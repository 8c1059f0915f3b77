"""The study DAG: compiles, loads back, and runs end to end through kfp.local."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from kfp import components

from digitstudy.config import profile_path
from pipelines.compile import compile_study

ROOT = Path(__file__).resolve().parents[2]


def run_dag(profile, parts, data_dir, report, outputs):
    """``make run`` in a subprocess: kfp.local swaps ``print`` and logging handlers in the
    process it runs in, which would leak into later tests."""
    cmd = [sys.executable, "-m", "pipelines.run_local", "--profile", str(profile), "--parts", parts,
           "--data-dir", str(data_dir), "--report-dir", str(report), "--outputs", str(outputs)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_compiled_pipeline_loads_back_with_profile_defaults(tmp_path):
    out = compile_study("paper", "cpu", tmp_path / "study.yaml")
    pipeline = components.load_component_from_file(str(out))
    assert pipeline.name == "digitstudy"
    spec = yaml.safe_load(out.read_text())
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["profile"]["defaultValue"]["p1"]["autoencoder"]["bottleneck_dims"] == [
        50, 100, 150, 200, 250, 300, 350, 400]
    assert params["parts"]["parameterType"] == "STRING"
    execs = spec["deploymentSpec"]["executors"]
    assert all(":" in e["container"]["image"] for e in execs.values())


@pytest.mark.slow
def test_tiny_dag_runs_locally_and_fills_table_1(fsdd_dir, tmp_path):
    data = yaml.safe_load(profile_path("tiny").read_text())
    data["data"]["fsdd"]["per_digit_limit"] = 10
    p1 = data["p1"]
    p1["autoencoder"]["bottleneck_dims"] = [16, 300]
    p1["baseline"]["train"]["epochs"] = 20
    for section, key in (("autoencoder", "train"), ("autoencoder", "classifier_train"),
                         ("utterance", "autoencoder_train"), ("utterance", "merger_train"),
                         ("utterance", "classifier_train")):
        p1[section][key]["epochs"] = 1
    profile = tmp_path / "test.yaml"
    profile.write_text(yaml.safe_dump(data))

    report = tmp_path / "report"
    run_dag(profile, "p1", fsdd_dir.parent, report, tmp_path / "outputs")
    run_dir, = (report / "runs").iterdir()

    csv = pd.read_csv(tmp_path / "report" / "results.csv")
    table_1 = csv[csv.table == "Table 1"]
    assert len(table_1) == 10 and table_1.run_value.notna().all()
    sweep = csv[csv.table == "Table 1 sweep"].set_index("row")
    assert sweep.loc[["16D", "300D"], "run_value"].notna().all()
    assert (run_dir / "results.csv").is_file()  # the run is also kept under runs/<run id>
    times = pd.read_csv(tmp_path / "report" / "step_times.csv")
    assert {"fetch-fsdd", "mfcc-features", "p1-autoencoder", "aggregate-results"} <= set(times.step)
