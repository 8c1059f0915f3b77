"""Problem 1's labelled variants are extra rows beside the study's cells, never replacements."""

from report_records import p1_record, p1_records

from digitstudy.reporting.layouts import wide_grid
from digitstudy.reporting.p1 import autoencoder_table, table_1, table_1_sweep
from digitstudy.reporting.records import EXTRA_DIR, load_records, record_folders, save_record
from digitstudy.reporting.tables import ReportContext

CTX = ReportContext(profile="tiny")


def ae(correct: int, bottleneck: int, scope: str, variant: str = "", **cell):
    record = p1_record("p1-autoencoder", correct, bottleneck=bottleneck, l2_scope=scope, **cell,
                       **({"variant": variant} if variant else {}))
    record.metrics.update(reconstruction_mse_val=0.2, reconstruction_mse_test=0.3,
                          dead_bottleneck_units=float(correct % 7))
    return record


def records():
    hidden = "L2 on hidden layers only"
    speakers = "speaker-independent split"
    diag = p1_record("p1-utterance-embedding", 88, variant="last-pair encoding")
    diag.metrics["median_cosine_to_chained"] = 0.99
    return [*p1_records(), ae(85, 300, "hidden", hidden), ae(86, 50, "hidden", hidden),
            ae(60, 300, "all", speakers, split="speakers"),
            p1_record("p1-baseline", 70, split="speakers", variant=speakers), diag]


def rows(cells, column="Test accuracy"):
    return {c.row: c for c in cells if c.column == column}


def test_table_1_keeps_the_study_rows_and_adds_labelled_variant_rows():
    study_only = rows(table_1(p1_records(), CTX))
    got = rows(table_1(records(), CTX))
    for row in study_only:  # the study's rows are unchanged by the variants beside them
        assert got[row].runs == study_only[row].runs
    assert got["Approach A (300D)"].runs == [59 / 90]
    assert got["Approach A (300D, L2 on hidden layers only)"].runs == [85 / 90]
    assert got["Approach A (300D, speaker-independent split)"].runs == [60 / 90]
    assert got["Baseline (speaker-independent split)"].runs == [70 / 90]
    assert got["Baseline"].runs == [80 / 90]
    diag = got["Approach B diagnostic: last-pair encoding"]
    assert diag.runs == [88 / 90] and diag.study_value is None
    assert got["Approach B"].runs == [25 / 90]
    cosine = rows(table_1(records(), CTX), "Median cosine to the chained embedding (test)")
    assert cosine["Approach B diagnostic: last-pair encoding"].runs == [0.99]


def test_sweep_shows_each_scope_beside_the_study_row_and_leaves_out_split_variants():
    got = rows(table_1_sweep(records(), CTX))
    assert got["300D"].runs == [59 / 90] and got["300D"].study_value == 0.9156
    assert got["300D (L2 on hidden layers only)"].runs == [85 / 90]
    assert got["50D (L2 on hidden layers only)"].runs == [86 / 90]
    assert got["100D (L2 on hidden layers only)"].runs == []  # not run: an empty cell
    assert not any("speaker" in row for row in got)
    names = [c.row for c in table_1_sweep(records(), CTX)]
    assert names.index("300D (L2 on hidden layers only)") == names.index("300D") + 1


def test_autoencoder_table_has_mse_and_dead_units_per_cell():
    cells = autoencoder_table(records(), CTX)
    dead = rows(cells, "Dead bottleneck units")
    assert dead["300D (L2 on hidden layers only)"].runs == [85 % 7]
    assert dead["300D (speaker-independent split)"].runs == [60 % 7]
    assert rows(cells, "Reconstruction MSE (test)")["50D (L2 on hidden layers only)"].runs == [0.3]
    assert all(c.study_value is None for c in cells)
    # one row per cell, the measures as columns; a count reads as a whole number (85 % 7 = 1
    # unit, not an accuracy of "1.0000"; 60 % 7 = 4), an MSE as an MSE
    grid = wide_grid(cells)
    assert grid.columns == ["Cell", "Reconstruction MSE (val)", "Reconstruction MSE (test)",
                            "Dead bottleneck units"]
    shown = {r[0]: dict(zip(grid.columns, r, strict=True)) for r in grid.rows}
    assert len(shown) == len(grid.rows) == len({c.row for c in cells})
    assert shown["300D (L2 on hidden layers only)"]["Dead bottleneck units"] == "1"
    assert shown["300D (speaker-independent split)"]["Dead bottleneck units"] == "4"
    assert shown["300D (L2 on hidden layers only)"]["Reconstruction MSE (val)"] == "0.2000"


def test_variant_records_are_read_after_their_steps_record_and_zip_with_their_folders(tmp_path):
    main = p1_record("p1-utterance-embedding", 25)
    diagnostics = [p1_record("p1-utterance-embedding", 30 + i, variant=v)
                   for i, v in enumerate(("last-pair encoding", "mean of the pair latents"))]
    save_record(main, tmp_path / "b")
    for name, record in zip(("last_pair", "pair_mean"), diagnostics, strict=True):
        save_record(record, tmp_path / "b" / EXTRA_DIR / name)
    base = p1_record("p1-baseline", 80)
    save_record(base, tmp_path / "a")
    folders = record_folders([tmp_path / "b", tmp_path / "a"])
    assert folders == [tmp_path / "b", tmp_path / "b" / EXTRA_DIR / "last_pair",
                       tmp_path / "b" / EXTRA_DIR / "pair_mean", tmp_path / "a"]
    assert load_records([tmp_path / "b", tmp_path / "a"]) == [main, *diagnostics, base]
