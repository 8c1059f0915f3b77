"""Table 5 with labelled variant rows: each row (the study's and the variants') carries its
GAN's GAN-test / GAN-train / diversity, and variant cells never replace the study's cells."""

from digitstudy.reporting.p3 import table_5
from digitstudy.reporting.records import ResultRecord
from digitstudy.reporting.tables import ReportContext


def record(experiment: str, cell: dict, **metrics) -> ResultRecord:
    return ResultRecord(experiment=experiment, part="p3", cell=cell, seed=42, profile="tiny",
                        metrics=metrics, train_seconds=1.0)


def test_variant_rows_sit_beside_the_study_rows_with_their_quality():
    cells = [record("p3-synthetic-cell", {"real": 30, "synthetic": 0, "gan": "none"},
                    test_accuracy=0.95),
             record("p3-synthetic-cell", {"real": 30, "synthetic": 300, "gan": "specific"},
                    test_accuracy=0.90),
             record("p3-synthetic-cell", {"real": 30, "synthetic": 300, "gan": "specific",
                                          "variant": "filtered"}, test_accuracy=0.97),
             record("p3-gan-quality", {"train_set": "30"}, gan_test_accuracy=0.8,
                    gan_train_accuracy=0.7, diversity_ratio=0.9),
             record("p3-gan-quality", {"train_set": "30", "variant": "filtered"},
                    gan_test_accuracy=0.99, gan_train_accuracy=0.75, diversity_ratio=0.85)]
    got = {(c.row, c.column): (c.run_value, c.study_value)
           for c in table_5(cells, ReportContext(study_scale=0.1)) if c.runs}
    assert got[("300 real", "3000 synthetic (specific GAN)")] == (0.90, 0.911)
    assert got[("300 real [filtered]", "3000 synthetic (specific GAN)")] == (0.97, 0.911)
    assert got[("300 real", "0 synthetic")][0] == 0.95
    assert got[("300 real", "GAN-test")][0] == 0.8
    assert got[("300 real [filtered]", "GAN-test")][0] == 0.99
    assert got[("300 real [filtered]", "diversity")][0] == 0.85
    assert not any(row == "300 real [filtered]" and col == "0 synthetic" for row, col in got)
