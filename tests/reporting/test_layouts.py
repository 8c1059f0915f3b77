"""Tables in the study's shapes: Tables 3 and 5 as its matrices (real per class x generated or
synthetic per class), each entry "study / this run (delta)", starred when significant; variant
rows under the row they vary; the Markdown and the HTML say the same."""

import html

import numpy as np
from report_records import p1_record, p1_records

from digitstudy.config import load_profile
from digitstudy.reporting.layouts import VARIANT_MARK, grid_html, grid_markdown, long_grid
from digitstudy.reporting.records import classification_record
from digitstudy.reporting.report import write_report
from digitstudy.reporting.study_tables import TABLE_SPECS
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import ReportContext

CTX = ReportContext("tiny", 0.1)


def spec(name: str):
    return next(s for s in TABLE_SPECS if s.name == name)


def p2_record(real: int, generated: int, correct: int, n: int = 200):
    y = np.arange(n) % 10
    pred = np.where(np.arange(n) < correct, y, (y + 1) % 10)
    return classification_record(
        experiment="p2-classifier-cell", part="p2", seed=42, profile="tiny",
        cell={"real": real, "generated": generated}, accuracy=correct / n, loss=0.1, y_true=y,
        y_pred=pred, train_images=10 * (real + generated), epochs_run=2, train_seconds=1.0)


def test_table_3_is_the_studys_matrix_with_study_and_run_in_each_entry():
    table = spec("Table 3")
    # 30 real + 300 generated per class at 1/10 scale is the study's 300 x 3000 cell
    grid = table.layout(table.build([p2_record(30, 300, 150), p2_record(30, 0, 196)], CTX))
    study = study_tables()["table_3"]
    assert grid.columns[1:] == [f"{g} generated" for g in study[300]]
    assert [r[0] for r in grid.rows] == [f"{r} real" for r in study]
    entries = dict(zip(grid.columns, grid.rows[0], strict=True))
    # 150/200 = 0.75 against 0.9865: far outside its SE, starred
    assert entries["3000 generated"] == "0.9865 / 0.7500 (\u22120.2365*)"
    # 196/200 = 0.98 against 0.9795: inside, no star
    assert entries["0 generated"] == "0.9795 / 0.9800 (+0.0005)"
    assert grid.rows[1][1] == "0.9860 / \u2013"  # not run: the study's value alone


def test_table_5_matrix_stacks_the_specific_and_full_gan_and_puts_variants_under_their_row():
    table = spec("Table 5")
    grid = table.layout(table.build([], CTX))
    study = study_tables()["table_5"]
    assert grid.columns[1:5] == [f"{c} synthetic" for c in study[300]]
    assert grid.columns[5:] == ["GAN-test", "GAN-train", "diversity"]
    assert [r[0] for r in grid.rows] == [f"{r} real" for r in study]
    first = dict(zip(grid.columns, grid.rows[0], strict=True))
    assert first["1000 synthetic"] == "specific: 0.9485 / \u2013\nfull: 0.9655 / \u2013"
    assert "<br>" in grid_markdown(grid) and "<br>" in grid_html(grid)

    def cell(synthetic, variant=None):
        y = np.arange(20) % 10
        return classification_record(
            experiment="p3-synthetic-cell", part="p3", seed=42, profile="tiny",
            cell={"real": 30, "synthetic": synthetic, "gan": "specific" if synthetic else "none",
                  **({"variant": variant} if variant else {})},
            accuracy=1.0, loss=0.1, y_true=y, y_pred=y, train_images=300, epochs_run=1,
            train_seconds=1.0)

    grid = table.layout(table.build([cell(0), cell(100), cell(100, "filtered")], CTX))
    labels = [r[0] for r in grid.rows]
    assert labels[:2] == ["300 real", f"{VARIANT_MARK}300 real [filtered]"]
    assert labels[2:] == ["700 real", "1000 real"]


def test_long_tables_put_variant_rows_under_the_row_they_vary():
    variant = p1_record("p1-autoencoder", 70, bottleneck=300, l2_scope="hidden",
                        variant="L2 on hidden layers only")
    cells = spec("Table 1").build([*p1_records(), variant], CTX)
    assert cells[-1].row == "Approach A (300D, L2 on hidden layers only)"  # built last...
    rows = [r[0] for r in long_grid(cells).rows]
    parent = rows.index("Approach A (300D)")
    # ...shown right under the study row it varies, marked
    assert rows[parent + 1] == f"{VARIANT_MARK}Approach A (300D, L2 on hidden layers only)"
    assert rows.index("Approach B") > parent + 1


def test_markdown_and_html_show_the_same_entries(tmp_path):
    profile = load_profile("tiny")
    write_report(p1_records(), tmp_path, "tiny-x", "tiny", study_scale=profile.study_scale,
                 profile=profile)
    md, page = (tmp_path / "report.md").read_text(), (tmp_path / "index.html").read_text()
    table = spec("Table 1")
    grid = long_grid(table.build(p1_records(), CTX))
    for row in grid.rows:
        for value in filter(None, row):
            assert value in md and html.escape(value) in page, value
    for verdict in ("supported", "not run here"):
        assert verdict in md and verdict in page
