"""The study DAG: compiles, loads back, and runs end to end through kfp.local."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fsdd_fixtures import write_fsdd
from kfp import components
from mnist_fixtures import write_mnist_t10k

from digitstudy.config import profile_path
from pipelines.compile import compile_study

ROOT = Path(__file__).resolve().parents[2]


def run_dag(profile, parts, data_dir, report, outputs):
    """``make run`` in a subprocess: kfp.local swaps ``print`` and logging handlers in the
    process it runs in, which would leak into later tests."""
    cmd = [sys.executable, "-m", "pipelines.local.run_local", "--profile", str(profile), "--parts",
           parts,
           "--data-dir", str(data_dir), "--report-dir", str(report), "--outputs", str(outputs)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_compiled_pipeline_loads_back_with_the_plan_bound(tmp_path):
    out = compile_study("paper", "cpu", tmp_path / "study.yaml")
    pipeline = components.load_component_from_file(str(out))
    assert pipeline.name == "digitstudy"
    spec = next(yaml.safe_load_all(out.read_text()))
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["profile_name"]["defaultValue"] == "paper"
    assert params["parts"]["parameterType"] == "STRING"
    loops = [t["parameterIterator"]["items"]["raw"]
             for c in [spec["root"], *spec["components"].values()]
             if "dag" in c for t in c["dag"]["tasks"].values() if "parameterIterator" in t]
    assert any('"bottleneck": 400' in raw for raw in loops)  # the paper sweep, static
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
    assert table_1.run_value.notna().all()
    # the study's 10 cells, then the labelled variants of the tiny profile beside them
    study_rows = {"Baseline", "Approach A (300D)", "Approach A (range)", "Approach B"}
    assert len(table_1[table_1.row.isin(study_rows)]) == 10
    assert {"Baseline (speaker-independent split)", "Approach A (300D, L2 on hidden layers only)",
            "Approach A (300D, speaker-independent split)",
            "Approach B diagnostic: last-pair encoding",
            "Approach B diagnostic: mean of the pair latents"} <= set(table_1.row)
    sweep = csv[csv.table == "Table 1 sweep"].set_index("row")
    assert sweep.loc[["16D", "300D", "16D (L2 on hidden layers only)"], "run_value"].notna().all()
    ae = csv[csv.table == "Table 1 autoencoders"]
    assert set(ae.column) == {"Reconstruction MSE (val)", "Reconstruction MSE (test)",
                              "Dead bottleneck units"} and ae.run_value.notna().all()
    assert (run_dir / "results.csv").is_file()  # the run is also kept under runs/<run id>
    times = pd.read_csv(tmp_path / "report" / "step_times.csv")
    assert {"fetch-fsdd", "mfcc-features", "p1-autoencoder", "aggregate-results"} <= set(times.step)


def micro_profile(path):
    """The tiny profile shrunk to the smallest grid that still touches every table."""
    data = yaml.safe_load(profile_path("tiny").read_text())
    data["study_scale"] = 0.01
    data["data"]["fsdd"]["per_digit_limit"] = 10  # 80/10/10 needs 2 per digit outside train
    p1 = data["p1"]
    p1["autoencoder"]["bottleneck_dims"] = [300]  # Table 1 reports the 300D cell
    for section, key in (("baseline", "train"), ("autoencoder", "train"),
                         ("autoencoder", "classifier_train"), ("utterance", "autoencoder_train"),
                         ("utterance", "merger_train"), ("utterance", "classifier_train")):
        p1[section][key]["epochs"] = 1
    data["p2"].update(real_sizes=[3, 10], generated_counts=[0, 30])
    data["p2"]["reduced"].update(train_per_class=10, test_per_class=5)
    data["p2"]["classifier"]["train"]["epochs"] = 1
    p3 = data["p3"]
    p3.update(train_sets=["3", "full"], real_sizes=[3], synthetic_counts=[0, 30], full_per_class=10)
    p3["quality"].update(samples_per_class=30, reference_real_size=10)
    p3["proposed"].update(real_size=3, augmented_per_class=30, gan_epochs=1)
    data["p4a"].update(train_per_class=10, test_per_class=5,
                       train={**data["p4a"]["train"], "epochs": 1})
    data["p4b"]["train"]["epochs"] = 1
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow
def test_whole_study_dag_produces_every_table_and_figure(tmp_path):
    data_dir = tmp_path / "data"
    write_fsdd(data_dir / "fsdd" / "recordings", per_speaker=4)
    write_mnist_t10k(data_dir / "mnist", per_class=40)
    report = tmp_path / "report"

    run_dag(micro_profile(tmp_path / "micro.yaml"), "p1,p2,p3,p4a,p4b", data_dir, report,
            tmp_path / "outputs")

    csv = pd.read_csv(report / "results.csv")
    assert set(csv.table) == {"Table 1", "Table 1 sweep", "Table 1 autoencoders", "Table 3",
                              "Table 5", "Table 6",
                              "GAN quality", "Table 10", "Table 13"}
    filled = csv.dropna(subset=["run_value"]).set_index(["table", "row", "column"]).run_value
    # the micro grid's cells, reported on the study's cells (study_scale 0.01)
    for cell in [("Table 3", "300 real", "0 generated"), ("Table 3", "1000 real", "3000 generated"),
                 ("Table 5", "300 real", "3000 synthetic (specific GAN)"),
                 ("Table 5", "300 real", "3000 synthetic (full GAN)"),
                 ("Table 6", "300 real + 1000 augmented", "3000 synthetic"),
                 ("GAN quality", "full MNIST", "GAN-test (label fidelity)")]:
        assert 0.0 <= filled[cell] <= 1.0, cell
    # the labelled rows beside the study's; a pool variant's pool comes from the row's own GAN
    for label in ("stock-aux-bn", "no-aux-loss", "synthesis-training-mode", "filtered"):
        assert 0.0 <= filled[("Table 5", f"300 real [{label}]",
                              "3000 synthetic (specific GAN)")] <= 1.0
    seconds = {row: filled[("GAN quality", row, "GAN training seconds")]
               for row in ("300 per class", "300 per class [filtered]",
                           "300 per class [synthesis-training-mode]",
                           "300 per class [stock-aux-bn]")}
    assert seconds["300 per class [filtered]"] == seconds["300 per class"]
    assert seconds["300 per class [synthesis-training-mode]"] == seconds["300 per class"]
    assert seconds["300 per class [stock-aux-bn]"] != seconds["300 per class"]  # its own GAN
    for table, models in (("Table 10",
                           ["base_cnn", "spatial_attention", "self_attention", "cbam", "se",
                                        "self_attention_add_norm (variant)"]),
                          ("Table 13",
                           ["baseline_lenet", "cnn_with_cbam", "hybrid_channel_attention"])):
        for model in models:
            assert (table, model, "Test accuracy") in filled.index
    assert ("Table 10", "se", "Paired test p vs base") in filled.index
    assert ("Table 10", "se", "Holm p vs base") in filled.index
    table_1 = csv[csv.table == "Table 1"]
    assert table_1.run_value.notna().all()  # the study's 10 cells and every labelled variant
    assert len(table_1[table_1.row.isin({"Baseline", "Approach A (300D)", "Approach A (range)",
                                         "Approach B"})]) == 10
    figures = {p.name for p in (report / "figures").iterdir()}
    assert "p1-bottleneck-sweep.png" in figures
    assert any("augment" in f for f in figures)
    assert any("samples" in f for f in figures)  # GAN sample grids
    assert len([f for f in figures if "p4a" in f]) >= 5  # curves and attention maps
    assert (report / "index.html").stat().st_size > 100_000  # tables and embedded figures
