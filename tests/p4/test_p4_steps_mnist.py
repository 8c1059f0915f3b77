"""The attention-mnist step end to end on tiny synthetic idx files."""

from __future__ import annotations

import pytest

from digitstudy.config.p4 import MNIST_MODEL_NAMES
from digitstudy.reporting.p4 import attention_table
from digitstudy.reporting.records import load_record
from digitstudy.reporting.study_values import study_tables
from digitstudy.reporting.tables import ReportContext
from digitstudy.runner import run_step

pytestmark = pytest.mark.slow



def sample(profile, mnist_dir, out):
    """Part A's sample (the p4a-reduced-mnist data step) from the test idx files."""
    run_step("p4a-reduced-mnist", profile, dataset=mnist_dir, reduced=out)
    return out


@pytest.fixture(scope="module")
def mnist_runs(profile, mnist_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("p4a")
    reduced = sample(profile, mnist_dir, root / "reduced")
    for model in MNIST_MODEL_NAMES:
        run_step("p4a-attention-mnist", profile, reduced=reduced, result=root / model, model=model,
                 seed=4)
    return root


@pytest.mark.parametrize("model", MNIST_MODEL_NAMES)
def test_attention_mnist_step_writes_record_and_maps(mnist_runs, model, check_record,
                                                     figures_of):
    rec = check_record(mnist_runs / model, "p4a-attention-mnist", "p4a", model, 4, 40,
                       figures_of(model))
    assert rec.metrics["train_images"] == 80
    assert any("validation" in n for n in rec.notes)
    assert any("no train split" in n for n in rec.notes)  # t10k only: drawn without overlap
    assert any("CBAM channel attention pools avg (the study" in n
               for n in rec.notes) == (model == "cbam")


def test_table_10_rows_from_the_step_records(mnist_runs):
    records = [load_record(mnist_runs / m) for m in MNIST_MODEL_NAMES]
    cells = attention_table("Table 10")(records, ReportContext())
    rows = list(dict.fromkeys(c.row for c in cells))
    study = list(study_tables()["table_10"])
    assert rows == study + ["self_attention_add_norm (variant)"]  # study rows, then variants
    filled = {(c.row, c.column): c for c in cells if c.runs}
    for row in rows[1:]:
        assert 0.0 <= filled[row, "Paired test p vs base"].run_value <= 1.0
        assert filled[row, "Paired test p vs base"].run_value <= filled[row,
                                                                        "Holm p vs base"].run_value
        assert (row, "Seconds vs base") in filled
    assert filled["se", "Test accuracy"].difference_se > 0  # 40 test items here, 1000 in the study


def test_attention_mnist_learns_separable_digits(profile, mnist_dir, tmp_path):
    cfg = profile.p4a.model_copy(update={
        "train_per_class": 15, "test_per_class": 10,
        "train": profile.p4a.train.model_copy(update={"epochs": 6})})
    small = profile.model_copy(update={"p4a": cfg})
    rec = run_step("p4a-attention-mnist", small, reduced=sample(small, mnist_dir, tmp_path / "r"),
                   result=tmp_path / "se", model="se", seed=4)
    assert rec.metrics["test_accuracy"] >= 0.6  # chance is 0.1


def test_unknown_models_are_errors(profile, mnist_dir, tmp_path):
    with pytest.raises(ValueError, match="unknown model 'lenet'"):
        run_step("p4a-attention-mnist", profile, reduced=tmp_path / "unread", result=tmp_path,
                 model="lenet", seed=1)


