from pathlib import Path

import pandas as pd
import pytest
import yaml

from digitstudy.reporting.records import Predictions, ResultRecord
from digitstudy.reporting.report import headline_metrics, write_report
from digitstudy.reporting.study_values import study_tables

SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference" / "study-tables.yaml"


def rec(experiment, acc, seed=42, **cell):
    return ResultRecord(experiment=experiment, part="p1", cell=cell, seed=seed, profile="test",
                        metrics={"test_accuracy": acc, "test_loss": 0.3,
                                 "feature_dim": float(cell.get("bottleneck", 13))},
                        train_seconds=1.0, history={"loss": [1.0, 0.5], "val_loss": [1.1, 0.6],
                                                    "accuracy": [0.5, 0.8],
                                                    "val_accuracy": [0.4, 0.7]},
                        predictions=Predictions(y_true=[0, 1, 2], y_pred=[0, 1, 1]))


VENDORED = (
    Path(__file__).resolve().parents[2] / "src" / "digitstudy" / "reporting" / "study_tables.yaml"
)


def test_vendored_study_values_match_their_committed_checksum():
    """The checksum is of the study's reference transcription (shared/reference/
    study-tables.yaml) when it was vendored; an edit of the vendored copy fails here in any
    checkout, with or without the reference beside it."""
    import hashlib

    expected = VENDORED.with_name(VENDORED.name + ".sha256").read_text().strip()
    assert hashlib.sha256(VENDORED.read_bytes()).hexdigest() == expected
    if SHARED.is_file():  # where the reference is beside the checkout, compare it too
        assert study_tables() == yaml.safe_load(SHARED.read_text())


def test_report_puts_run_values_beside_the_study_with_deltas(tmp_path):
    records = [rec("p1-baseline", 0.90), rec("p1-baseline", 0.92, seed=7),
               rec("p1-autoencoder", 0.80, bottleneck=50),
               rec("p1-autoencoder", 0.91, bottleneck=300),
               rec("p1-utterance-embedding", 0.70)]
    frame = write_report(records, tmp_path, "run-1", "test")
    csv = pd.read_csv(tmp_path / "results.csv")
    assert list(csv.columns)[:6] == ["table", "row", "column", "study_value", "run_value", "delta"]
    assert list(csv.columns)[6:] == ["kind", "n_test", "ci_low", "ci_high", "p_value", "se_diff"]
    assert set(csv.table) == {"Table 1", "Table 1 sweep"}
    base = csv[(csv.table == "Table 1") & (csv.row == "Baseline")]
    assert set(base.study_value.round(4)) >= {0.9311, 0.9511}  # both printed values are shown
    acc = base[base.column == "Test accuracy"].iloc[0]
    assert acc.run_value == pytest.approx(0.91)  # mean over seeds
    assert acc.delta == pytest.approx(0.91 - 0.9311)
    # 3 test items per seed, the study's 450, 2 seeds with sd 0.0141
    assert acc.se_diff == pytest.approx((0.91 * 0.09 / 3 + 0.9311 * 0.0689 / 450
                                         + 0.02 ** 2 / 2 / 2) ** 0.5)
    sweep = csv[csv.table == "Table 1 sweep"].set_index("row")
    assert sweep.loc["300D", "run_value"] == pytest.approx(0.91)
    assert sweep.loc["300D", "study_value"] == pytest.approx(0.9156)
    assert pd.isna(sweep.loc["100D", "run_value"])  # not run: left empty, never invented
    assert len(frame) == len(csv)
    md = (tmp_path / "report.md").read_text()
    assert "0.9100 ± 0.0141 (n=2)" in md
    html = (tmp_path / "index.html").read_text()
    assert html.count("data:image/png;base64") >= 4
    for name in ("p1-baseline-curves.png", "p1-bottleneck-sweep.png", "p1-baseline-confusion.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 1000
    assert len((tmp_path / "records.jsonl").read_text().splitlines()) == 5


def test_headline_metrics_name_each_filled_cell():
    frame = pd.DataFrame([["Table 1", "Baseline", "Test accuracy", 0.93, 0.9, -0.03],
                          ["Table 1", "Approach B", "Test accuracy", 0.72, float("nan"),
                           float("nan")]],
                         columns=["table", "row", "column", "study_value", "run_value", "delta"])
    assert headline_metrics(frame) == {"table_1_baseline_test_accuracy": 0.9}
