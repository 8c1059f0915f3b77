"""p3-train-gan -> p3-synthesize -> p3-gan-quality -> p3-synthetic-cell end to end on synthetic
digits (the traced train_step runs here), and the "full" training set."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from mnist_fixtures import write_mnist_t10k

from digitstudy.data.reduced_mnist import load_reduced
from digitstudy.experiments import gan_grid
from digitstudy.reporting.records import load_record
from digitstudy.runner import run_step

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def specific(work, profile):
    """The 10-per-class GAN, its synthetic pool and quality record."""
    run_step("p3-train-gan", profile, reduced=work / "red", gan=work / "gan10", real_size=10)
    run_step("p3-synthesize", profile, gan=work / "gan10", synthetic=work / "syn10",
             variant="")
    quality = run_step("p3-gan-quality", profile, reduced=work / "red", gan=work / "gan10",
                       synthetic=work / "syn10", result=work / "q10")
    return work, quality


def test_train_gan_writes_generator_and_metadata(specific, profile):
    work, _ = specific
    meta = json.loads((work / "gan10" / gan_grid.GAN_META).read_text())
    assert meta["train_set"] == "10" and meta["images"] == 100 and meta["per_class"] == [10] * 10
    assert meta["epochs"] == profile.p3.train.epochs and meta["train_seconds"] > 0
    assert set(meta["history"]) >= {"d_loss", "g_loss", "c_loss", "g_aux_acc"}
    assert meta["aux_base_weights"] is None  # tiny profile: random init by choice
    assert not (work / "gan10" / gan_grid.CHECKPOINT_DIR).exists()  # finished: no checkpoint
    stamp = (work / "gan10" / gan_grid.GENERATOR_FILE).stat().st_mtime_ns
    run_step("p3-train-gan", profile, reduced=work / "red", gan=work / "gan10",
             real_size=10)  # a retried finished step keeps its GAN
    assert (work / "gan10" / gan_grid.GENERATOR_FILE).stat().st_mtime_ns == stamp


def test_synthetic_pool_is_balanced_and_labelled(specific, profile):
    work, _ = specific
    with np.load(work / "syn10" / gan_grid.SYNTHETIC_FILE) as npz:
        x, y = npz["x"], npz["y"]
    per_class = gan_grid.synthetic_per_class(profile)
    assert per_class == 15 and x.shape == (150, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == [15] * 10
    assert np.bincount(y[:50], minlength=10).tolist() == [5] * 10  # prefixes stay balanced
    meta = json.loads((work / "syn10" / gan_grid.SYNTHETIC_META).read_text())
    assert meta["train_set"] == "10" and meta["per_class"] == 15


def test_gan_quality_record(specific):
    work, record = specific
    assert record.experiment == "p3-gan-quality" and record.cell == {"train_set": "10"}
    m = record.metrics
    for key in ("gan_test_accuracy", "gan_train_accuracy", "test_accuracy",
                "reference_real_accuracy", "diversity_ratio",
                *(f"gan_test_class_{d}" for d in range(10))):
        assert key in m and np.isfinite(m[key])
    assert 0 <= m["gan_test_accuracy"] <= 1 and m["test_accuracy"] == m["gan_train_accuracy"]
    assert np.isclose(np.mean([m[f"gan_test_class_{d}"] for d in range(10)]),
                      m["gan_test_accuracy"])  # balanced: the mean of the per-class values
    assert m["gan_train_images"] == 100 and record.train_seconds == m["gan_train_seconds"]
    assert (work / "q10" / record.files["samples"]).stat().st_size > 5_000
    assert load_record(work / "q10").metrics == m
    assert len(record.predictions.y_true) == 60


def test_synthetic_cells(specific, profile):
    work, _ = specific
    base = run_step("p3-synthetic-cell", profile, reduced=work / "red",
                    synthetic=work / "missing", result=work / "c0", real_size=10,
                    synthetic_count=0, gan_kind="specific", seed=3)
    assert base.cell == {"real": 10, "synthetic": 0, "gan": "none"}
    assert base.metrics["train_images"] == 100 and base.part == "p3"
    cell = run_step("p3-synthetic-cell", profile, reduced=work / "red",
                    synthetic=work / "syn10", result=work / "c5", real_size=10,
                    synthetic_count=5, gan_kind="specific", seed=3)
    assert cell.experiment == "p3-synthetic-cell"
    assert cell.cell == {"real": 10, "synthetic": 5, "gan": "specific"}
    assert cell.metrics["train_images"] == 150 and 0 <= cell.metrics["test_accuracy"] <= 1
    # a cell reads only its own GAN's pool; one from another GAN is an error naming both
    with pytest.raises(ValueError, match=r"synthesised by the GAN of '10', not of 'full'"):
        run_step("p3-synthetic-cell", profile, reduced=work / "red", synthetic=work / "syn10",
                 result=work / "cx", real_size=10, synthetic_count=5, gan_kind="full", seed=3)
    full_pool = work / "syn_full"  # the full GAN's pool, as its synthesize task writes it
    shutil.copytree(work / "syn10", full_pool)
    meta = json.loads((full_pool / gan_grid.SYNTHETIC_META).read_text())
    (full_pool / gan_grid.SYNTHETIC_META).write_text(json.dumps({**meta, "train_set": "full"}))
    full = run_step("p3-synthetic-cell", profile, reduced=work / "red", synthetic=full_pool,
                    result=work / "cf", real_size=10, synthetic_count=5, gan_kind="full", seed=3)
    assert full.cell["gan"] == "full" and full.metrics["train_images"] == 150
    with pytest.raises(ValueError, match="gan_kind"):
        run_step("p3-synthetic-cell", profile, reduced=work / "red", synthetic=work / "syn10",
                 result=work / "cx", real_size=10, synthetic_count=5, gan_kind="both", seed=3)


def test_full_training_set_from_the_train_split(work, profile):
    data = load_reduced(work / "red")
    ts = gan_grid.full_training_set(work / "ds", data, per_class=None, seed=0)
    assert len(ts.y) == 300 and ts.notes == []  # the whole train split; test images elsewhere
    capped = gan_grid.full_training_set(work / "ds", data, per_class=8, seed=0)
    assert np.bincount(capped.y).tolist() == [8] * 10 and "capped" in capped.notes[0]


def test_full_substitute_without_a_train_split(tmp_path, p3_profile_with):
    """Only t10k: 'full' is the test split minus the ReducedMNIST test images, and says so."""
    profile = p3_profile_with(p2__reduced={"train_per_class": 10, "test_per_class": 5, "seed": 1},
                              p2__real_sizes=[10])
    write_mnist_t10k(tmp_path / "src", per_class=20, seed=4)
    run_step("fetch-mnist", profile, dataset=tmp_path / "ds", source=str(tmp_path / "src"))
    run_step("reduced-mnist", profile, dataset=tmp_path / "ds", reduced=tmp_path / "red")
    data = load_reduced(tmp_path / "red")
    ts = gan_grid.full_training_set(tmp_path / "ds", data, per_class=None, seed=0)
    assert len(ts.y) == 200 - 50
    assert not np.isin(gan_grid._rows(ts.x), gan_grid._rows(data.x_test)).any()
    assert "'full' substitute" in ts.notes[0] and "test split" in ts.notes[0]
    assert "50 ReducedMNIST test images removed" in ts.description


def test_checkpoints_can_live_outside_the_output_dir(tmp_path, monkeypatch):
    gan = tmp_path / "gan"
    assert gan_grid.checkpoint_dir(gan, "abc") == gan / gan_grid.CHECKPOINT_DIR
    monkeypatch.setenv(gan_grid.CHECKPOINT_ROOT_ENV, str(tmp_path / "pvc"))
    assert gan_grid.checkpoint_dir(gan, "abc") == tmp_path / "pvc" / "gan-abc"


def test_training_mode_synthesis_is_seeded_whatever_the_global_rng(specific, profile):
    """Dropout masks come from the layers' seed generators, built when the generator loads:
    the pool must follow p3.gan_seed, not the global RNG state the task starts with."""
    import random

    work, _ = specific
    train_mode = profile.model_copy(update={
        "p3": profile.p3.model_copy(update={"synthesis_training_mode": True})})
    pools = []
    for state in (1, 2):
        random.seed(state)
        np.random.seed(state)
        out = work / f"syn10-train-mode-{state}"
        run_step("p3-synthesize", train_mode, gan=work / "gan10", synthetic=out, variant="t")
        with np.load(out / gan_grid.SYNTHETIC_FILE) as npz:
            pools.append(npz["x"])
    inference = np.load(work / "syn10" / gan_grid.SYNTHETIC_FILE)["x"]
    assert np.array_equal(*pools)
    assert not np.array_equal(pools[0], inference)  # dropout really was active
