"""The report rebuilt from transcribed paper-profile cells: the same claims and tables as a
DAG run's report, and bad lines named before any work."""

import json

import pandas as pd
import pytest

from digitstudy.reporting.claims import SUPPORTED
from digitstudy.reporting.paper_records import PaperRecordsError, write_paper_report

HEADER = "table,row,column,seed,value,n_test,variant_of,source\n"


def lines(*rows: str) -> str:
    return HEADER + "".join(r + ",test\n" for r in rows)


def test_cells_fill_the_study_tables_and_decide_the_claims(tmp_path):
    csv = tmp_path / "cells.csv"
    csv.write_text(lines(*(f"Table 1,Baseline,Test accuracy,{s},{v},450," for s, v in
                           ((42, 0.9556), (43, 0.9467), (44, 0.9644))),
                         *(f"Table 1,Approach B,Test accuracy,{s},{v},450," for s, v in
                           ((42, 0.44), (43, 0.4667), (44, 0.48))),
                         "Table 5,300 real [filtered],1000 synthetic (specific GAN),42,0.97,2000,"
                         "300 real"))
    claims = {c["id"]: c for c in write_paper_report(csv, tmp_path / "out")}
    first = claims["p1-baseline-beats-autoencoders"]
    # Approach A (300D) has no value: the claim is not run; B's comparison holds by its SE
    assert first["verdict"] == "not run here"
    part = first["comparisons"][1]
    assert part["status"] == "holds" and part["method"] == "SE of the difference"
    assert json.loads((tmp_path / "out" / "claims.json").read_text())[0]["id"] == first["id"]
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    base = results[(results.table == "Table 1") & (results.row == "Baseline")
                   & (results.column == "Test accuracy")].iloc[0]
    assert base.study_value == pytest.approx(0.9311) and base.run_value == pytest.approx(0.9556,
                                                                                         abs=1e-4)
    variant = results[results.row == "300 real [filtered]"].iloc[0]
    assert variant.study_value == pytest.approx(0.9485)  # the row it varies
    md = (tmp_path / "out" / "report.md").read_text()
    assert md.index("Which of the study's findings hold here") < md.index("## Table 1")
    assert "| \u21b3 300 real [filtered] |" in md
    assert claims["p4a-se-best"]["verdict"] != SUPPORTED


@pytest.mark.parametrize(("row", "message"), [
    ("Table 1,Baseline,Test accuracy,42,95.5,450,", "line 2: value 95.5"),
    ("Table 99,Baseline,Test accuracy,42,0.9,450,", "tables the report does not have"),
])
def test_a_bad_line_is_named(tmp_path, row, message):
    csv = tmp_path / "cells.csv"
    csv.write_text(lines(row))
    with pytest.raises(PaperRecordsError, match=message):
        write_paper_report(csv, tmp_path / "out")


def test_the_committed_paper_cells_rebuild(tmp_path):
    from pathlib import Path

    csv = Path(__file__).parents[2] / "docs" / "paper-records" / "cells.csv"
    claims = write_paper_report(csv, tmp_path)
    assert len(claims) >= 10 and (tmp_path / "index.html").stat().st_size > 10_000
