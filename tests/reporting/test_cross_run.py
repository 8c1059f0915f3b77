"""Cross-run comparison tables built from several runs' results.csv."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from digitstudy.reporting import cross_run
from digitstudy.reporting.cross_run import CrossRunError, write_cross_run_report

HEADER = "table,row,column,study_value,run_value,delta\n"


def write_run(root, name, rows):
    path = root / name / "results.csv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.fixture
def runs(tmp_path):
    root = tmp_path / "runs"
    write_run(root, "tiny-aaa-20260101-100000", [
        ("Table 1", "MLP", "accuracy", 0.91, 0.85, -0.06),
        ("Table 1", "AE 300", "accuracy", 0.93, 0.80, -0.13),
        ("Table 6", "proposed", "accuracy", 0.97, 0.90, -0.07),
    ])
    write_run(root, "tiny-bbb-20260102-100000", [
        ("Table 1", "MLP", "accuracy", 0.91, 0.88, -0.03),
        ("Table 1", "AE 300", "accuracy", 0.93, "", ""),  # cell without a value in this run
        ("Table 1", "AE 50", "accuracy", "", 0.70, ""),  # a cell only this run has
    ])
    return root


def test_one_table_per_study_table_with_a_column_per_run(runs, tmp_path):
    paths = write_cross_run_report(cross_run.runs_in(runs), tmp_path / "out")
    wide = pd.read_csv(paths["csv"])
    assert list(wide.columns) == ["table", "row", "column", "study_value",
                                  "tiny-aaa-20260101-100000", "tiny-bbb-20260102-100000",
                                  "spread (max-min)"]
    t1 = wide[wide.table == "Table 1"].set_index("row")
    assert list(t1.index) == ["MLP", "AE 300", "AE 50"]  # first-seen order
    assert t1.loc["MLP", "tiny-bbb-20260102-100000"] == 0.88
    assert t1.loc["MLP", "spread (max-min)"] == pytest.approx(0.03)
    assert math.isnan(t1.loc["AE 300", "tiny-bbb-20260102-100000"])
    assert math.isnan(t1.loc["AE 50", "study_value"])
    assert wide[wide.table == "Table 6"].shape[0] == 1

    md = paths["md"].read_text()
    assert "## Table 1" in md and "## Table 6" in md
    assert "| MLP | accuracy | 0.91 | 0.85 | 0.88 | 0.03 |" in md
    assert "run tiny-bbb-20260102-100000 has no value for 1 of 3 cells" in md
    page = paths["html"].read_text()
    assert "<h2>Table 6</h2>" in page and "<table" in page and "0.97" in page


def test_single_run_has_no_spread(tmp_path):
    path = write_run(tmp_path, "only", [("T", "r", "c", 1.0, 0.5, -0.5)])
    paths = write_cross_run_report({"only": path}, tmp_path / "out")
    assert "spread (max-min)" not in pd.read_csv(paths["csv"]).columns


def test_conflicting_study_values_are_noted(tmp_path):
    a = write_run(tmp_path, "a", [("T", "r", "c", 0.9, 0.5, -0.4)])
    b = write_run(tmp_path, "b", [("T", "r", "c", 0.8, 0.6, -0.2)])
    paths = write_cross_run_report({"a": a, "b": b}, tmp_path / "out")
    assert "runs disagree on the study value (0.9, 0.8)" in paths["md"].read_text()


def test_bad_inputs_are_named(tmp_path):
    with pytest.raises(CrossRunError, match="no runs"):
        cross_run.load_results({})
    bad = tmp_path / "bad" / "results.csv"
    bad.parent.mkdir()
    bad.write_text("table,row,value\nT,r,1\n")
    with pytest.raises(CrossRunError, match=r"run bad: .*lacks columns \['column', 'study_value'"):
        cross_run.load_results({"bad": bad})
    text = write_run(tmp_path, "text", [("T", "r", "c", 0.9, "n/a", "")])
    with pytest.raises(CrossRunError, match="row 2 column run_value is not a number: 'n/a'"):
        cross_run.load_results({"text": text})
    dup = write_run(tmp_path, "dup", [("T", "r", "c", 1, 1, 0), ("T", "r", "c", 1, 2, 1)])
    with pytest.raises(CrossRunError, match=r"has the cell \('T', 'r', 'c'\) twice"):
        cross_run.load_results({"dup": dup})
    with pytest.raises(CrossRunError, match="no <run>/results.csv"):
        cross_run.runs_in(tmp_path / "empty")


def test_cli(runs, tmp_path, capsys):
    assert cross_run.main([str(runs), str(tmp_path / "cli")]) == 0
    assert (tmp_path / "cli" / "cross_run.html").is_file()
    assert "cross_run.md" in capsys.readouterr().out
